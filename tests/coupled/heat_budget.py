"""The coupled model's heat budget as its progress lines report it: "total <J> (drift <relative>)"
for atmosphere + ocean + land + the heat in transit. Every exchanged flux is conserved exactly
(docs/coupled.md), so the total may move only by the rounding of the sums that print it."""
import re

DRIFT_BOUND = 1e-12  # relative; the sums of ~1e23 J round at ~1e-16


def drift_problem(log):
    """What is wrong with the heat budget in a run's log (no totals, or a drift beyond the bound),
    or None."""
    drifts = [float(d) for d in re.findall(r"total \S+ \(drift (\S+)\)", log)]
    if len(drifts) < 2:
        return "no heat totals in the progress lines"
    worst = max(abs(d) for d in drifts)
    if worst > DRIFT_BOUND:
        return f"the total heat drifted by {worst:.1e} (relative; bound {DRIFT_BOUND:.0e})"
    return None
