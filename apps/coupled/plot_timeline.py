#!/usr/bin/python3
"""plot_timeline.py TIMING_JSON PNG [FIRST LAST]: one row per rank and component, with its busy
(computing), wait (in an exchange's finish) and couple (the coupler's own work) intervals, from the
timing.json parlayer-coupled writes into output.dir; FIRST..LAST limit it to those coupling
intervals' time span (default: the last 4). Needs Debian's python3-matplotlib."""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

timing_path, png = sys.argv[1:3]
d = json.load(open(timing_path))
colours = {"busy": "tab:green", "wait": "tab:red", "couple": "tab:blue"}
names = [c["name"] for c in d["components"]]
rows = []  # (rank, component index)
for r in range(d["ranks"]):
    for c, comp in enumerate(d["components"]):
        if r in comp["ranks"]:
            rows.append((r, c))
ends = sorted(e[3] for rank_events in d["events"] for e in rank_events)
span = (ends[0], ends[-1]) if ends else (0.0, 1.0)
if len(sys.argv) > 4:
    first, last = int(sys.argv[3]), int(sys.argv[4])
    per = (span[1] - span[0]) / max(1, d["intervals"])
    span = (span[0] + first * per, span[0] + last * per)
else:
    span = (span[1] - (span[1] - span[0]) * min(1.0, 4 / max(1, d["intervals"])), span[1])
fig, ax = plt.subplots(figsize=(10, 0.5 + 0.45 * len(rows)))
for y, (r, c) in enumerate(rows):
    for comp, phase, t0, t1 in d["events"][r]:
        if comp == c and t1 >= span[0] and t0 <= span[1]:
            ax.barh(y, t1 - t0, left=t0, color=colours[d["phases"][phase]], height=0.8)
ax.set_yticks(range(len(rows)), [f"rank {r} {names[c]}" for r, c in rows])
ax.set_xlim(*span)
ax.invert_yaxis()
ax.set_xlabel("wall time [s]")
ax.set_title(f"parlayer-coupled: {d['intervals']} coupling intervals on {d['ranks']} ranks", loc="left")
ax.legend(handles=[plt.Rectangle((0, 0), 1, 1, color=v) for v in colours.values()], labels=list(colours),
          loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=3, frameon=False)
fig.tight_layout()
fig.savefig(png, dpi=100)
print(f"wrote {png}")
