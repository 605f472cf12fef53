#!/usr/bin/python3
"""check_bench_json.py FILE RANKS TRANSPORT: parlayer-bench's JSON has every expected key.

Structure and sanity only (finite, positive timings; the library and the reference computed the
same numbers; a snapshot read back what was written). Never a timing threshold."""
import json
import math
import sys

path, ranks, transport = sys.argv[1], int(sys.argv[2]), sys.argv[3]
doc = json.load(open(path))
errors = []


def need(obj, keys, where):
    for k in keys:
        if k not in obj:
            errors.append(f"{where}: missing key '{k}'")


def positive(obj, keys, where):
    need(obj, keys, where)
    for k in keys:
        v = obj.get(k)
        if not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
            errors.append(f"{where}.{k} = {v!r}: expected a finite positive number")


need(doc, ["schema", "run", "limits", "stencils", "library_vs_reference", "halo", "scaling",
           "snapshot", "targets"], "top")
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
    positive(r, ["bytes", "one_way_us", "bandwidth_GBps"], "limits.pingpong")
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

snap = doc.get("snapshot", {})
if snap.get("status") not in ("measured", "gap"):
    errors.append(f"snapshot.status = {snap.get('status')!r}")
positive(snap.get("raw", {}), ["write_fsync_GBps", "read_cold_GBps"], "snapshot.raw")
if snap.get("status") == "measured":
    positive(snap, ["write_GBps", "read_GBps", "write_vs_raw", "read_vs_raw"], "snapshot")
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
print(f"{path}: ok ({len(doc['stencils'])} stencil, {len(halo)} halo, {len(scaling)} scaling entries)")
