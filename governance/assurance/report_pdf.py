"""The SIRO's report as a PDF for the annual governance statement, rendered with WeasyPrint.

The document is a tagged PDF (PDF/UA-1: headings, tables and reading order are marked for assistive
technology), carries the protective marking (``PROTECTIVE_MARKING``) at the head and foot of every
page with the page number, and holds the SIRO's narrative and the approval block. Once the report is
signed, the PDF shows the figures as they were signed, so the document matches its digest; before
that it shows today's figures and says it is not approved.

WeasyPrint needs Pango from the system (Debian: libpango-1.0-0, libpangoft2-1.0-0).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from governance.assurance.models import AssuranceRound
from governance.assurance.report import build_report
from governance.assurance.report_approval import latest_approval, verify_digest


def report_pdf(round_: AssuranceRound) -> bytes:
    approval = latest_approval(round_)
    if approval is not None:
        figures = approval.figures
        rows, total = figures["rows"], figures["total"]
        today = datetime.date.fromisoformat(figures["today"])
        previous, snapshot_on = figures.get("previous"), figures.get("snapshot_on")
        marking = approval.marking
    else:
        report = build_report(round_)
        rows, total, today = report.rows, report.total, report.today
        previous = report.previous.period if report.previous else None
        snapshot_on = report.snapshot_on
        marking = settings.PROTECTIVE_MARKING
    html = render_to_string(
        "assurance/report_pdf.html",
        {
            "round": round_,
            "rows": rows,
            "total": total,
            "today": today,
            "previous": previous,
            "snapshot_on": snapshot_on,
            "approval": approval,
            "approval_intact": verify_digest(approval) if approval else None,
            "marking": marking,
            "generated_at": timezone.localtime(),
            "organisation": settings.PORTAL_ORGANISATION,
        },
    )
    # Imported here, not at the top: WeasyPrint loads Pango and its fonts (about half a second of
    # CPU), which every process that imports the URLs (each web worker, task worker and command)
    # would otherwise pay for a document only the SIRO's report asks for.
    from weasyprint import HTML

    # No base URL: the document loads nothing from outside itself.
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
