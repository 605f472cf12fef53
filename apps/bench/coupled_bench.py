#!/usr/bin/python3
"""coupled_bench.py COUPLED ROOT OUT_DIR [--repeats N] [--steps N] [--tiny]: where the time goes in the
coupled model (issue 12), all ratios from ONE run of this script, every run launched by mpirun.

The bench config: apps/coupled/configs/demo.toml with the atmosphere refined to 128 x 64 (so that both
components cost something; the ocean is 256 x 128 with 4 steps per interval), STEPS coupling
intervals, one snapshot at the end (timing.json needs output on).

1. Schedules, 2 ranks: the atmosphere and the ocean on one rank each, the land on the atmosphere's.
   Sequential and concurrent, REPEATS times interleaved; per schedule the repeat with the shortest
   step is kept. Ratio: time per coupling interval (the slowest rank's busy + wait + couple) / the
   slowest rank group's busy time (aim for concurrent <= 1.15; sequential ~ the sum of the groups).
2. The layout advisor (apps/coupled/suggest_layout.py) fitted on the concurrent runs at 1 rank (all
   shared), 1 + 1 and 2 ranks (all shared), its proposal for 2 and 4 ranks run against an even split
   (atmosphere N/2 with the land, ocean N/2). The fit takes CPU seconds per thread (--clock cpu):
   wall seconds on this shared machine hold the time other jobs had the core. 4 ranks on this machine's 2 cores is oversubscribed: the
   ranks time-share the cores, so the wall times (busy included) are inflated alike for both layouts;
   compare them with each other, not with the 2-rank figures.
3. CPMIP figures of the demo config itself (2 ranks: atmosphere 1 with the land, ocean 1; its output
   every 6 intervals included, as CPMIP counts it).
4. OUT_DIR/timeline.png: the two schedules' last intervals, one row per rank (plot_timeline.py).
Writes OUT_DIR/coupled_bench.json and prints markdown tables (as in docs/performance.md)."""
import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The layout advisor (apps/coupled/suggest_layout.py), loaded from the same checkout.
_spec = importlib.util.spec_from_file_location("suggest_layout", os.path.join(HERE, "..", "coupled", "suggest_layout.py"))
advisor = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(advisor)


def load1():
    return float(open("/proc/loadavg").read().split()[0])


def even_split(n):
    return {"atmosphere": n // 2, "ocean": n - n // 2}, {"land": "atmosphere"}


class Runner:
    def __init__(self, args):
        self.args = args
        self.count = 0
        if args.tiny:
            self.config, self.base = os.path.join(args.root, "apps/coupled/configs/small.toml"), []
        else:
            self.config = os.path.join(args.root, "apps/coupled/configs/demo.toml")
            self.base = ["atmosphere.grid.nx=128", "atmosphere.grid.ny=64"]

    def run(self, name, ranks, sets, steps=None, output_interval=None, config=None):
        """One mpirun of parlayer-coupled; returns its timing.json (with 'dir' and 'command' added)."""
        steps = steps or self.args.steps
        out = os.path.join(self.args.out_dir, f"{self.count:02d}-{name}")
        self.count += 1
        shutil.rmtree(out, ignore_errors=True)
        oversubscribe = ["--oversubscribe"] if ranks > (os.cpu_count() or 1) else []
        cmd = ["mpirun", *oversubscribe, "-np", str(ranks), self.args.coupled, "--config", config or self.config, "--steps", str(steps),
               "--output", out, "--set", "log.echo_config=false", "--set", f"log.interval={steps}",
               "--set", f"output.interval={output_interval or steps}"]
        for s in ([] if config else self.base) + sets:
            cmd += ["--set", s]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        d = json.load(open(os.path.join(out, "timing.json")))
        d["dir"] = out
        d["command"] = " ".join(cmd)
        return d


def best(runs):
    return min(runs, key=lambda d: d["cpmip"]["step_per_interval"])


def spread(runs, key):
    values = [d["cpmip"][key] for d in runs]
    return [min(values), max(values)]


def summary(d):
    c = d["cpmip"]
    return {"step_ms": 1e3 * c["step_per_interval"], "slowest_busy_ms": 1e3 * c["slowest_per_interval"],
            "step_over_slowest": c["step_over_slowest"], "groups_ms": {g["name"]: 1e3 * g["busy_per_interval"] for g in c["groups"]},
            "coupling_cost": c["coupling_cost"], "load_imbalance": c["load_imbalance"], "sypd": c["sypd"], "chsy": c["chsy"],
            "timing": os.path.join(d["dir"], "timing.json")}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("coupled")
    p.add_argument("root")
    p.add_argument("out_dir")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--steps", type=int, default=48)
    p.add_argument("--tiny", action="store_true", help="small.toml, 4 intervals, 1 repeat: a smoke test, not a measurement")
    args = p.parse_args()
    if args.tiny:
        args.steps, args.repeats = 4, 1
    os.makedirs(args.out_dir, exist_ok=True)
    r = Runner(args)
    result = {"load1_start": load1(), "steps": args.steps, "repeats": args.repeats, "tiny": args.tiny}

    # 1. The two schedules on 1 + 1 ranks (the land on the atmosphere's), interleaved.
    pair = advisor.set_values(*even_split(2))
    runs = {"sequential": [], "concurrent": []}
    for k in range(args.repeats):
        for schedule in runs:
            d = r.run(f"{schedule}-1+1", 2, pair + [f'coupling.schedule="{schedule}"'])
            runs[schedule].append(d)
            print(f"repeat {k + 1}/{args.repeats} {schedule}: step {1e3 * d['cpmip']['step_per_interval']:.2f} ms "
                  f"= {d['cpmip']['step_over_slowest']:.3f} x the slowest group's busy (load {load1():.2f})", flush=True)
    result["schedules"] = {s: dict(summary(best(v)), spread_step_over_slowest=spread(v, "step_over_slowest"))
                           for s, v in runs.items()}

    # 2. The advisor: fitted on concurrent runs at 1 rank, 1 + 1 and 2 shared ranks.
    conc = ['coupling.schedule="concurrent"']
    calibration = [best([r.run("concurrent-np1", 1, advisor.set_values({"atmosphere": 1}, {"ocean": "atmosphere", "land": "atmosphere"}) + conc)
                         for _ in range(args.repeats)]),
                   best(runs["concurrent"]),
                   best([r.run("concurrent-np2-shared", 2, advisor.set_values({"atmosphere": 2}, {"ocean": "atmosphere", "land": "atmosphere"}) + conc)
                         for _ in range(args.repeats)])]
    names = [c["name"] for c in calibration[0]["components"]]
    # CPU seconds, not wall: the machine is shared with other jobs and 4 ranks oversubscribe it.
    pts, model, _ = advisor.suggest(calibration, 2, "concurrent", names, "cpu")
    result["fit"] = {c: {"a_ms": 1e3 * model[c][0], "b_ms": 1e3 * model[c][1], "how": model[c][2],
                         "points_ms": [[n, 1e3 * t] for n, t in sorted(pts[c])]} for c in names}
    result["advisor"] = {}
    for N in (2, 4):
        _, _, ranked = advisor.suggest(calibration, N, "concurrent", names, "cpu", os.cpu_count())
        predicted = {advisor.describe(o, h): t for t, o, h in ranked}
        t, own, on = ranked[0]
        candidates = {"advisor": (own, on), "even split": even_split(N)}
        entry = {"oversubscribed": N > os.cpu_count(), "cores": os.cpu_count()}
        measured = {}
        for k in range(args.repeats):
            for label, (o, h) in candidates.items():
                if label == "even split" and (o, h) == (own, on) and k == 0:
                    print(f"{N} ranks: the advisor proposes the even split itself", flush=True)
                d = r.run(f"advisor-{N}-{label.replace(' ', '-')}", N, advisor.set_values(o, h) + conc)
                measured.setdefault(label, []).append(d)
        for label, (o, h) in candidates.items():
            b = best(measured[label])
            entry[label] = dict(summary(b), layout=advisor.describe(o, h), set=advisor.set_values(o, h),
                                predicted_ms=1e3 * predicted[advisor.describe(o, h)],
                                spread_step_ms=[1e3 * x for x in spread(measured[label], "step_per_interval")])
        entry["advisor_over_even_step"] = entry["advisor"]["step_ms"] / entry["even split"]["step_ms"]
        entry["advisor_over_even_slowest_busy"] = entry["advisor"]["slowest_busy_ms"] / entry["even split"]["slowest_busy_ms"]
        result["advisor"][str(N)] = entry
        print(f"{N} ranks: advisor {entry['advisor']['layout']} {entry['advisor']['step_ms']:.2f} ms "
              f"(predicted {entry['advisor']['predicted_ms']:.2f}) vs even split {entry['even split']['layout']} "
              f"{entry['even split']['step_ms']:.2f} ms (predicted {entry['even split']['predicted_ms']:.2f})", flush=True)

    # 3. CPMIP of the demo config as it is (2 ranks; its own output cadence).
    demo_config = None if args.tiny else os.path.join(args.root, "apps/coupled/configs/demo.toml")
    demo = r.run("demo", 2, ['layout.ocean=1'], steps=None if args.tiny else 48, output_interval=None if args.tiny else 6,
                 config=demo_config)
    result["demo"] = dict(summary(demo), wall_s=demo["wall_seconds"], simulated_years=demo["cpmip"]["simulated_years"],
                          cores=demo["cpmip"]["cores"], command=demo["command"])

    # 4. The timeline of the two schedules.
    png = os.path.join(args.out_dir, "timeline.png")
    subprocess.run([sys.executable, os.path.join(args.root, "apps/coupled/plot_timeline.py"),
                    os.path.join(best(runs["sequential"])["dir"], "timing.json"),
                    os.path.join(best(runs["concurrent"])["dir"], "timing.json"), png], check=True, stdout=subprocess.DEVNULL)
    result["timeline_png"] = png
    result["load1_end"] = load1()
    json.dump(result, open(os.path.join(args.out_dir, "coupled_bench.json"), "w"), indent=1)

    print(f"\nload average {result['load1_start']:.2f} -> {result['load1_end']:.2f}; {args.steps} intervals, best of {args.repeats}")
    print("\n| schedule (2 ranks: atmosphere+land 1, ocean 1) | step per interval | atmosphere+land busy | ocean busy | step / slowest busy (range) | coupling cost |")
    print("|---|---|---|---|---|---|")
    for s, e in result["schedules"].items():
        g = e["groups_ms"]
        print(f"| {s} | {e['step_ms']:.2f} ms | {g.get('atmosphere+land', 0):.2f} ms | {g.get('ocean', 0):.2f} ms | "
              f"**{e['step_over_slowest']:.3f}** ({e['spread_step_over_slowest'][0]:.3f}-{e['spread_step_over_slowest'][1]:.3f}) | "
              f"{100 * e['coupling_cost']:.1f}% |")
    print("\n| fit t(n) = a + b/n (CPU ms per interval) | a | b | measured (n: ms) |\n|---|---|---|---|")
    for c, f in result["fit"].items():
        print(f"| {c} | {f['a_ms']:.3f} ms | {f['b_ms']:.3f} ms | {', '.join(f'{n}: {t:.2f}' for n, t in f['points_ms'])} |")
    print("\n| ranks | layout | predicted step | measured step | slowest group busy | advisor / even (step) |\n|---|---|---|---|---|---|")
    for N, e in result["advisor"].items():
        for label in ("advisor", "even split"):
            x = e[label]
            note = " (oversubscribed)" if e["oversubscribed"] else ""
            print(f"| {N}{note} | {label}: {x['layout']} | {x['predicted_ms']:.2f} ms | {x['step_ms']:.2f} ms | "
                  f"{x['slowest_busy_ms']:.2f} ms | {e['advisor_over_even_step']:.3f} |")
    d = result["demo"]
    print(f"\nCPMIP, demo config on 2 ranks: SYPD {d['sypd']:.1f}, CHSY {d['chsy']:.3f} ({d['cores']} cores), "
          f"coupling cost {100 * d['coupling_cost']:.1f}%, load imbalance {d['load_imbalance']:.3f}, "
          f"step {d['step_ms']:.2f} ms = {d['step_over_slowest']:.3f} x the slowest group's busy")
    print(f"timeline: {png}\nwrote {os.path.join(args.out_dir, 'coupled_bench.json')}")


if __name__ == "__main__":
    main()
