"""The compliance page: its own title and navigation item, charts that show movement, a target and the latest
figure, a "no data yet" state, and a first snapshot taken when the portal is set up."""

from __future__ import annotations

import datetime
import io
import re

from django.core.management import call_command

from governance.trends.charts import HEIGHT, PAD_BOTTOM, PAD_TOP, line_chart, scale
from governance.trends.models import ComplianceSnapshot
from governance.trends.snapshots import Series

TODAY = datetime.date.today()
URL = "/training/compliance/"


def _recorded(*training: int, overdue: int = 2) -> None:
    for days_ago, share in enumerate(reversed(training)):
        ComplianceSnapshot.objects.create(
            taken_on=TODAY - datetime.timedelta(days=days_ago),
            figures={
                "organisation": {
                    "training": share,
                    "overdue_reviews": overdue,
                    "grants_past_recertification": 0,
                    "contracts_past_destruction": 0,
                },
                "areas": {},
            },
        )


def _nav(page: str) -> dict[str, bool]:
    """Each navigation item's text, and whether it is highlighted."""
    items = re.findall(r'<li class="govuk-service-navigation__item([^"]*)">\s*<a [^>]*>\s*(.*?)\s*</a>', page, re.S)
    return {re.sub(r"<[^>]+>", "", text).strip(): "--active" in classes for classes, text in items}


def test_the_page_is_titled_compliance_and_has_its_own_navigation_item(verified_client, siro, deputy_siro, staff):
    page = verified_client(siro).get(URL).content.decode()
    assert "<title>Compliance" in page
    assert '<h1 class="govuk-heading-xl">Compliance</h1>' in page
    nav = _nav(page)
    assert nav["Compliance"] is True
    assert nav["My training"] is False  # the page is not part of one's own training
    people = verified_client(siro).get("/training/").content.decode()
    assert _nav(people)["My training"] is True and _nav(people)["Compliance"] is False
    assert "Compliance" in _nav(verified_client(deputy_siro).get("/").content.decode())
    assert "Compliance" not in _nav(verified_client(staff).get("/").content.decode())


def test_the_charts_use_the_govuk_font_and_show_the_latest_figure_and_the_target(verified_client, auditor, settings):
    settings.TRAINING_COMPLIANCE_TARGET = 90
    _recorded(66, 68, 71)
    page = verified_client(auditor).get(URL).content.decode()
    svgs = re.findall(r"<svg [^>]*>", page)
    assert svgs and all("GDS Transport" in svg for svg in svgs)
    assert f"Latest: 71% on {TODAY.day} {TODAY:%B %Y}" in page
    assert "Latest: 2 on" in page  # the counts too
    assert page.count('class="app-chart__target"') == 1  # training has a target; the counts do not
    assert "Target 90%" in page


def test_the_scale_shows_movement_rather_than_zero_to_a_hundred():
    days = [TODAY - datetime.timedelta(days=n) for n in (2, 1, 0)]
    points = list(zip(days, [66, 68, 71], strict=True))
    chart = line_chart(Series("training", "Training compliance (%)", points), percent=True)
    assert chart.minimum > 50 and chart.maximum < 100
    heights = [y for _, y, _ in chart.dots]
    inner = HEIGHT - PAD_TOP - PAD_BOTTOM
    assert max(heights) - min(heights) > inner / 2  # the rise fills the chart, not a sliver of it
    # With a target the scale reaches it; counts always start at 0; shares never pass 100%.
    assert scale([66, 71], percent=True, target=95)[1] >= 95
    assert scale([3, 5], percent=False)[0] == 0
    assert scale([99, 100], percent=True)[1] == 100


def test_a_measure_with_no_figures_says_no_data_yet(verified_client, auditor):
    page = verified_client(auditor).get(URL).content.decode()
    assert page.count("No data yet") == 4  # every measure
    assert "<svg" not in page.split('id="trends"')[1].split("</main>")[0]
    _recorded(None)  # a day with no staff to count: training has no figure, the counts do
    page = verified_client(auditor).get(URL).content.decode()
    assert page.count("No data yet") == 1


def test_a_fresh_install_takes_its_first_snapshot_when_it_is_set_up(db, settings):
    settings.DEBUG = True
    assert not ComplianceSnapshot.objects.exists()
    call_command("load_demo", stdout=io.StringIO())
    snapshot = ComplianceSnapshot.objects.get()
    assert snapshot.taken_on == TODAY
    assert snapshot.figures["organisation"]["training"] is not None  # figures of the people just loaded
