"""No test types a calendar date into a form: one that will pass makes CI fail from that day.

Dates entered on a page or posted in a form are checked against today (an end date in the
future, a due date not past, a clock that runs from a found date), so they are computed from
today. Fixed dates stay only where a test sets the clock itself or passes the day in.
"""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# A year typed into a page (Playwright's fill) or posted as a date field's year, an ISO date typed.
TYPED_YEAR = re.compile(
    "|".join(
        (
            r"""\.fill\(\s*["'](?:19|20)\d\d(?:-\d\d-\d\d)?["']""",  # page.fill("2027"), fill("2026-05-10")
            r"""_year["']\s*:\s*["']?(?:19|20)\d\d\b""",  # {"end_date_year": "2027"}
            r"""\(\d{1,2}, \d{1,2}, (?:19|20)\d\d\)""",  # (day, month, year) to be posted
        )
    )
)


def test_no_test_types_a_fixed_calendar_date_into_a_form():
    found = [
        f"{path.relative_to(TESTS)}:{number}: {line.strip()}"
        for path in sorted(TESTS.rglob("*.py"))
        if path != Path(__file__).resolve()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if TYPED_YEAR.search(line)
    ]
    assert not found, "Compute these dates from today:\n" + "\n".join(found)
