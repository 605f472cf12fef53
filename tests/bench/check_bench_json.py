#!/usr/bin/python3
"""check_bench_json.py FILE RANKS TRANSPORT [threads THREADS]: parlayer-bench's JSON has every expected key.

With "threads THREADS": a run of `--suite threads --threads THREADS` (issue 13), checked for the
team triad and the threads entries only.

Structure and sanity only (finite, positive timings; the library and the reference computed the
same numbers; a many-box layout computed the same cells as one block; a redistributed field arrived
bit for bit; a snapshot read back what was written). Never a timing threshold."""
import json
import math
import sys

path, ranks, transport = sys.argv[1], int(sys.argv[2]), sys.argv[3]
threads = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[4] == "threads" else None
doc = json.load(open(path))
errors = []


def need(obj, keys, where):
    for k in keys:
        if k not in obj:
            errors.append(f"{where}: missing key '{k}'")


def finite(obj, keys, where):
    need(obj, keys, where)
    for k in keys:
        v = obj.get(k)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            errors.append(f"{where}.{k} = {v!r}: expected a finite number")


def positive(obj, keys, where):
    need(obj, keys, where)
    for k in keys:
        v = obj.get(k)
        if not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
            errors.append(f"{where}.{k} = {v!r}: expected a finite positive number")


def check_threads():
    """The threads suite: the team triad at 1 and THREADS threads per rank; per kernel one-thread,
    serial-tiles, pool (and openmp if built), the same bytes as one thread, finite timings."""
    run = doc.get("run", {})
    if run.get("ranks") != ranks or run.get("threads") != threads:
        errors.append(f"run: ranks {run.get('ranks')} threads {run.get('threads')}, expected {ranks} and {threads}")
    team = doc.get("limits", {}).get("team_triad", {}).get("results", [])
    if sorted(r.get("threads_active") for r in team) != sorted({1, threads}):
        errors.append(f"limits.team_triad.results: threads_active {[r.get('threads_active') for r in team]}")
    for r in team:
        positive(r, ["best_s", "counted_GBps", "with_write_allocate_GBps", "scale_with_write_allocate_GBps"],
                 "limits.team_triad")
    modes = ["one-thread", "serial-tiles"] + (["pool"] + (["openmp"] if run.get("openmp_available") else [])
                                              if threads > 1 else [])
    entries = doc.get("threads", [])
    seen = {(t.get("kernel"), t.get("mode")) for t in entries}
    for kernel in ["2d-5pt", "3d-7pt"]:
        for mode in modes:
            if (kernel, mode) not in seen:
                errors.append(f"threads: no {mode} entry for {kernel}")
    for t in entries:
        where = f"threads[{t.get('kernel')},{t.get('mode')}]"
        positive(t, ["step_s", "median_step_s", "gcells_per_s", "busiest_thread_kernel_s", "over_one_thread",
                     "roofline_gcells_per_s", "pct_roofline", "cells", "tiles_interior"], where)
        need(t, ["tiles_strip", "tile_size", "threads_used", "oversubscribed", "process_grid"], where)
        if t.get("same_result") is not True:
            errors.append(f"{where}: other bytes than one thread")
    if errors:
        print(f"{path}: {len(errors)} problem(s)")
        for e in errors:
            print("  " + e)
        sys.exit(1)
    print(f"{path}: ok ({len(entries)} threads entries)")
    sys.exit(0)


if threads is not None:
    check_threads()

need(doc, ["schema", "run", "limits", "stencils", "library_vs_reference", "halo", "scaling",
           "layouts", "redistribution", "snapshot", "targets"], "top")
if doc.get("schema") != "parlayer-bench/1":
    errors.append(f"schema is {doc.get('schema')!r}")
run = doc.get("run", {})
need(run, ["ranks", "transport", "affinity", "load_start", "load_end", "build", "config",
           "oversubscribed", "date_utc"], "run")
if run.get("ranks") != ranks:
    errors.append(f"run.ranks = {run.get('ranks')}, expected {ranks}")
if run.get("transport") != transport:
    errors.append(f"run.transport = {run.get('transport')!r}, expected {transport!r}")
if len(run.get("affinity", [])) != ranks:
    errors.append("run.affinity: one entry per rank expected")

limits = doc.get("limits", {})
need(limits, ["triad", "pingpong", "disk"], "limits")
triad = limits.get("triad", {}).get("results", [])
if sorted(r.get("ranks_active") for r in triad) != sorted({1, ranks}):
    errors.append(f"limits.triad.results: ranks_active {[r.get('ranks_active') for r in triad]}")
for r in triad:
    positive(r, ["counted_GBps", "with_write_allocate_GBps", "best_s", "scale_counted_GBps",
                 "scale_with_write_allocate_GBps"], "limits.triad")
pingpong = limits.get("pingpong", {}).get("results", [])
if ranks >= 2 and not pingpong:
    errors.append("limits.pingpong.results is empty at 2 ranks")
for r in pingpong:
    positive(r, ["bytes", "one_way_us", "bandwidth_GBps", "field_memory_one_way_us", "field_memory_bandwidth_GBps",
                 "field_memory_cold_one_way_us", "field_memory_cold_bandwidth_GBps", "exchange_us",
                 "exchange_bandwidth_GBps"], "limits.pingpong")
positive(limits.get("disk", {}), ["bytes", "write_fsync_GBps", "read_cold_GBps"], "limits.disk")

seen = {(s.get("kernel"), s.get("path"), s.get("mode")) for s in doc.get("stencils", [])}
for kernel in ["2d-5pt", "2d-9pt", "3d-7pt"]:
    for mode in ["overlap", "blocking"]:
        if (kernel, "library", mode) not in seen:
            errors.append(f"stencils: no library {mode} entry for {kernel}")
for mode in ["overlap", "blocking"]:
    if ("2d-5pt", "reference", mode) not in seen:
        errors.append(f"stencils: no reference {mode} entry for 2d-5pt")
for s in doc.get("stencils", []):
    positive(s, ["step_s", "gcells_per_s", "roofline_gcells_per_s", "pct_roofline", "pct_scale_roofline", "cells"],
             f"stencils[{s.get('kernel')},{s.get('path')},{s.get('mode')}]")

for s in doc.get("stencils", []):
    if s.get("path") == "all-sides" and s.get("same_result_as_library") is not True:
        errors.append(f"stencils[{s.get('kernel')},all-sides]: result differs from the library path")

lvr = doc.get("library_vs_reference", [])
if len(lvr) != 2:
    errors.append(f"library_vs_reference: {len(lvr)} entries, expected 2")
for r in lvr:
    positive(r, ["ratio", "library_step_s", "reference_step_s"], "library_vs_reference")
    if r.get("same_result") is not True:
        errors.append(f"library_vs_reference[{r.get('mode')}]: library and reference results differ")

halo = doc.get("halo", [])
if ranks >= 2:
    if len(halo) != 6:
        errors.append(f"halo: {len(halo)} entries, expected 6 (3 kernels x 2 backends)")
    for h in halo:
        where = f"halo[{h.get('kernel')},{h.get('backend')}]"
        positive(h, ["message_bytes_per_neighbour", "neighbours", "exchange_s", "pingpong_one_way_s",
                     "blocking_step_s", "overlap_step_s"], where)
        need(h, ["blocking_exposed_s", "overlap_exposed_s", "hidden_fraction", "exposed_fraction",
                 "comm_visible_fraction", "transport"], where)
        if h.get("backend") == "packed":
            need(h, ["compute_s", "overlap_progress_exposed_s", "progress_hidden_fraction"], where)
elif halo:
    errors.append("halo: entries at 1 rank (no neighbours to exchange with)")

scaling = doc.get("scaling", [])
if len(scaling) != 8:
    errors.append(f"scaling: {len(scaling)} entries, expected 8")
for s in scaling:
    need(s, ["kind", "kernel", "mode", "oversubscribed", "cells_per_rank", "process_grid"], "scaling")
    positive(s, ["step_s", "gcells_per_s"], "scaling")

# Layouts (issue 10): 2d-5pt and 3d-7pt, overlap and blocking, single block vs many boxes per rank.
layouts = doc.get("layouts", [])
seen = {(l.get("kernel"), l.get("mode")) for l in layouts}
for kernel in ["2d-5pt", "3d-7pt"]:
    for mode in ["overlap", "blocking"]:
        if (kernel, mode) not in seen:
            errors.append(f"layouts: no {mode} entry for {kernel}")
for l in layouts:
    where = f"layouts[{l.get('kernel')},{l.get('mode')}]"
    need(l, ["ranks", "global_extent", "boxes_per_rank_asked", "oversubscribed"], where)
    positive(l, ["many_over_single", "many_over_single_median", "whole_rows_over_single",
                 "whole_rows_over_single_median", "roofline_gcells_per_s", "cells"], where)
    if l.get("same_result") is not True:
        errors.append(f"{where}: the many-box layout computed other values than the single block")
    for side in ["single", "many", "many_whole_rows"]:
        x = l.get(side, {})
        positive(x, ["step_s", "median_step_s", "gcells_per_s", "median_gcells_per_s", "pct_roofline",
                     "median_pct_roofline", "kernel_s", "exchange_only_s", "boxes", "boxes_per_rank_max"],
                 f"{where}.{side}")
        finite(x, ["deep_ns_per_cell", "strip_ns_per_cell", "strip_cell_fraction", "messages_per_step",
                   "largest_message_bytes", "local_copy_bytes_per_step"], f"{where}.{side}")
    if l.get("single", {}).get("boxes_per_rank_max") != 1:
        errors.append(f"{where}: the single-block side has more than one box per rank")
    for side in ["many", "many_whole_rows"]:
        if l.get(side, {}).get("boxes_per_rank_max", 0) < 2:
            errors.append(f"{where}: the {side} side has fewer than 2 boxes per rank")

# Redistribution (issue 10): at 2 ranks every target, both backends, both directions, every size.
redist = doc.get("redistribution", [])
if ranks >= 2:
    sizes = doc.get("run", {}).get("config", {}).get("redistribution_sizes", [])
    combos = {(tuple(r.get("size", [])), r.get("target"), r.get("backend"), r.get("direction")) for r in redist}
    targets = {r.get("target") for r in redist}
    for t in ["transposed", "reversed"]:
        if t not in targets:
            errors.append(f"redistribution: no '{t}' target")
    for prefix in ["sfc-", "round-robin-"]:
        if not any(str(t).startswith(prefix) for t in targets):
            errors.append(f"redistribution: no '{prefix}N' target")
    for n in sizes:
        for t in targets:
            for b in ["packed", "datatypes"]:
                for d in ["forward", "back"]:
                    if ((n, n), t, b, d) not in combos:
                        errors.append(f"redistribution: no entry for {n}x{n} {t} {b} {d}")
    for r in redist:
        where = f"redistribution[{r.get('size')},{r.get('target')},{r.get('backend')},{r.get('direction')}]"
        need(r, ["transport", "target_description", "oversubscribed"], where)
        positive(r, ["move_s", "median_move_s", "moved_GBps", "field_bytes"], where)
        finite(r, ["message_bytes", "messages_per_rank", "sent_bytes_per_rank", "local_copy_bytes_per_rank"], where)
        if r.get("same_result") is not True:
            errors.append(f"{where}: the moved field differs from the original")
        keys = ["pingpong_one_way_s", "pingpong_GBps", "pingpong_plain_memory_GBps", "pingpong_field_memory_GBps",
                "message_GBps", "fraction_of_pingpong", "median_fraction_of_pingpong", "moved_fraction_of_pingpong",
                "fraction_of_pingpong_plain_memory", "fraction_of_pingpong_field_memory", "exchange_GBps",
                "fraction_of_exchange"]
        if r.get("message_bytes", 0) > 0:
            positive(r, keys, where)
        else:  # a local copy only: nothing to compare with the ping-pong, and the keys say so
            need(r, keys, where)
            for k in keys:
                if r.get(k) is not None:
                    errors.append(f"{where}.{k} = {r.get(k)!r}: expected null without a message")
elif redist:
    errors.append("redistribution: entries at 1 rank (nothing travels between ranks)")

snap = doc.get("snapshot", {})
if snap.get("status") not in ("measured", "gap"):
    errors.append(f"snapshot.status = {snap.get('status')!r}")
positive(snap.get("raw", {}), ["write_fsync_GBps", "read_cold_GBps"], "snapshot.raw")
if snap.get("status") == "measured":
    positive(snap, ["write_GBps", "read_GBps", "write_vs_raw", "read_vs_raw", "level1_write_GBps"], "snapshot")
    if snap.get("round_trip_identical") is not True:
        errors.append("snapshot: the fields read back differ from those written")
else:
    need(snap, ["reason"], "snapshot")

for t in doc.get("targets", []):
    need(t, ["name", "value", "target", "met", "unit"], "targets")

if errors:
    print(f"{path}: {len(errors)} problem(s)")
    for e in errors:
        print("  " + e)
    sys.exit(1)
print(f"{path}: ok ({len(doc['stencils'])} stencil, {len(halo)} halo, {len(scaling)} scaling, {len(layouts)} layout, "
      f"{len(redist)} redistribution entries)")
