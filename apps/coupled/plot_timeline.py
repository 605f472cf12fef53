#!/usr/bin/python3
"""plot_timeline.py TIMING_JSON [TIMING_JSON ...] PNG [--intervals FIRST LAST] [--title TEXT ...]:
where each rank's time goes, from the timing.json files parlayer-coupled writes into output.dir
(one panel per file, e.g. the sequential and the concurrent schedule one above the other).

One row per rank, labelled with the components it runs. A bar per measured interval: computing in
the component's own colour (its name written on the bar when there is room), waiting at a coupling
point (in an exchange's finish) in grey, the coupler's own work (starting exchanges, bulk formulas,
remapping) in orange. White is time outside the coupled step (progress lines, output). Shows the
coupling intervals FIRST..LAST (default: the last 4 of each run) on one time axis per panel, in ms
from the first interval shown. Needs Debian's python3-matplotlib."""
import argparse
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COMPUTE = ["tab:green", "tab:blue", "tab:olive", "tab:purple", "tab:cyan"]  # per component
WAIT, COUPLE = "0.72", "tab:orange"


def span_of(d, first, last):
    starts = [e[2] for rank_events in d["events"] for e in rank_events]
    ends = [e[3] for rank_events in d["events"] for e in rank_events]
    if not ends:
        return 0.0, 1.0
    t0, t1 = min(starts), max(ends)
    per = (t1 - t0) / max(1, d["intervals"])
    if first is None:
        first, last = max(0, d["intervals"] - 4), d["intervals"]
    return t0 + first * per, t0 + last * per


def panel(ax, d, span, title):
    names = [c["name"] for c in d["components"]]
    on_rank = [[c for c, comp in enumerate(d["components"]) if r in comp["ranks"]] for r in range(d["ranks"])]
    for r in range(d["ranks"]):
        for comp, phase, t0, t1 in d["events"][r]:
            if t1 < span[0] or t0 > span[1]:
                continue
            what = d["phases"][phase]
            colour = COMPUTE[comp % len(COMPUTE)] if what == "busy" else WAIT if what == "wait" else COUPLE
            t0, t1 = max(t0, span[0]), min(t1, span[1])  # the part inside the panel
            left, width = 1e3 * (t0 - span[0]), 1e3 * (t1 - t0)
            ax.barh(r, width, left=left, color=colour, height=0.7, linewidth=0)
            if what == "busy" and width > 0.06 * 1e3 * (span[1] - span[0]):
                ax.text(left + width / 2, r, names[comp], ha="center", va="center", fontsize=8, color="white", clip_on=True)
    ax.set_yticks(range(d["ranks"]), [f"rank {r}: " + ", ".join(names[c] for c in on_rank[r]) for r in range(d["ranks"])])
    ax.set_xlim(0, 1e3 * (span[1] - span[0]))
    ax.set_ylim(d["ranks"] - 0.5, -0.5)
    cp = d.get("cpmip")
    extra = f"; step {1e3 * cp['step_per_interval']:.2f} ms/interval = {cp['step_over_slowest']:.2f} x the slowest group's busy" if cp else ""
    ax.set_title(title or f"{d.get('schedule', '')} schedule, {d['ranks']} ranks{extra}", loc="left", fontsize=10)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("files", nargs="+", help="timing.json files, then the PNG to write")
    p.add_argument("--intervals", nargs=2, type=int, metavar=("FIRST", "LAST"))
    p.add_argument("--title", action="append", help="one per timing file (default: schedule, ranks, step time)")
    args = p.parse_args()
    if len(args.files) < 2:
        p.error("want at least one timing.json and the PNG")
    *timings, png = args.files
    docs = [json.load(open(t)) for t in timings]
    first, last = args.intervals or (None, None)
    rows = sum(d["ranks"] for d in docs)
    fig, axes = plt.subplots(len(docs), 1, figsize=(11, 1.2 + 0.55 * rows + 0.6 * len(docs)), squeeze=False)
    for k, d in enumerate(docs):
        title = args.title[k] if args.title and k < len(args.title) else None
        panel(axes[k][0], d, span_of(d, first, last), title)
    axes[-1][0].set_xlabel("wall time [ms] from the first coupling interval shown")
    names = []
    for d in docs:
        names += [c["name"] for c in d["components"] if c["name"] not in names]
    handles = [plt.Rectangle((0, 0), 1, 1, color=COMPUTE[k % len(COMPUTE)]) for k in range(len(names))]
    handles += [plt.Rectangle((0, 0), 1, 1, color=WAIT), plt.Rectangle((0, 0), 1, 1, color=COUPLE)]
    fig.legend(handles, [f"{n} computing" for n in names] + ["waiting at a coupling point", "coupler (exchanges, bulk formulas)"],
               loc="upper center", ncol=min(5, len(handles)), frameon=False, fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.45 / (1.2 + 0.55 * rows + 0.6 * len(docs))))
    fig.savefig(png, dpi=110)
    print(f"wrote {png}")


if __name__ == "__main__":
    main()
