"""The audit explorer's date boxes, record types in plain words, and the search words marked in the results."""

from __future__ import annotations

import datetime
import re

import pytest

from governance.core.audit_types import grouped_types
from tests.core.test_audit_explorer import history  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def _boxes(name: str, day, month, year) -> dict[str, str]:
    return {f"{name}_day": str(day), f"{name}_month": str(month), f"{name}_year": str(year)}


def test_a_date_typed_in_one_box_is_an_error_and_nothing_is_listed(verified_client, auditor, history):  # noqa: F811
    """Today typed as 31/12/2025 in the day box used to list every entry as if no date were given."""
    typed = TODAY.strftime("%d/%m/%Y")
    response = verified_client(auditor).get("/audit/", {"since_day": typed})
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Earliest date must include a month and year" in page
    assert 'href="#id_since_day"' in page
    assert not response.context["entries"]
    assert "Correct the filters to see the entries" in page and "Download as" not in page


def test_every_date_problem_is_in_the_summary_at_once(verified_client, auditor, history):  # noqa: F811
    query = {**_boxes("since", "31", "2", "2030"), **_boxes("until", "1", "", "26")}
    response = verified_client(auditor).get("/audit/", query)
    summary = response.content.decode().split('govuk-error-summary__list"')[1].split("</ul>")[0]
    assert "Earliest date must be a real date" in summary
    assert "Latest date must include a month" in summary
    assert not response.context["entries"]
    only_year = verified_client(auditor).get("/audit/", _boxes("until", "1", "2", "26")).content.decode()
    assert "Latest date&#x27;s year must include 4 numbers" in only_year


def test_a_real_date_in_the_boxes_filters_and_is_shown_back(verified_client, auditor, history):  # noqa: F811
    client = verified_client(auditor)
    today = client.get("/audit/", {**_boxes("since", TODAY.day, TODAY.month, TODAY.year)})
    assert today.context["entries"] and not today.context["filter"].form.errors
    assert re.search(rf'name="since_day"[^>]*value="{TODAY.day}"', today.content.decode())
    tomorrow = TODAY + datetime.timedelta(days=1)
    later = client.get("/audit/", _boxes("since", tomorrow.day, tomorrow.month, tomorrow.year))
    assert not later.context["entries"] and not later.context["filter"].form.errors


def test_record_types_are_plain_words_grouped_by_part_of_the_portal(verified_client, auditor):
    groups = dict(grouped_types())
    names = [name for choices in groups.values() for _pk, name in choices]
    assert {"Register", "Access", "Research contracts", "Incidents"} <= set(groups)
    assert "Data items of a grant" in names and "Security key" in names and "Information asset" in names
    assert not [n for n in names if "relationship" in n.lower() or "object permission" in n.lower()]
    assert not [n for n in names if "webauthn" in n.lower() or "user handle" in n.lower()]
    page = verified_client(auditor).get("/audit/").content.decode()
    assert '<optgroup label="Register">' in page
    assert "Accessgrant-dataitem relationship" not in page and "Webauthn user handle" not in page


def test_a_type_chosen_from_the_groups_filters(verified_client, auditor, history):  # noqa: F811
    asset_type = next(pk for pk, name in dict(grouped_types())["Register"] if name == "Information asset")
    entries = verified_client(auditor).get("/audit/", {"content_type": asset_type}).context["entries"]
    assert entries and {e.content_type_id for e in entries} == {int(asset_type)}


def test_the_search_words_are_marked_in_the_results(verified_client, auditor, history):  # noqa: F811
    page = verified_client(auditor).get("/audit/?q=Vault").content.decode()
    assert '<mark class="app-mark">Vault</mark>' in page
    plain = verified_client(auditor).get("/audit/").content.decode()
    assert "<mark" not in plain


def test_the_explorer_uses_the_full_width(verified_client, auditor):
    assert "app-width-container--wide" in verified_client(auditor).get("/audit/").content.decode()
