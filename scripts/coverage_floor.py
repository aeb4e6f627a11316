"""Print SlipCover's JSON coverage report and fail below the floor: ``coverage_floor.py REPORT FLOOR``.

The floor is checked here rather than by SlipCover's own ``--fail-under``: with pytest-xdist, that
option reads the workers' merged coverage once for the check and the report then shows the
controller's alone.
"""

from __future__ import annotations

import json
import sys

from slipcover.slipcover import print_coverage


def main(report: str, floor: str) -> int:
    with open(report, encoding="utf-8") as handle:
        coverage = json.load(handle)
    print_coverage(coverage, skip_covered=True)
    percent = coverage["summary"]["percent_covered"]
    if percent < float(floor):
        print(f"Line coverage {percent:.2f}% is below the floor of {floor}%.", file=sys.stderr)
        return 2
    print(f"Line coverage {percent:.2f}% (floor {floor}%).")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
