"""The SIRO's report: a round's returns rolled up by business area, for the page, the CSV and the PDF.

The figures come from the returns themselves (their stored facts), so the report says what
the IAMs were shown and signed, not what the records say today. Two queries.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from governance.assurance.models import AssuranceReturn, AssuranceRound
from governance.assurance.selectors import live_returns

S = AssuranceReturn.State
SUMMED = (
    "assets",
    "grants",
    "grants_not_recertified",
    "grants_past_end",
    "holders_missing_training",
    "contracts_past_destruction",
    "open_risks",
    "high_risks",
    "risk_reviews_overdue",
    "incidents",
)


@dataclass
class AreaRow:
    area: str
    returns: int = 0
    signed: int = 0
    accepted: int = 0
    sent_back: int = 0
    missing: int = 0
    risks_by_band: dict[str, int] = field(default_factory=lambda: {"high": 0, "medium": 0, "low": 0})
    figures: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SUMMED, 0))


def report_rows(round_: AssuranceRound) -> list[AreaRow]:
    rows: dict[str, AreaRow] = {}
    returns = (
        live_returns()
        .filter(round=round_)
        .select_related("business_area")
        .only("state", "facts", "business_area__name")
    )
    for ret in returns:
        name = ret.business_area.name if ret.business_area else "No area"
        row = rows.setdefault(name, AreaRow(name))
        row.returns += 1
        row.signed += ret.state in (S.SIGNED, S.ACCEPTED)
        row.accepted += ret.state == S.ACCEPTED
        row.sent_back += ret.state == S.SENT_BACK
        row.missing += ret.state == S.DRAFT
        summary = ret.facts.get("summary", {})
        for key in SUMMED:
            row.figures[key] += int(summary.get(key, 0))
        for asset in ret.facts.get("assets", []):
            for risk in asset.get("risks", []):
                row.risks_by_band[risk["band"]] += 1
    return [rows[name] for name in sorted(rows)]


def total_row(rows: list[AreaRow]) -> AreaRow:
    total = AreaRow("All areas")
    for row in rows:
        for name in ("returns", "signed", "accepted", "sent_back", "missing"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
        for band, count in row.risks_by_band.items():
            total.risks_by_band[band] += count
        for key, count in row.figures.items():
            total.figures[key] += count
    return total


CSV_HEADER = [
    "business area",
    "returns",
    "signed",
    "accepted",
    "sent back",
    "missing",
    "high risks",
    "medium risks",
    "low risks",
    "grants",
    "grants not recertified",
    "grants past end",
    "holders missing training",
    "contracts past destruction",
    "risk reviews overdue",
    "incidents",
]


def report_csv(round_: AssuranceRound) -> str:
    rows = report_rows(round_)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in [*rows, total_row(rows)]:
        f, b = row.figures, row.risks_by_band
        writer.writerow(
            [
                _safe(row.area),
                row.returns,
                row.signed,
                row.accepted,
                row.sent_back,
                row.missing,
                b["high"],
                b["medium"],
                b["low"],
                f["grants"],
                f["grants_not_recertified"],
                f["grants_past_end"],
                f["holders_missing_training"],
                f["contracts_past_destruction"],
                f["risk_reviews_overdue"],
                f["incidents"],
            ]
        )
    return out.getvalue()


def _safe(text: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
