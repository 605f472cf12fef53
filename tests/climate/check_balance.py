#!/usr/bin/python3
"""Load balancing in parlayer-climate (issue 11), on the continents config made small:
 - land elimination: the wet cells of every variable are byte-identical to a run that computes
   every box (balance.eliminate_land = false) on one rank;
 - rebalancing (measured and model costs, threshold 1 so that it happens): byte-identical to the
   same layout without rebalancing, on 1..4 ranks (the whole snapshot, land boxes included);
 - a restart across a rebalance (checkpoint at step 30 on 3 ranks, restarted on 2) continues
   bit for bit;
 - snapshots are independent of the layout: with land eliminated the whole snapshot (the cells of
   eliminated boxes hold the land values) equals the run computing every box, and a run stopped
   by --steps restarts with another box size, with one block per rank, and with asynchronous
   checkpoints, continuing byte-identical;
 - the start-up line reports the efficiency and the boxes eliminated, the end the busy time;
 - a domain that is all land is one error line and exit code 2.

Usage: check_balance.py MPIEXEC BINARY CONFIG WORK_DIR   (Debian's python3-h5py)
"""
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

mpiexec, binary, config, work = sys.argv[1:5]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
SMALL = ["grid.nx=128", "grid.ny=64", "grid.lx=3.0e6", "grid.ly=1.5e6", "topography.width=3.0e5",
         "initial.jet_width=1.0e5", "time.steps=60", "output.interval=0", "checkpoint.interval=30",
         "sun.work=50", "sun.period=4.0e4", "log.interval=10"]
failures = []


def run(name, ranks, *settings, expect=0):
    out = os.path.join(work, name)
    cmd = [mpiexec, "-q", "--oversubscribe", "-np", str(ranks), binary, "--config", config, "--output", out]
    for s in SMALL + list(settings):
        cmd += s.split("=", 1) if s.startswith("--") else ["--set", s]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    if r.returncode != expect:
        sys.exit(f"FAIL {' '.join(cmd)}: exit {r.returncode}, expected {expect}\n{r.stdout}\n{r.stderr}")
    return out, r


def fields(folder, step=60):
    with h5py.File(os.path.join(folder, "checkpoints", f"checkpoint_{step:010d}.h5"), "r") as f:
        return {k: np.array(f[k]).reshape(-1) for k in ("h", "u", "v", "tracer", "bottom")}


ref_dir, ref = run("full-np1", 1, "balance.eliminate_land=false", "balance.interval=0")
reference = fields(ref_dir)
wet = reference["bottom"] < 1000.0  # land holds the surface height (physics.depth) as its bottom
land = 1.0 - wet.mean()
if not (0.3 <= land <= 0.4):
    failures.append(f"land fraction {land:.3f} is not in [0.3, 0.4]")
if "0 of 32 boxes eliminated" not in ref.stdout:
    failures.append("the full run should eliminate no box:\n" + ref.stdout)

def same(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()

runs = {}
for ranks, settings in [(1, ["balance.interval=0"]), (2, ["balance.interval=10", "balance.threshold=1.0"]),
                        (3, ["balance.interval=10", "balance.threshold=1.0", "balance.cost=\"model\""]),
                        (4, ["balance.interval=0"]),
                        (4, ["balance.interval=10", "balance.threshold=1.0", "parallel.distribution=\"knapsack\""])]:
    name = f"np{ranks}-" + ("rebalanced" if "balance.interval=10" in settings else "static") + \
           ("-knapsack" if any("knapsack" in s for s in settings) else "")
    folder, r = run(name, ranks, *settings)
    runs[name] = (fields(folder), r.stdout)
    if "boxes eliminated" not in r.stdout or "efficiency" not in r.stdout:
        failures.append(f"{name}: no load-balance line:\n{r.stdout}")
    if "busy time per rank" not in r.stdout:
        failures.append(f"{name}: no busy-time summary")
    if "balance.interval=10" in settings and ranks > 1 and "rebalancing" not in r.stdout:
        failures.append(f"{name}: never rebalanced:\n{r.stdout}")
    if " 0 of 32 boxes eliminated" in r.stdout:
        failures.append(f"{name}: eliminated no box")
    for k in ("h", "u", "v", "tracer"):
        if not same(runs[name][0][k][wet], reference[k][wet]):
            failures.append(f"{name}: the wet cells of '{k}' differ from the run computing every box")

first = next(iter(runs.values()))[0]
for name, (f, _) in runs.items():
    for k in ("h", "u", "v", "tracer", "bottom"):
        if not same(f[k], first[k]):
            failures.append(f"{name}: '{k}' differs from np1-static (whole snapshot)")

# A restart across a rebalance: 3 ranks to step 30 (rebalancing at 10, 20, 30), then 2 ranks on.
part, _ = run("restart", 3, "time.steps=30", "balance.interval=10", "balance.threshold=1.0")
_, r = run("restart", 2, "balance.interval=10", "balance.threshold=1.0", "--restart=latest")
for k in ("h", "u", "v", "tracer"):
    if not same(fields(part)[k], first[k]):
        failures.append(f"restart: '{k}' at step 60 differs from the uninterrupted run")

# Snapshots are independent of the layout (issue 11): the cells of eliminated boxes hold the land
# values, so the whole snapshot of a run with land eliminated equals the run computing every box.
for k in ("h", "u", "v", "tracer", "bottom"):
    if not same(first[k], reference[k]):
        failures.append(f"'{k}': the whole snapshot with land eliminated differs from the run computing every box")

# A restart on another layout: boxes of 16 (land eliminated) stopped at step 30 by --steps, then
# continued with boxes of 8 x 32 (other boxes eliminated), with one block per rank, and (once) with
# asynchronous checkpoints on both sides: step 60 byte-identical to the straight run, land included.
ONE_BLOCK = ["parallel.box_size=[0,0]", "parallel.distribution=\"cartesian\"", "balance.interval=0"]
for name, ranks, later, first_settings, later_settings in [
        ("resize", (2, 3), "boxes of 8 x 32", [], ["parallel.box_size=[8,32]"]),
        ("one-block", (3, 2), "one block per rank", [], ONE_BLOCK),
        ("async", (2, 4), "boxes of 32 x 8, asynchronous", ["checkpoint.async=true"],
         ["checkpoint.async=true", "parallel.box_size=[32,8]"])]:
    part, _ = run(name, ranks[0], "--steps=30", *first_settings)
    _, r = run(name, ranks[1], "--restart=latest", *later_settings)
    if "restarted from" not in r.stdout:
        failures.append(f"{name}: did not restart:\n{r.stdout}")
    for k in ("h", "u", "v", "tracer", "bottom"):
        if not same(fields(part)[k], first[k]):
            failures.append(f"{name}: '{k}' at step 60 after a restart with {later} differs from the straight run")

# All land: one line, exit 2.
_, r = run("all-land", 2, "topography.height=1.0e6", "topography.width=3.0e6", expect=2)
lines = [l for l in r.stderr.splitlines() if l.startswith("error:")]
if len(lines) != 1 or "all land" not in lines[0]:
    failures.append(f"all land: expected one error line naming it, got:\n{r.stderr}")

for f in failures:
    print("FAIL", f)
if failures:
    sys.exit(1)
print("OK: land elimination and rebalancing are byte-identical; restart across a rebalance and on other layouts; "
      "all land refused")
