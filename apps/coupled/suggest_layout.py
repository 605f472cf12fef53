#!/usr/bin/python3
"""suggest_layout.py N TIMING_JSON... [--schedule concurrent|sequential] [--json OUT]: proposes the
ranks of each component of parlayer-coupled for a job of N ranks, from the timing.json files of a
few runs of the same config on other layouts (docs/coupled.md, "Where the time goes").

The fit. For each component, every run gives one point (n, t): n its rank count, t its work per
coupling interval on its slowest rank (busy + couple seconds: its time steps and its share of the
coupler; waiting is not work, it is what a layout removes); --clock cpu takes the process CPU
seconds per thread instead of wall seconds, which leaves out the time a rank was descheduled (a
machine shared with other jobs, or more ranks than cores). The model is t(n) = a + b/n, least
squares in (a, b): b/n is the work that divides among the ranks (the cells), a what does not (per
step overheads, halo latency, the serial parts): Amdahl's law, the simplest model that can say
"more ranks stop helping", with two parameters, so two rank counts per component determine it. With
one rank count, a = 0 (perfect scaling is assumed, and said). a and b are kept >= 0.

The choice. Every layout of N ranks is tried: each component on ranks of its own (>= 1) or on the
ranks of one that has them (as CESM runs land on the atmosphere's ranks). A rank group's time is the
sum of its components' t(n_group) (they run one after the other on those ranks). Concurrent: all
groups compute at once, the step is the slowest group. Sequential: the atmosphere first, then the
surface (ocean, land): the step is the slowest group of the first phase plus that of the second.
With --cores C < N the ranks time-share the cores: the step is at least every rank's work / C.
Prints the best few layouts with their predicted step time and the --set arguments that run them."""
import argparse
import itertools
import json
import shlex
import sys

FIRST_PHASE = {"atmosphere"}  # the sequential schedule's first phase; the surface follows


def points(runs, clock="wall"):
    """{component: [(n, seconds of work per interval on its slowest rank)]} over the runs. clock "cpu":
    the process CPU seconds per thread (time descheduled left out: for a shared or oversubscribed machine)."""
    out = {}
    for d in runs:
        intervals = max(1, d["intervals"])
        for c in d["components"]:
            s = c["seconds"] if clock == "wall" else c["cpu_seconds"]
            per_thread = 1.0 if clock == "wall" else max(1, c.get("threads", 1))
            work = max(b + k for b, k in zip(s["busy"], s["couple"])) / intervals / per_thread
            out.setdefault(c["name"], []).append((len(c["ranks"]), work))
    return out


def fit(pts):
    """Least squares t(n) = a + b/n over pts [(n, t)], with a, b >= 0. Returns (a, b, how)."""
    xs = [1.0 / n for n, _ in pts]
    ts = [t for _, t in pts]
    if len(set(xs)) < 2:  # one rank count: assume perfect scaling through it
        b = sum(t * x for t, x in zip(ts, xs)) / sum(x * x for x in xs)
        return 0.0, max(0.0, b), "one rank count: a = 0 assumed"
    m = len(xs)
    mx, mt = sum(xs) / m, sum(ts) / m
    b = sum((x - mx) * (t - mt) for x, t in zip(xs, ts)) / sum((x - mx) ** 2 for x in xs)
    a = mt - b * mx
    if b < 0:  # more ranks made it slower: no divisible part is visible
        return mt, 0.0, "b < 0 clamped: constant"
    if a < 0:  # better than perfect scaling (caches): refit through the origin
        b = sum(t * x for t, x in zip(ts, xs)) / sum(x * x for x in xs)
        return 0.0, b, "a < 0 clamped: a = 0"
    return a, b, "least squares"


def cost(model, name, n):
    a, b, _ = model[name]
    return a + b / n


def layouts(names, N):
    """Every layout of N ranks: {component: n} for those with ranks of their own, {component: host} for the rest."""
    for own_count in range(1, len(names) + 1):
        for own in itertools.combinations(names, own_count):
            guests = [c for c in names if c not in own]
            for hosts in itertools.product(own, repeat=len(guests)):
                # A group is named by its first component in config order (the land on the ocean,
                # not the ocean on the land): each grouping is tried once.
                if any(names.index(h) > names.index(g) for g, h in zip(guests, hosts)):
                    continue
                for split in itertools.product(range(1, N + 1), repeat=len(own)):
                    if sum(split) == N:
                        yield dict(zip(own, split)), dict(zip(guests, hosts))


def step_time(model, own, on, schedule, cores=None):
    groups = {h: [h] + [g for g, hh in on.items() if hh == h] for h in own}
    if cores and sum(own.values()) > cores:
        # More ranks than cores: they time-share, so a step takes at least all ranks' work / cores.
        total = sum(own[h] * sum(cost(model, c, own[h]) for c in cs) for h, cs in groups.items())
        return max(step_time(model, own, on, schedule), total / cores)
    def phase(members):
        return max((sum(cost(model, c, own[h]) for c in cs if c in members) for h, cs in groups.items()), default=0.0)
    everything = set(model)
    if schedule == "concurrent":
        return phase(everything)
    first = everything & FIRST_PHASE
    return phase(first) + phase(everything - first)


def set_values(own, on):
    """The --set values that run a layout: ['layout.ocean=1', 'layout.land="atmosphere"', ...] (each
    layout key is a rank count or the component whose ranks it shares)."""
    return [f"layout.{c}={n}" for c, n in own.items()] + [f'layout.{c}="{h}"' for c, h in on.items()]


def set_arguments(own, on):
    return " ".join("--set " + shlex.quote(v) for v in set_values(own, on))


def describe(own, on):
    return ", ".join([f"{c} {n}" for c, n in own.items()] + [f"{c} on {h}" for c, h in on.items()])


def suggest(runs, N, schedule, order=None, clock="wall", cores=None):
    pts = points(runs, clock)
    model = {c: fit(p) for c, p in pts.items()}
    names = order or list(pts)
    ranked = sorted(((step_time(model, own, on, schedule, cores), own, on) for own, on in layouts(names, N)),
                    key=lambda r: (r[0], describe(r[1], r[2])))
    return pts, model, ranked


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("ranks", type=int)
    p.add_argument("timing", nargs="+")
    p.add_argument("--schedule", choices=["concurrent", "sequential"], default=None,
                   help="default: the schedule of the first timing file")
    p.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                   help="fit wall seconds (a dedicated machine) or CPU seconds per thread (shared or oversubscribed)")
    p.add_argument("--cores", type=int, help="cores the job runs on, if fewer than N (oversubscribed)")
    p.add_argument("--show", type=int, default=5)
    p.add_argument("--json", help="write the fit and the ranking here")
    args = p.parse_args()
    if args.ranks < 1:
        print(f"error: suggest_layout.py: N = {args.ranks}: want at least 1 rank", file=sys.stderr)
        return 2
    runs = []
    for path in args.timing:
        try:
            runs.append(json.load(open(path)))
        except (OSError, ValueError) as e:
            print(f"error: suggest_layout.py: cannot read the timing file '{path}': {e}", file=sys.stderr)
            return 2
    names = [c["name"] for c in runs[0]["components"]]
    if any([c["name"] for c in d["components"]] != names for d in runs):
        print("error: suggest_layout.py: the timing files are of different components: "
              + "; ".join(f"{path}: {[c['name'] for c in d['components']]}" for path, d in zip(args.timing, runs)),
              file=sys.stderr)
        return 2
    schedule = args.schedule or runs[0].get("schedule", "concurrent")
    pts, model, ranked = suggest(runs, args.ranks, schedule, names, args.clock, args.cores)
    print(f"fit t(n) = a + b/n [ms of work per coupling interval, {args.clock} clock], from {len(runs)} runs:")
    for c in names:
        a, b, how = model[c]
        seen = ", ".join(f"n={n}: {1e3 * t:.3f}" for n, t in sorted(pts[c]))
        print(f"  {c:<10} a {1e3 * a:8.3f}  b {1e3 * b:8.3f}   ({how}; measured {seen})")
    print(f"best layouts of {args.ranks} ranks, {schedule} schedule (predicted step per interval):")
    for t, own, on in ranked[:args.show]:
        print(f"  {1e3 * t:8.3f} ms  {describe(own, on)}")
    t, own, on = ranked[0]
    print(f"suggested: {describe(own, on)}\n  mpirun -np {args.ranks} parlayer-coupled ... {set_arguments(own, on)}")
    if args.json:
        json.dump({"ranks": args.ranks, "schedule": schedule, "clock": args.clock,
                   "fit": {c: {"a": model[c][0], "b": model[c][1], "how": model[c][2], "points": pts[c]} for c in names},
                   "ranking": [{"predicted_step": t, "own": own, "on": on, "set": set_arguments(own, on)}
                               for t, own, on in ranked]}, open(args.json, "w"), indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
