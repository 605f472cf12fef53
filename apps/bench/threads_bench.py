#!/usr/bin/python3
"""threads_bench.py BENCH CLIMATE ROOT OUT_DIR [--repeats N] [--steps N] [--tiny] [--wait-quiet]:
threads inside ranks (issue 13), all ratios from ONE run of this script.

Three layouts of the same two cores, each launched by mpirun:
  1x1  1 rank  x 1 thread    mpirun -np 1 --bind-to core
  1x2  1 rank  x 2 threads   mpirun -np 1 --map-by slot:PE=2 --bind-to core -x OMP_NUM_THREADS=2
  2x1  2 ranks x 1 thread    mpirun -np 2 --bind-to core
(--map-by slot:PE=2 binds the rank to two cores, its threads float between them; on a 2-core
machine this is the whole machine, the same as --bind-to none. More than 2 ranks x threads here is
oversubscribed and not measured.)

For each layout: parlayer-bench --suite threads (2d-5pt on 4000^2, 3d-7pt on 256^3, the stencil
suite's grids; overlapped steps; the team triad as roofline; the pool, the same tiles on one thread
and under an OpenMP loop, interleaved in the run), and parlayer-climate (jet, NX x NY, STEPS steps,
no output, no checkpoint; rate = cells x steps / its 'advance' timer, the time inside step()). The
layouts are run in turn, REPEATS times (repeat-major: a burst of load from elsewhere hits every
layout of a repeat alike). Per layout the best repeat is kept; the spread (min..max over repeats of
the ratio computed within each repeat) says how much the load of this shared machine moved it.

Ratios (the issue's "Done means"):
  1x2 / 2x1   one rank with two threads against two ranks, same cores (aim >= 0.95)
  1x2 / 1x1   thread scaling 1 -> 2 on one rank (across launches); for the stencils also within the
              1x2 run (pool against one thread, interleaved repetitions)
Writes OUT_DIR/threads.json and prints a table (markdown, as in docs/performance.md)."""
import argparse
import json
import os
import re
import subprocess
import sys
import time

LAYOUTS = {  # name: (ranks, threads, mpirun arguments)
    "1x1": (1, 1, ["-np", "1", "--bind-to", "core"]),
    "1x2": (1, 2, ["-np", "1", "--map-by", "slot:PE=2", "--bind-to", "core", "-x", "OMP_NUM_THREADS=2"]),
    "2x1": (2, 1, ["-np", "2", "--bind-to", "core"]),
}
KERNELS = ["2d-5pt", "3d-7pt"]


def load1():
    return float(open("/proc/loadavg").read().split()[0])


def bench_run(args, layout, repeat):
    ranks, threads, launch = LAYOUTS[layout]
    path = os.path.join(args.out_dir, f"threads-{layout}-r{repeat}.json")
    cmd = ["mpirun"] + launch + [args.bench, "--suite", "threads", "--threads", str(threads), "--json", path]
    if args.tiny:
        cmd.append("--tiny")
    if args.wait_quiet:
        cmd += ["--quiet-budget", "20"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    doc = json.load(open(path))
    out = {}
    for kernel in KERNELS:
        rows = {r["mode"]: r for r in doc["threads"] if r["kernel"] == kernel}
        main = rows["pool"] if threads > 1 else rows["one-thread"]
        out[kernel] = {"gcells_per_s": main["gcells_per_s"], "step_s": main["step_s"],
                       "pct_roofline": main["pct_roofline"], "same_result": all(r["same_result"] for r in rows.values()),
                       "modes": {m: {"gcells_per_s": r["gcells_per_s"], "over_one_thread": r["over_one_thread"],
                                     "pct_roofline": r["pct_roofline"]} for m, r in rows.items()}}
    team = {r["threads_active"]: r["with_write_allocate_GBps"] for r in doc["limits"]["team_triad"]["results"]}
    return {"json": path, "kernels": out, "team_triad_GBps": team[threads],
            "other_runnable_mean": doc["run"]["other_runnable"].get("mean", 0.0)}


def climate_run(args, layout):
    ranks, threads, launch = LAYOUTS[layout]
    nx, ny, steps = (128, 64, 10) if args.tiny else (args.nx, args.ny, args.steps)
    cmd = ["mpirun"] + launch + [
        args.climate, "--config", os.path.join(args.root, "apps/climate/configs/jet.toml"),
        "--set", f"grid.nx={nx}", "--set", f"grid.ny={ny}", "--set", "time.dt=0", "--steps", str(steps),
        "--set", "output.interval=0", "--set", "checkpoint.at_end=false", "--set", "log.echo_config=false",
        "--set", f"log.interval={steps}", "--output", os.path.join(args.out_dir, "climate-run")]
    start = time.time()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    wall = time.time() - start
    team = f"{ranks} rank{'' if ranks == 1 else 's'} x {threads} thread{'' if threads == 1 else 's'}"
    if team not in out:  # the progress line says what ran: OMP_NUM_THREADS reached the model
        raise RuntimeError(f"parlayer-climate did not run on {team}:\n{out}")
    m = re.search(r"^advance\s+([0-9.]+)\s+([0-9.]+)\s+(\d+)", out, re.M)
    if not m:
        raise RuntimeError("no 'advance' timer line in parlayer-climate's output:\n" + out)
    advance = float(m.group(1))
    return {"advance_s": advance, "wall_s": wall, "grid": [nx, ny], "steps": steps,
            "mcells_per_s": nx * ny * steps / advance / 1e6}


def spread(values):
    return [min(values), max(values)]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("bench")
    p.add_argument("climate")
    p.add_argument("root")
    p.add_argument("out_dir")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--nx", type=int, default=1024)
    p.add_argument("--ny", type=int, default=512)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--tiny", action="store_true", help="tiny sizes: a smoke test, not a measurement")
    p.add_argument("--wait-quiet", action="store_true", help="parlayer-bench --quiet-budget 20")
    args = p.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)

    runs = {layout: [] for layout in LAYOUTS}
    load_start = load1()
    for repeat in range(args.repeats):
        for layout in LAYOUTS:
            b = bench_run(args, layout, repeat)
            c = climate_run(args, layout)
            runs[layout].append({"bench": b, "climate": c, "load1": load1()})
            print(f"repeat {repeat + 1}/{args.repeats} {layout}: "
                  + ", ".join(f"{k} {b['kernels'][k]['gcells_per_s']:.3f} Gcell/s" for k in KERNELS)
                  + f", climate {c['mcells_per_s']:.1f} Mcell/s (load {load1():.2f})", flush=True)

    def rate(layout, what, repeat=None):
        rs = runs[layout] if repeat is None else [runs[layout][repeat]]
        if what == "climate":
            return max(r["climate"]["mcells_per_s"] for r in rs)
        return max(r["bench"]["kernels"][what]["gcells_per_s"] for r in rs)

    rows = []
    for what in KERNELS + ["climate"]:
        row = {"case": what}
        for layout in LAYOUTS:
            row[layout] = rate(layout, what)
            if what != "climate":
                best = max(runs[layout], key=lambda r: r["bench"]["kernels"][what]["gcells_per_s"])
                row[layout + "_pct_roofline"] = best["bench"]["kernels"][what]["pct_roofline"]
        for a, b in (("1x2", "2x1"), ("1x2", "1x1")):
            key = f"{a}/{b}"
            row[key] = row[a] / row[b]
            row[key + "_spread"] = spread([rate(a, what, i) / rate(b, what, i) for i in range(args.repeats)])
        if what != "climate":  # within the 1x2 run: pool against one thread, interleaved
            within = [r["bench"]["kernels"][what]["modes"]["pool"]["over_one_thread"] for r in runs["1x2"]]
            row["pool/one-thread in run"] = max(within)
            row["pool/one-thread in run_spread"] = spread(within)
            omp = [r["bench"]["kernels"][what]["modes"].get("openmp") for r in runs["1x2"]]
            if all(omp):
                pool = [r["bench"]["kernels"][what]["modes"]["pool"]["gcells_per_s"] for r in runs["1x2"]]
                ratios = [q / o["gcells_per_s"] for q, o in zip(pool, omp)]
                row["pool/openmp in run"] = max(pool) / max(o["gcells_per_s"] for o in omp)
                row["pool/openmp in run_spread"] = spread(ratios)
            row["same_result"] = all(r["bench"]["kernels"][what]["same_result"] for l in LAYOUTS for r in runs[l])
        rows.append(row)

    unit = {"climate": "Mcell/s"}
    print(f"\nThreads inside ranks (issue 13): best of {args.repeats} repeats per layout; "
          f"[min..max] = the ratio within each repeat; load {load_start:.2f} -> {load1():.2f}")
    print("| case | 1x1 | 1x2 | 2x1 | 1x2 / 2x1 | 1x2 / 1x1 | pool / one thread (in run) | pool / OpenMP (in run) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        u = unit.get(r["case"], "Gcell/s")
        fmt = "{:.1f}" if u == "Mcell/s" else "{:.3f}"
        cells = [fmt.format(r[l]) + (f" ({r[l + '_pct_roofline']:.0f}%)" if l + "_pct_roofline" in r else "")
                 for l in LAYOUTS]
        ratio = lambda k: (f"{r[k]:.3f} [{r[k + '_spread'][0]:.2f}..{r[k + '_spread'][1]:.2f}]" if k in r else "-")
        print(f"| {r['case']} ({u}) | " + " | ".join(cells) + " | " + " | ".join(
            ratio(k) for k in ("1x2/2x1", "1x2/1x1", "pool/one-thread in run", "pool/openmp in run")) + " |")
    print("(% = of the roofline: the team triad of the same run, all cores of the layout streaming)")

    doc = {"schema": "parlayer-bench/1", "threads_bench": {
        "layouts": {k: {"ranks": v[0], "threads": v[1], "mpirun": v[2]} for k, v in LAYOUTS.items()},
        "repeats": args.repeats, "tiny": args.tiny, "climate": {"nx": args.nx, "ny": args.ny, "steps": args.steps},
        "cores_online": os.cpu_count(), "load_start": load_start, "load_end": load1(),
        "runs": runs, "results": rows}}
    doc["targets"] = [] if args.tiny else [
        {"name": f"1 rank x 2 threads / 2 ranks x 1 thread, {r['case']} (issue 13)", "value": r["1x2/2x1"],
         "target": 0.95, "unit": "x", "met": r["1x2/2x1"] >= 0.95} for r in rows]
    path = os.path.join(args.out_dir, "threads.json")
    json.dump(doc, open(path, "w"), indent=2)
    print("wrote", path)
    for t in doc["targets"]:
        print(f"  target {t['name']}: {t['value']:.3f} (>= 0.95: {'met' if t['met'] else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
