#!/usr/bin/python3
"""check_coupled_bench.py ROOT COUPLED WORKDIR: runs apps/bench/coupled_bench.py --tiny (a smoke test, not
a measurement: no timing is asserted) and checks what it writes: both schedules, the advisor's fit and
its proposals at 2 and 4 ranks with the even split, each run and measured, CPMIP figures of the demo,
and the timeline PNG."""
import json
import math
import os
import shutil
import subprocess
import sys

root, coupled, work = sys.argv[1:4]
shutil.rmtree(work, ignore_errors=True)
done = subprocess.run([sys.executable, os.path.join(root, "apps/bench/coupled_bench.py"), coupled, root, work, "--tiny"],
                      capture_output=True, text=True, timeout=300)
print(done.stdout, done.stderr)
failures = []
if done.returncode != 0:
    sys.exit(f"FAIL: coupled_bench.py exited {done.returncode}")
r = json.load(open(os.path.join(work, "coupled_bench.json")))


def positive(x):
    return isinstance(x, (int, float)) and math.isfinite(x) and x > 0


for schedule in ("sequential", "concurrent"):
    e = r["schedules"].get(schedule, {})
    if not (positive(e.get("step_ms")) and e.get("step_over_slowest", 0) >= 1.0 - 1e-9
            and set(e.get("groups_ms", {})) == {"atmosphere+land", "ocean"}):
        failures.append(f"schedule {schedule}: {e}")
    if json.load(open(e["timing"]))["schedule"] != schedule:
        failures.append(f"schedule {schedule}: its timing.json is of another schedule")
if set(r["fit"]) != {"atmosphere", "ocean", "land"} or any(len(f["points_ms"]) != 3 for f in r["fit"].values()):
    failures.append(f"fit: {r['fit']}")
for N in ("2", "4"):
    e = r["advisor"].get(N, {})
    if e.get("oversubscribed") != (int(N) > os.cpu_count()):
        failures.append(f"advisor at {N}: oversubscribed flag {e.get('oversubscribed')}")
    for label in ("advisor", "even split"):
        x = e.get(label, {})
        if not (positive(x.get("step_ms")) and positive(x.get("predicted_ms")) and x.get("set")):
            failures.append(f"advisor at {N}, {label}: {x}")
        elif json.load(open(x["timing"]))["ranks"] != int(N):
            failures.append(f"advisor at {N}, {label}: its run was not on {N} ranks")
    if e.get("even split", {}).get("layout") != "atmosphere {0}, ocean {0}, land on atmosphere".format(int(N) // 2):
        failures.append(f"advisor at {N}: even split {e.get('even split', {}).get('layout')}")
d = r["demo"]
if not all(positive(d.get(k)) for k in ("sypd", "chsy", "load_imbalance", "simulated_years")) or d.get("cores") != 2:
    failures.append(f"demo CPMIP: {d}")
if not 0 <= d.get("coupling_cost", -1) < 1:
    failures.append(f"demo coupling cost {d.get('coupling_cost')}")
png = r["timeline_png"]
if not os.path.exists(png) or os.path.getsize(png) < 5000:
    failures.append(f"timeline {png} missing or empty")
for f in failures:
    print("FAIL:", f)
print("coupled_bench smoke: " + ("ok" if not failures else f"{len(failures)} failures"))
sys.exit(1 if failures else 0)
