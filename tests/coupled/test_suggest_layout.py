#!/usr/bin/python3
"""test_suggest_layout.py SUGGEST_LAYOUT_PY WORKDIR: the layout advisor (apps/coupled/suggest_layout.py)
on made-up timing.json files whose costs follow t(n) = a + b/n exactly: the fit recovers a and b, the
ranking's first layout is the one worked out by hand for each schedule, clamps and one-rank-count fits
behave as documented, and bad input is one line and exit 2."""
import importlib.util
import json
import os
import subprocess
import sys

script, work = sys.argv[1:3]
os.makedirs(work, exist_ok=True)
spec = importlib.util.spec_from_file_location("suggest_layout", script)
sl = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sl)
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


COST = {"atmosphere": (1e-3, 4e-3), "ocean": (0.5e-3, 12e-3), "land": (0.2e-3, 1e-3)}  # a, b [s]


def timing(layout, intervals=8):
    """A timing.json of a run: layout {component: (ranks list)}; busy = t(n) x intervals, split 3:1 busy:couple."""
    comps = []
    for name in ["atmosphere", "ocean", "land"]:
        ranks = layout[name]
        a, b = COST[name]
        t = (a + b / len(ranks)) * intervals
        comps.append({"name": name, "runs_on": "", "ranks": ranks, "threads": 2,
                      "seconds": {"busy": [0.75 * t] * len(ranks), "wait": [0.1] * len(ranks), "couple": [0.25 * t] * len(ranks)},
                      # CPU seconds of 2 threads: twice the wall work
                      "cpu_seconds": {"busy": [1.5 * t] * len(ranks), "couple": [0.5 * t] * len(ranks)}})
    return {"schedule": "concurrent", "intervals": intervals, "interval_seconds": 3600.0, "wall_seconds": 1.0,
            "ranks": 1 + max(r for rs in layout.values() for r in rs), "components": comps}


runs = [timing({"atmosphere": [0], "ocean": [0], "land": [0]}),          # 1 rank, all shared
        timing({"atmosphere": [0], "ocean": [1], "land": [0]}),          # 1 + 1, land on the atmosphere
        timing({"atmosphere": [0, 1], "ocean": [0, 1], "land": [0, 1]})]  # 2 ranks, all shared
paths = []
for k, d in enumerate(runs):
    paths.append(os.path.join(work, f"timing{k}.json"))
    json.dump(d, open(paths[-1], "w"))

# The fit: exact data gives a and b back.
pts = sl.points(runs)
for name, (a, b) in COST.items():
    fa, fb, how = sl.fit(pts[name])
    check(abs(fa - a) < 1e-15 and abs(fb - b) < 1e-15 and how == "least squares", f"fit {name}: {fa}, {fb}, {how}; want {a}, {b}")
# The CPU clock: per thread, the same points here.
cpu = sl.points(runs, "cpu")
check(all(abs(x[1] - y[1]) < 1e-15 for c in pts for x, y in zip(pts[c], cpu[c])), f"cpu points {cpu} vs wall {pts}")
# One rank count: through the origin. More ranks slower: constant. Better than perfect: a = 0.
check(sl.fit([(2, 3.0), (2, 5.0)]) == (0.0, 8.0, "one rank count: a = 0 assumed"), f"one rank count: {sl.fit([(2, 3.0), (2, 5.0)])}")
check(sl.fit([(1, 1.0), (2, 2.0)]) == (1.5, 0.0, "b < 0 clamped: constant"), f"b < 0: {sl.fit([(1, 1.0), (2, 2.0)])}")
a, b, how = sl.fit([(1, 4.0), (2, 1.0)])
check(a == 0.0 and how == "a < 0 clamped: a = 0" and abs(b - 4.5 / 1.25) < 1e-12, f"a < 0: {(a, b, how)}")

# The choice at 4 ranks, concurrent (ms): the atmosphere on k ranks with the land, the ocean on 4 - k:
# max(1.2 + 5/k, 0.5 + 12/(4-k)) = 6.2 (k=1), 6.5 (k=2); the land on the ocean's instead:
# max(1 + 4/k, 0.7 + 13/(4-k)) = 5.0333 (k=1); all on 4 ranks: 2 + 3.5 + 0.45 = 5.95.
_, model, ranked = sl.suggest(runs, 4, "concurrent", ["atmosphere", "ocean", "land"])
t, own, on = ranked[0]
check(own == {"atmosphere": 1, "ocean": 3} and on == {"land": "ocean"} and abs(t - (0.7e-3 + 13e-3 / 3)) < 1e-15,
      f"concurrent at 4: best {t} {own} {on}")
predicted = {sl.describe(o, h): t for t, o, h in ranked}
check(abs(predicted["atmosphere 2, ocean 2, land on atmosphere"] - 6.5e-3) < 1e-15, "even split at 4: want 6.5 ms")
check(abs(predicted["atmosphere 4, ocean on atmosphere, land on atmosphere"] - 5.95e-3) < 1e-15, "all shared at 4: want 5.95 ms")
check(all(x[0] >= t for x in ranked), "ranking not sorted")
# Sequential: the atmosphere, then the surface; everything on the same 4 ranks is best: 2 + 3.95 = 5.95
# (atmosphere 1 + ocean 3 with the land on the atmosphere: 5 + max(1.2, 4.5) = 9.5).
_, _, ranked = sl.suggest(runs, 4, "sequential", ["atmosphere", "ocean", "land"])
t, own, on = ranked[0]
check(len(own) == 1 and abs(t - 5.95e-3) < 1e-15, f"sequential at 4: best {t} {own} {on}")
predicted = {sl.describe(o, h): t for t, o, h in ranked}
check(abs(predicted["atmosphere 1, ocean 3, land on atmosphere"] - 9.5e-3) < 1e-15, "sequential 1 + 3: want 9.5 ms")
# On 2 cores, 4 ranks time-share: a step takes at least all ranks' work / 2. Atmosphere 1 + ocean 3
# with the land on the ocean: (5 + 3 x (0.7 + 13/3)) / 2 = 10.05; all shared on 4: 4 x 5.95 / 2 = 11.9;
# even split: (2 x 3.7 + 2 x 6.5) / 2 = 10.2; atmosphere 1 + ocean 3 with the land on the atmosphere:
# (6.2 + 3 x 4.5) / 2 = 9.85; the best: the land on a rank of its own, (5 + 2 x 6.5 + 1.2) / 2 = 9.6.
_, _, ranked = sl.suggest(runs, 4, "concurrent", ["atmosphere", "ocean", "land"], cores=2)
t, own, on = ranked[0]
check(own == {"atmosphere": 1, "ocean": 2, "land": 1} and abs(t - 9.6e-3) < 1e-15,
      f"concurrent at 4 on 2 cores: best {t} {own} {on}")
predicted = {sl.describe(o, h): t for t, o, h in ranked}
check(abs(predicted["atmosphere 2, ocean 2, land on atmosphere"] - 10.2e-3) < 1e-15, "even split at 4 on 2 cores: want 10.2 ms")
check(abs(predicted["atmosphere 1, ocean 3, land on atmosphere"] - 9.85e-3) < 1e-15, "1 + 3 at 4 on 2 cores: want 9.85 ms")
# The --set arguments that run it.
check(sl.set_values({"atmosphere": 1, "ocean": 3}, {"land": "ocean"}) ==
      ['layout.atmosphere=1', 'layout.ocean=3', 'layout.land="ocean"'],
      "set values")

# As a program: the suggestion line, and bad input refused with one line and exit 2.
out = subprocess.run([sys.executable, script, "4", *paths, "--json", os.path.join(work, "advice.json")],
                     capture_output=True, text=True)
check(out.returncode == 0 and "suggested: atmosphere 1, ocean 3, land on ocean" in out.stdout, f"program: {out.returncode} {out.stdout} {out.stderr}")
check(json.load(open(os.path.join(work, "advice.json")))["ranking"][0]["own"] == {"atmosphere": 1, "ocean": 3}, "advice.json")
bad = os.path.join(work, "bad.json")
open(bad, "w").write("{not json")
other = os.path.join(work, "other.json")
d = timing({"atmosphere": [0], "ocean": [1], "land": [0]})
d["components"].pop()
json.dump(d, open(other, "w"))
for argv, want in [([bad], f"cannot read the timing file '{bad}'"), ([paths[0], other], "the timing files are of different components")]:
    out = subprocess.run([sys.executable, script, "2", *argv], capture_output=True, text=True)
    lines = out.stderr.strip().splitlines()
    check(out.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: ") and want in lines[0],
          f"{argv}: exit {out.returncode}, stderr {out.stderr!r}")

for f in failures:
    print("FAIL:", f)
print("suggest_layout: " + ("ok" if not failures else f"{len(failures)} failures"))
sys.exit(1 if failures else 0)
