#!/usr/bin/python3
"""balance_bench.py CLIMATE CONFIG OUT_DIR: what load balancing buys the climate demo (issue 11).

Runs parlayer-climate on apps/climate/configs/continents.toml (256 x 128 cells, 37% land, boxes of
16 x 16) and reports ratios measured in one run of this script:
  1. land elimination at 2 ranks, sun off: the time-loop ("advance") time and the busy time per
     rank (seconds in the boxes' kernels) with balance.eliminate_land = true vs false;
  2. the moving sun (sun.work iterations per wet day-side cell) at 4 and 8 ranks: the efficiency
     of the busy time (mean / max per rank) without rebalancing (balance.threshold huge: proposals
     are computed, never adopted) and with it, and the rebalancing's own cost (plan + data
     movement) as a share of the run; the efficiency at each proposal goes into the JSON (a plot
     with matplotlib if present: OUT_DIR/balance_efficiency.png).
On a 2-core machine 4 and 8 ranks are oversubscribed: the elapsed time says little there, the busy
time per rank (each rank's own kernel seconds) still does. Writes OUT_DIR/balance.json.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

climate, config, out_dir = sys.argv[1:4]
os.makedirs(out_dir, exist_ok=True)
STEPS = int(os.environ.get("BALANCE_BENCH_STEPS", "400"))


def run(ranks, *settings):
    with tempfile.TemporaryDirectory() as tmp:
        cmd = ["mpirun", "--oversubscribe", "-np", str(ranks), climate, "--config", config, "--output", tmp,
               "--set", "output.interval=0", "--set", "checkpoint.at_end=false", "--set", f"time.steps={STEPS}",
               "--set", "log.interval=20"]
        for s in settings:
            cmd += ["--set", s]
        r = subprocess.run(cmd, capture_output=True, text=True, check=True)
    out = r.stdout
    busy_line = re.search(r"busy time per rank \(s\):([^;]*); efficiency \(mean/max\) ([0-9.]+)", out)
    busy = [float(x) for x in busy_line.group(1).split()]
    advance = float(re.search(r"^advance\s+([0-9.]+)", out, re.M).group(1))
    rebalance = re.search(r"(\d+) rebalance\(s\) took ([0-9.]+) s", out)
    efficiencies = [(int(m.group(1)), float(m.group(2)))
                    for m in re.finditer(r"^step\s+(\d+)/\d+ .* efficiency ([0-9.]+)$", out, re.M)]
    start = re.search(r"load balance: efficiency ([0-9.]+) .*?, (\d+) of (\d+) boxes eliminated", out)
    return {"ranks": ranks, "settings": list(settings), "advance_s": advance, "busy_s": busy,
            "busy_max_s": max(busy), "busy_efficiency": float(busy_line.group(2)),
            "rebalances": int(rebalance.group(1)) if rebalance else 0,
            "rebalance_s": float(rebalance.group(2)) if rebalance else 0.0,
            "efficiency_at_step": efficiencies, "static_efficiency": float(start.group(1)),
            "eliminated": int(start.group(2)), "boxes": int(start.group(3))}


result = {"steps": STEPS, "config": config}
# 1. Land elimination, no sun, no rebalancing, 2 ranks.
off = run(2, "sun.work=0", "balance.interval=0", "balance.eliminate_land=false")
on = run(2, "sun.work=0", "balance.interval=0", "balance.eliminate_land=true")
result["elimination"] = {"without": off, "with": on,
                         "advance_ratio": on["advance_s"] / off["advance_s"],
                         "busy_max_ratio": on["busy_max_s"] / off["busy_max_s"]}
print(f"land elimination, 2 ranks: {on['eliminated']} of {on['boxes']} boxes eliminated, start-up efficiency "
      f"{on['static_efficiency']:.3f}; time loop {on['advance_s']:.2f} s vs {off['advance_s']:.2f} s "
      f"(ratio {result['elimination']['advance_ratio']:.2f}), max busy per rank ratio "
      f"{result['elimination']['busy_max_ratio']:.2f}")
# 2. The moving sun, with and without rebalancing.
result["sun"] = {}
for ranks in (4, 8):
    static = run(ranks, "balance.interval=20", "balance.threshold=1e9")
    dynamic = run(ranks, "balance.interval=20", "balance.threshold=1.1")
    share = dynamic["rebalance_s"] / dynamic["advance_s"] if dynamic["advance_s"] > 0 else 0.0
    result["sun"][str(ranks)] = {"without": static, "with": dynamic, "rebalance_share": share}
    print(f"moving sun, {ranks} ranks: busy-time efficiency {static['busy_efficiency']:.3f} without rebalancing, "
          f"{dynamic['busy_efficiency']:.3f} with ({dynamic['rebalances']} rebalances, "
          f"{100 * share:.1f}% of the time loop); max busy per rank {dynamic['busy_max_s']:.2f} s vs "
          f"{static['busy_max_s']:.2f} s (ratio {dynamic['busy_max_s'] / static['busy_max_s']:.2f})")
json.dump(result, open(os.path.join(out_dir, "balance.json"), "w"), indent=1)
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4))
    for ranks, r in result["sun"].items():
        for kind, style in (("without", "--"), ("with", "-")):
            pts = r[kind]["efficiency_at_step"]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], style, label=f"{ranks} ranks, {kind} rebalancing")
    ax.set_xlabel("step")
    ax.set_ylabel("efficiency (mean/max box cost per rank)")
    ax.set_ylim(0, 1.05)
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "balance_efficiency.png"), dpi=100)
except ImportError:
    pass
print("wrote", os.path.join(out_dir, "balance.json"))
