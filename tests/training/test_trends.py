"""The daily compliance snapshot (idempotent, as the system account) and its charts on the dashboard."""

from __future__ import annotations

import datetime
import functools

from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.contracts.models import ResearchContract
from governance.core.audit import system_user
from governance.core.models import AuditEntry, BusinessArea
from governance.register.organisation import set_deputy_siro
from governance.trends import charts
from governance.trends.models import ComplianceSnapshot
from governance.trends.snapshots import Series, take_snapshot
from governance.trends.tasks import take_compliance_snapshot
from tests.assurance.conftest import open_round
from tests.factories import (
    BusinessAreaFactory,
    ResearchContractFactory,
    UserFactory,
    make_asset,
    make_course,
    make_signoff,
)

TODAY = datetime.date.today()


def test_the_snapshot_is_taken_once_a_day_as_the_system_account(area):
    course = make_course(title="Information security")
    make_signoff(UserFactory(business_area=area), course)
    UserFactory(business_area=area)  # never signed
    make_asset(manager=None, business_area=area, next_review_date=TODAY - datetime.timedelta(days=1))
    ResearchContractFactory(
        status=ResearchContract.Status.RETENTION_ENDED,
        start_date=TODAY - datetime.timedelta(days=400),
        end_date=TODAY - datetime.timedelta(days=100),
        retention_end_date=TODAY - datetime.timedelta(days=50),
        destruction_due_date=TODAY - datetime.timedelta(days=20),
    )
    assert take_compliance_snapshot().startswith("taken")
    assert take_compliance_snapshot().startswith("already taken")
    snapshot = ComplianceSnapshot.objects.get()
    whole = snapshot.figures["organisation"]
    in_area = snapshot.figures["areas"][str(area.pk)]
    assert in_area["training"] == 50 and in_area["training_by_course"] == {"Information security": 50}
    assert in_area["overdue_reviews"] == 1
    assert whole["overdue_reviews"] == 1 and whole["contracts_past_destruction"] == 1
    assert 0 < whole["training"] <= 50  # everyone counts, the contract's manager in another area too
    entry = AuditEntry.objects.get(content_type__model="compliancesnapshot")
    assert entry.actor == system_user()


def test_the_dashboard_draws_the_figures_as_an_accessible_svg_and_a_table(verified_client, auditor, area):
    for days_ago, overdue in ((2, 0), (1, 3)):
        day = TODAY - datetime.timedelta(days=days_ago)
        ComplianceSnapshot.objects.create(
            taken_on=day,
            figures={"organisation": {"training": 80, "overdue_reviews": overdue}, "areas": {}},
        )
    take_snapshot()
    page = verified_client(auditor).get("/training/compliance/").content.decode()
    assert '<svg class="app-chart__svg"' in page and 'role="img"' in page
    assert "<title id=" in page and "<desc id=" in page
    assert "Asset reviews overdue: 0 on" in page and "highest 3" in page
    assert "Asset reviews overdue, by day" in page  # the same figures as a table
    assert "<script" not in page.split("app-chart")[1].split("</figure>")[0]


def test_a_deputy_siro_sees_their_area_only(verified_client, deputy_siro, area, other_area):
    ComplianceSnapshot.objects.create(
        taken_on=TODAY,
        figures={
            "organisation": {"overdue_reviews": 99},
            "areas": {str(area.pk): {"overdue_reviews": 2}, str(other_area.pk): {"overdue_reviews": 7}},
        },
    )
    page = verified_client(deputy_siro).get("/training/compliance/").content.decode()
    assert "Asset reviews overdue: 2 on" in page
    assert "99" not in page.split('id="trends"')[1] and ": 7 on" not in page


def test_the_dashboard_reads_the_snapshots_once_however_many_areas_one_oversees(verified_client, deputy_siro):
    """A Deputy SIRO of several areas gets a chart per area from one read of the snapshots."""
    client = verified_client(deputy_siro)

    def page_queries(areas: int) -> int:
        while BusinessArea.objects.filter(deputy_siro=deputy_siro).count() < areas:
            set_deputy_siro(BusinessAreaFactory(), deputy_siro, by=system_user())
        ComplianceSnapshot.objects.update_or_create(
            taken_on=TODAY,
            defaults={"figures": {"organisation": {}, "areas": {}}},
        )
        client.get("/training/compliance/")  # warm: session and role facts
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/training/compliance/")
        assert page.status_code == 200 and len(page.context["trends"]) == areas
        return len(queries)

    assert page_queries(1) == page_queries(4)


def _two_areas_recorded(area, other_area) -> None:
    ComplianceSnapshot.objects.create(
        taken_on=TODAY,
        figures={
            "organisation": {"overdue_reviews": 41},
            "areas": {str(area.pk): {"overdue_reviews": 2}, str(other_area.pk): {"overdue_reviews": 7}},
        },
    )


def test_the_report_s_charts_are_drawn_once_for_the_same_figures_and_afresh_when_one_changes(
    verified_client, siro, area, other_area, monkeypatch
):
    """The SIRO's report keeps its drawn charts under their figures: a second view draws nothing, and a
    figure changed in the snapshot (say, corrected) is drawn at once, never an old picture."""
    _two_areas_recorded(area, other_area)
    url = f"/assurance/rounds/{open_round(siro).pk}/report/"
    drawn: list[int] = []
    draw = charts.charts_for
    monkeypatch.setattr(charts, "charts_for", lambda series: drawn.append(len(series)) or draw(series))
    client = verified_client(siro)
    first, second = (client.get(url).content.decode() for _ in range(2))
    assert "Asset reviews overdue: 41 on" in first and "Asset reviews overdue: 41 on" in second
    assert len(drawn) <= 1  # none at all where an earlier test drew the same figures
    snapshot = ComplianceSnapshot.objects.get(taken_on=TODAY)
    snapshot.figures["organisation"]["overdue_reviews"] = 43
    snapshot.save()
    third = client.get(url).content.decode()
    assert "Asset reviews overdue: 43 on" in third and "Asset reviews overdue: 41 on" not in third
    assert len(drawn) >= 1 and drawn[-1] > 0


def test_charts_drawn_by_another_release_s_code_are_drawn_again(monkeypatch, settings, tmp_path):
    """The kept drawing is keyed by the code that draws it too: after a release that changes the
    template, this module or the tags, no instance serves a picture the old code drew."""
    for name in charts.DRAWING_FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"{name}: as released")
    settings.BASE_DIR = tmp_path
    charts._drawing.cache_clear()
    monkeypatch.setattr(charts, "_drawing", functools.lru_cache(maxsize=1)(charts._drawing.__wrapped__))
    released = charts._drawing()
    (tmp_path / charts.DRAWING_FILES[0]).write_text("the chart template, changed")
    charts._drawing.cache_clear()
    assert charts._drawing() != released
    series = [Series("training", "Training compliance", [(TODAY, 80)])]
    drawn: list[int] = []
    draw = charts.charts_for
    monkeypatch.setattr(charts, "charts_for", lambda given: drawn.append(1) or draw(given))
    for release in ("one release", "the next", "the next"):
        monkeypatch.setattr(charts, "_drawing", lambda release=release: release)
        charts.charts_html(series)
    assert len(drawn) == 2  # once for each release's code, not again for the same


def test_a_deputy_siro_s_area_page_charts_that_area_and_no_other(
    verified_client, deputy_siro, other_deputy_siro, staff, area, other_area
):
    _two_areas_recorded(area, other_area)
    own = verified_client(deputy_siro).get(f"/areas/{area.pk}/").content.decode()
    assert '<svg class="app-chart__svg"' in own and "Asset reviews overdue: 2 on" in own
    assert ": 7 on" not in own and ": 41 on" not in own
    # Another area's Deputy SIRO and a member of staff see the area, not its figures.
    for viewer in (other_deputy_siro, staff):
        page = verified_client(viewer).get(f"/areas/{area.pk}/").content.decode()
        assert page.count("app-chart__svg") == 0 and "Asset reviews overdue" not in page


def test_the_siro_s_report_charts_the_whole_organisation(verified_client, siro, area, other_area):
    _two_areas_recorded(area, other_area)
    assurance_round = open_round(siro)
    page = verified_client(siro).get(f"/assurance/rounds/{assurance_round.pk}/report/").content.decode()
    assert '<svg class="app-chart__svg"' in page and "Asset reviews overdue: 41 on" in page
    assert "Asset reviews overdue, by day" in page
