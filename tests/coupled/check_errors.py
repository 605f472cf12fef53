#!/usr/bin/python3
"""parlayer-coupled refuses bad input with exit code 2 and one line on stderr (from rank 0 only)
that names the key: layouts that do not add up to the job's ranks, a component with no ranks, a
component running on an unknown one, a layout value that is not a whole count (read as a name), grids not in an integer ratio
or of different sizes, and a coupling interval that is not a whole number of a component's time step.

Usage: check_errors.py MPIEXEC BINARY CONFIG WORK_DIR layout|keys
(two halves, so each ctest entry stays short: a failing mpirun takes 1-2 s here)
"""
import concurrent.futures
import os
import shutil
import subprocess
import sys

from one_line_error import one_line_error

mpiexec, binary, config, work, half = sys.argv[1:6]
shutil.rmtree(work, ignore_errors=True)

cases = [
    # (ranks, settings, words the line must contain)
    (3, [], ["[layout]", "add up to 2", "job has 3 ranks", "layout.atmosphere = 1"]),
    (1, [], ["[layout]", "add up to 2", "job has 1 rank"]),
    (2, ["layout.ocean=0"], ["[layout]", "'ocean' has no ranks", "layout.ocean = 0"]),
    (2, ['layout.land="sea"'], ["[layout]", "'sea', which is not a component", 'layout.land = "sea"']),
    (2, ["layout.land=1.5"], ["[layout]", "runs on '1.5', which is not a component"]),  # not a count: a name
    (2, ['layout.atmosphere="ocean"', 'layout.ocean="atmosphere"'], ["[layout]", "cycle"]),
    (2, ["ocean.grid.nx=48"], ["'ocean.grid.nx' = 48", "whole multiple of atmosphere.grid.nx = 32"]),
    (2, ["ocean.grid.lx=3e6"], ["'ocean.grid.lx'", "must equal atmosphere.grid.lx"]),
    (2, ["ocean.time.dt=1000"], ["ocean.time.dt = 1000", "coupling.interval = 3600", "not a whole number"]),
    (2, ["land.dt=7"], ["land.dt = 7", "not a whole number"]),
    (2, ["atmosphere.time.dt=700"], ["atmosphere: config key 'atmosphere.time.dt'", "unstable"]),
    # Nothing to restart from (the work folder has no checkpoints).
    (2, ["--restart", "latest"], ["--restart latest", "no checkpoint in", "(checkpoint.dir)", "run without --restart"]),
    (2, ["ocean.physics.gravity=-1"], ["'ocean.physics.gravity'", "> 0"]),
    (2, ['coupling.schedule="lagged"'], ["'coupling.schedule'", "sequential", "concurrent"]),
]
cases = [c for c in cases if (c[2][0] == "[layout]" or "layout" in c[2][0]) == (half == "layout")]


def refuse(number, ranks, settings):
    """Runs one case in an output folder of its own; its CompletedProcess."""
    cmd = [mpiexec, "-q", "--oversubscribe", "-np", str(ranks), binary, "--config", config,
           "--output", os.path.join(work, f"case-{number}")]
    for s in settings:
        cmd += [s] if s.startswith("--") or s == "latest" else ["--set", s]
    # A session directory of its own: concurrent mpiruns sharing TMPDIR race on Open MPI's common
    # session folder (one removes it while another creates it: ORTE_ERROR_LOG in session_dir.c).
    tmp = os.path.join(work, f"tmp-{number}")
    os.makedirs(tmp, exist_ok=True)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env={**os.environ, "TMPDIR": tmp})


# Four cases at a time (each mostly waits for mpirun's start-up); the verdicts in order.
with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
    results = list(pool.map(lambda c: refuse(c[0], *c[1][:2]), enumerate(cases)))
failures = []
for (ranks, settings, words), r in zip(cases, results):
    what = f"{ranks} ranks {' '.join(settings) or '(the config as is)'}"
    if wrong := one_line_error(r, words):
        failures.append(f"{what}: {wrong}")
    else:
        print(f"ok   {what}: {r.stderr.strip()}")
if failures:
    print("\n".join("FAIL " + f for f in failures))
    sys.exit(1)
print(f"OK: {len(cases)} bad inputs, each one line and exit 2")
