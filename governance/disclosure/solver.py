"""One place that runs HiGHS and copes with its rare inconclusive answers.

The audit solves one model hundreds of times, each from the last basis. Now and then, on a
degenerate table, HiGHS stops without a verdict (model status "unknown"); solved again from
scratch, the same model is answered. A verdict is optimal, infeasible or unbounded; anything
else is retried once from a cold start, and only then reported as it is.
"""

from __future__ import annotations

import highspy

VERDICTS = frozenset(
    {
        highspy.HighsModelStatus.kOptimal,
        highspy.HighsModelStatus.kInfeasible,
        highspy.HighsModelStatus.kUnbounded,
        highspy.HighsModelStatus.kUnboundedOrInfeasible,
    }
)


def solve(highs: highspy.Highs) -> highspy.HighsModelStatus:
    """Run the model; without a verdict, forget the warm start and run it once more."""
    highs.run()
    status = highs.getModelStatus()
    if status not in VERDICTS:
        highs.clearSolver()
        highs.run()
        status = highs.getModelStatus()
    return status
