"""The SIRO's report as a PDF, laid out like the page, rendered with WeasyPrint.

WeasyPrint needs Pango from the system (Debian: libpango-1.0-0, libpangoft2-1.0-0). The
document is built from the same rows as the page and the CSV, so the three never disagree.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from governance.assurance.models import AssuranceRound
from governance.assurance.report import report_rows, total_row


def report_pdf(round_: AssuranceRound) -> bytes:
    rows = report_rows(round_)
    html = render_to_string(
        "assurance/report_pdf.html",
        {
            "round": round_,
            "rows": rows,
            "total": total_row(rows),
            "generated_at": timezone.localtime(),
            "organisation": settings.PORTAL_ORGANISATION,
        },
    )
    # No base URL: the document loads nothing from outside itself.
    return HTML(string=html).write_pdf()
