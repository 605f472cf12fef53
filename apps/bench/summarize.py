#!/usr/bin/python3
"""summarize.py OUT_DIR: the combined tables of one scripts/bench run.

Reads OUT_DIR/{np1,np2,np2-tcp,layout-np1,layout-np2,redistribution-np2,redistribution-np2-tcp,scaling-np*,
climate,native-np*}.json (written by parlayer-bench),
prints Markdown tables (readable as text, pasteable into docs/performance.md) and writes
OUT_DIR/summary.md and OUT_DIR/summary.json. Every ratio shown was computed inside one run;
this script only puts runs side by side (and derives scaling speed-ups across rank counts)."""
import json
import os
import sys


def load(out, name):
    path = os.path.join(out, name + ".json")
    return json.load(open(path)) if os.path.exists(path) else None


def table(title, header, rows):
    lines = [f"**{title}**", "", "| " + " | ".join(header) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def f(x, digits=2):
    return "-" if x is None else f"{x:.{digits}f}"


def stencil(doc, kernel, path, mode):
    for s in (doc or {}).get("stencils", []):
        if s["kernel"] == kernel and s["path"] == path and s["mode"] == mode:
            return s
    return None


def main(out):
    runs = {n: load(out, n) for n in ["np1", "np2", "np2-tcp", "layout-np1", "layout-np2", "redistribution-np2",
                                      "redistribution-np2-tcp", "native-np1", "native-np2", "climate"]}
    scaling = [d for d in (load(out, f"scaling-np{n}") for n in range(1, 9)) if d]
    md = []

    # Conditions
    rows = []
    for name, doc in list(runs.items()) + [(f"scaling-np{d['run']['ranks']}", d) for d in scaling]:
        if not doc or "run" not in doc:
            continue
        r = doc["run"]
        o = r.get("other_runnable", {})
        rows.append([name, r["ranks"], r["transport"], ", ".join(r["affinity"]),
                     f"{r['load_start'][0]:.2f} -> {r['load_end'][0]:.2f}",
                     f"{o.get('mean', 0):.2f} / {o.get('max', 0)} / {100 * o.get('busy_fraction', 0):.0f}%"
                     + (f" (waited {o['quiet_wait_s']:.0f} s, {o['unquiet_starts']} unquiet)"
                        if o.get("quiet_wait_s") else ""),
                     r["build"]["cxx_flags"] + (" GLIBC_TUNABLES=" + r["glibc_tunables"] if r.get("glibc_tunables") else ""),
                     r["date_utc"]])
    md.append(table("Runs (load: 1-minute load average at start -> end, includes this job; other tasks: runnable "
                    "tasks besides this job's ranks, sampled after every repetition: mean / max / % of samples > 0)",
                    ["run", "ranks", "transport", "cpus per rank", "load", "other tasks", "flags", "date (UTC)"],
                    rows))

    # Limits
    rows = []
    for name in ["np1", "np2", "layout-np1", "layout-np2", "native-np1", "native-np2"]:
        doc = runs[name]
        if doc and "triad" in doc["limits"]:
            for t in doc["limits"]["triad"]["results"]:
                rows.append([name, t["ranks_active"], f(t["counted_GBps"], 1), f(t["with_write_allocate_GBps"], 1),
                             f(t["with_write_allocate_GBps"] / 24.0, 3), f(t.get("scale_counted_GBps"), 1),
                             f(t.get("scale_with_write_allocate_GBps"), 1)])
    md.append(table("Triad a = b + s*c and scale a = s*b (3 x 128 MiB per rank, best of before/after passes)",
                    ["run", "ranks active", "triad counted GB/s", "triad with write-allocate GB/s",
                     "roofline Gcell/s @ 24 B/cell", "scale counted GB/s", "scale with write-allocate GB/s"], rows))
    pp = {}
    for name in ["np2", "np2-tcp", "redistribution-np2", "redistribution-np2-tcp"]:
        doc = runs[name]
        if doc and "pingpong" in doc["limits"]:
            for r in doc["limits"]["pingpong"]["results"]:
                # The suite runs (np2, np2-tcp) first; sizes only the redistribution runs measured after.
                pp.setdefault(r["bytes"], {}).setdefault(doc["run"]["transport"], (name, r))
    rows = []
    for b, v in sorted(pp.items()):
        row = [b]
        for transport in ["shm", "tcp"]:
            name, r = v.get(transport, ("", {}))
            row += [f(r.get("one_way_us")), f(r.get("bandwidth_GBps")), f(r.get("field_memory_bandwidth_GBps")),
                    f(r.get("field_memory_cold_bandwidth_GBps")), f(r.get("exchange_bandwidth_GBps")), name]
        rows.append(row)
    md.append(table("MPI ping-pong, ranks 0 <-> 1 (plain memory: 4 KiB pages; field memory: Field's allocator, "
                    "2 MiB pages for large blocks; cold: every message from and into memory not in cache; exchange: "
                    "both ranks send and receive at once, cold field memory, GB/s per direction)",
                    ["bytes", "shm one-way us", "shm GB/s", "shm field memory GB/s", "shm cold field memory GB/s",
                     "shm exchange GB/s", "shm run", "tcp one-way us", "tcp GB/s", "tcp field memory GB/s",
                     "tcp cold field memory GB/s", "tcp exchange GB/s", "tcp run"], rows))

    # Stencils
    rows = []
    for kernel in ["2d-5pt", "2d-9pt", "3d-7pt"]:
        for name in ["np1", "np2", "native-np1", "native-np2"]:
            doc = runs[name]
            for mode in ["overlap", "blocking"]:
                s = stencil(doc, kernel, "library", mode)
                if not s:
                    continue
                ref = stencil(doc, kernel, "reference", mode)
                prop = stencil(doc, kernel, "all-sides", "overlap-all-sides") if mode == "overlap" else None
                rows.append([kernel, name, mode, "x".join(map(str, s["global_extent"])),
                             f"{s['ranks']} ({s['process_grid']})", f(1e3 * s["step_s"]), f(s["gcells_per_s"], 3),
                             f(s["roofline_gcells_per_s"], 3), f(s["pct_roofline"], 1), f(s.get("pct_scale_roofline"), 1),
                             f(ref["gcells_per_s"], 3) if ref else "", f(ref["step_s"] / s["step_s"], 3) if ref else "",
                             f(s.get("strip_x_ns_per_cell")), f(s.get("deep_ns_per_cell")),
                             f"{prop['gcells_per_s']:.3f} ({prop['pct_roofline']:.1f}%)" if prop else ""])
    md.append(table("Stencil throughput (library path; reference = hand-written MPI Jacobi, same flags, same run; "
                    "all sides peeled = the split before the library peeled only sides with a neighbour)",
                    ["kernel", "run", "mode", "grid", "ranks", "ms/step", "Gcell/s", "roofline", "% roofline",
                     "% scale roofline", "reference Gcell/s", "library/reference", "x-strip ns/cell", "deep ns/cell",
                     "all sides peeled Gcell/s (% roofline)"], rows))

    # Layouts (issue 10)
    rows = []
    for name in ["layout-np1", "layout-np2"]:
        for l in (runs[name] or {}).get("layouts", []):
            a, m, w = l["single"], l["many"], l["many_whole_rows"]
            rows.append([l["kernel"], name, l["mode"], "x".join(map(str, l["global_extent"])), l["ranks"],
                         a["process_grid"], f"{m['process_grid']} ({m['boxes_per_rank_max']}/rank)",
                         f"{w['process_grid']} ({w['boxes_per_rank_max']}/rank)",
                         f"{a['gcells_per_s']:.3f} ({a['pct_roofline']:.1f}%)",
                         f"{m['gcells_per_s']:.3f} ({m['pct_roofline']:.1f}%)",
                         f"{l['many_over_single']:.3f} ({l['many_over_single_median']:.3f})",
                         f"{w['gcells_per_s']:.3f} ({w['pct_roofline']:.1f}%)",
                         f"{l['whole_rows_over_single']:.3f} ({l['whole_rows_over_single_median']:.3f})",
                         f"{1e3 * a['kernel_s']:.2f} / {1e3 * m['kernel_s']:.2f} / {1e3 * w['kernel_s']:.2f}",
                         f"{1e3 * a['exchange_only_s']:.3f} / {1e3 * m['exchange_only_s']:.3f} / "
                         f"{1e3 * w['exchange_only_s']:.3f}",
                         "yes" if l["same_result"] else "NO", "oversubscribed" if l["oversubscribed"] else ""])
    md.append(table("Layouts (issue 10): one block per rank (single) vs many boxes per rank (Layout::chopped, "
                    "Ownership::space_filling_curve; many: least-surface boxes; rows: as many boxes spanning whole "
                    "rows), same grid, same run; ratio = many-box / single-box throughput, best (median)",
                    ["kernel", "run", "mode", "grid", "ranks", "single", "many", "rows",
                     "single Gcell/s (% roofline)", "many Gcell/s (% roofline)", "many/single",
                     "rows Gcell/s (% roofline)", "rows/single", "kernels ms single / many / rows",
                     "exchange ms single / many / rows", "same result", "note"], rows))

    # Redistribution (issue 10)
    rows = []
    for name in ["redistribution-np2", "redistribution-np2-tcp"]:
        for r in (runs[name] or {}).get("redistribution", []):
            msg = r.get("fraction_of_pingpong") is not None
            rows.append(["x".join(map(str, r["size"])), r["transport"], r["target"], r["backend"], r["direction"],
                         r["message_bytes"], r["local_copy_bytes_per_rank"],
                         f"{1e3 * r['move_s']:.3f} ({1e3 * r['median_move_s']:.3f})",
                         f(r.get("message_GBps")) if msg else "-",
                         f"{r['pingpong_plain_memory_GBps']:.2f} / {r['pingpong_field_memory_GBps']:.2f} / "
                         f"{r['pingpong_GBps']:.2f}" if msg else "-",
                         f"{r['fraction_of_pingpong']:.2f} ({r['median_fraction_of_pingpong']:.2f})" if msg else "-",
                         f(r.get("moved_fraction_of_pingpong")) if msg else "-",
                         f(r.get("fraction_of_exchange")) if msg else "-",
                         f(r["moved_GBps"]), "yes" if r["same_result"] else "NO"])
    md.append(table("Redistribution (issue 10): one double field (1 ghost layer) from the default blocks to a target "
                    "decomposition (forward) and back, 2 ranks; fraction = ping-pong one-way time for the message size "
                    "on cold field memory / move time, best (median)",
                    ["grid", "transport", "target", "backend", "direction", "message bytes", "local bytes/rank",
                     "move ms", "message GB/s", "ping-pong GB/s plain / field / cold field", "fraction of ping-pong",
                     "incl. local copies", "fraction of exchange (both ways at once)", "all bytes GB/s", "same result"],
                    rows))

    # Halo
    rows = []
    for name in ["np2", "np2-tcp"]:
        doc = runs[name]
        for h in (doc or {}).get("halo", []):
            rows.append([h["kernel"], h["transport"], h["backend"], h["message_bytes_per_neighbour"],
                         f(1e6 * h["pingpong_one_way_s"], 1), f(1e6 * h["exchange_s"], 1),
                         f(h["exchange_vs_pingpong"]), f(1e6 * h["blocking_exposed_s"], 1),
                         f(100 * h["comm_visible_fraction"], 2), f(1e6 * h["overlap_exposed_s"], 1),
                         f(100 * h["hidden_fraction"], 0),
                         f(100 * h["progress_hidden_fraction"], 0) if "progress_hidden_fraction" in h else "",
                         f(1e6 * h["blocking_exposed_with_wait_s"], 1), f(1e6 * h["overlap_exposed_with_wait_s"], 1),
                         f(100 * h["hidden_with_wait_fraction"], 0)])
    md.append(table("Halo exchange per step, 2 ranks (exposed: per step, min over ranks of step - kernel time)",
                    ["kernel", "transport", "backend", "bytes/neighbour", "ping-pong us", "exchange us",
                     "exchange/ping-pong", "blocking exposed us", "visible % of step", "overlap exposed us",
                     "hidden %", "hidden % with progress calls", "blocking incl. wait us",
                     "overlap incl. wait us", "hidden % incl. wait"], rows))

    # Scaling
    rows = []
    base = {}
    for d in scaling:
        for s in d["scaling"]:
            if s["ranks"] == 1:
                base[(s["kind"], s["kernel"], s["mode"])] = s
    for d in scaling:
        for s in d["scaling"]:
            if s["mode"] != "overlap":
                continue
            b = base.get((s["kind"], s["kernel"], s["mode"]))
            speedup = s["gcells_per_s"] / b["gcells_per_s"] if b else None
            eff = speedup / s["ranks"] if speedup else None  # strong and weak alike: rate per rank vs 1 rank
            rows.append([s["kind"], s["kernel"], s["ranks"], "x".join(map(str, s["global_extent"])),
                         s["process_grid"], s["cells_per_rank"], f(1e3 * s["step_s"]), f(s["gcells_per_s"], 3),
                         f(speedup), f(eff), "oversubscribed" if s["oversubscribed"] else ""])
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    md.append(table("Scaling (library, overlap on; speed-up = Gcell/s over 1 rank's)",
                    ["kind", "kernel", "ranks", "grid", "process grid", "cells/rank", "ms/step", "Gcell/s",
                     "speed-up", "efficiency", "note"], rows))

    # Checkpoint
    doc = runs["np2"] or runs["np1"]
    rows = []
    for name in ["np1", "np2"]:
        d = runs[name]
        s = (d or {}).get("snapshot")
        if not s:
            continue
        raw = s["raw"]
        rows.append([name, s["status"], s["bytes"], f(raw["write_fsync_GBps"]), f(s.get("write_GBps")),
                     f(s.get("write_vs_raw")), f(s.get("write_unverified_vs_raw")), f(raw["read_cold_GBps"]), f(s.get("read_GBps")),
                     f(s.get("read_vs_raw"))])
    md.append(table("Checkpoint (raw = pwrite + fsync / cold pread of the same bytes in the same folder)",
                    ["run", "status", "bytes", "raw write GB/s", "snapshot write GB/s", "write/raw",
                     "unverified/raw", "raw read GB/s", "snapshot read GB/s", "read/raw"], rows))
    gaps = [f"- snapshot ({n}): {runs[n]['snapshot'].get('reason')}" for n in ["np1", "np2"]
            if runs[n] and runs[n].get("snapshot", {}).get("status") == "gap"]

    climate = (runs["climate"] or {}).get("climate", {"status": "gap", "reason": "no climate.json"})
    if climate.get("status") != "measured":
        gaps.append(f"- climate model step: {climate.get('reason')}")
    else:
        rows = [[r["ranks"], "x".join(map(str, r["grid"])), r["steps"], f(r["cells_per_s"] / 1e6, 1),
                 f(r["ns_per_cell_step_per_rank"], 1), f(r["triad_with_write_allocate_GBps"], 1),
                 f(r["roofline_cells_per_s"] / 1e6, 1), f(r["pct_roofline"], 1), f(r["effective_GBps_counted"], 2),
                 f"{r['load_start']:.2f} -> {r['load_end']:.2f}"] for r in climate["results"]]
        md.append(table(f"Climate model step (jet, SSP-RK3; {climate['bytes_per_cell_step_counted']:.0f} B counted, "
                        f"{climate['bytes_per_cell_step_write_allocate']:.0f} B with write-allocate per cell-step)",
                        ["ranks", "grid", "steps", "Mcell/s", "ns/cell-step/rank", "triad GB/s (w-a)",
                         "roofline Mcell/s", "% roofline", "effective GB/s (counted)", "load"], rows))

    # Targets
    rows = []
    for name in ["np1", "np2", "np2-tcp", "layout-np1", "layout-np2", "redistribution-np2",
                 "redistribution-np2-tcp", "climate"]:
        for t in (runs[name] or {}).get("targets", []):
            unit = t["unit"]
            value = f"{t['value']:.3f}x" if unit == "x" else f"{t['value']:.1f}%"
            goal = f">= {t['target']:.2f}x" if unit == "x" else f">= {t['target']:.0f}%"
            miss = t["target"] - t["value"]
            rows.append([t["name"], name, value, goal,
                         "met" if t["met"] else (f"missed by {miss:.3f}x" if unit == "x" else f"missed by {miss:.1f} pts")])
    if climate.get("status") != "measured":
        rows.append(["climate step % of its roofline, 2 ranks", "-", "-", ">= 60%", "not measured (gap)"])
    md.append(table("Targets (issues 6 and 10), each from one run", ["target", "run", "value", "goal", "verdict"], rows))
    if gaps:
        md.append("**Gaps**\n\n" + "\n".join(gaps) + "\n")

    text = "\n".join(md)
    print(text)
    open(os.path.join(out, "summary.md"), "w").write(text)
    json.dump({"runs": runs, "scaling": scaling}, open(os.path.join(out, "summary.json"), "w"), indent=1)
    print(f"wrote {os.path.join(out, 'summary.md')} and summary.json")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "out/bench")
