"""The audit explorer's checked filters, free-text search and record picker, and entries told as sentences."""

from __future__ import annotations

from governance.core.audit import acting_as
from governance.core.models import AuditEntry
from tests.core.test_audit_explorer import history  # noqa: F401 - fixture
from tests.factories import UserFactory, make_asset


def test_dates_in_the_wrong_order_or_not_real_are_reported_not_answered_with_nothing(
    verified_client,
    auditor,
    history,  # noqa: F811
):
    client = verified_client(auditor)
    page = client.get(
        "/audit/?since_day=10&since_month=5&since_year=2026&until_day=1&until_month=5&until_year=2026"
    ).content.decode()
    assert "There is a problem" in page
    assert "The latest date must be the same as or after the earliest date" in page
    assert "Correct the filters to see the entries" in page and "0 entries" not in page
    page = client.get("/audit/?since_day=31&since_month=2&since_year=2026").content.decode()
    assert "Earliest date must be a real date" in page
    assert 'href="#id_since_day"' in page  # the summary links to the date's first box


def test_free_text_search_finds_names_and_changed_values(verified_client, auditor, history):  # noqa: F811
    client = verified_client(auditor)
    found = client.get("/audit/?q=Vault").context["entries"]
    assert found and all("Vault" in str(e.changes) for e in found)
    by_name = client.get("/audit/?q=Pensions").context["entries"]
    assert by_name and all("Pensions" in e.object_repr or "Pensions" in str(e.changes) for e in by_name)
    assert not client.get("/audit/?q=Zanzibar").context["entries"]


def test_a_record_is_picked_by_its_name(verified_client, auditor, history):  # noqa: F811
    entries = verified_client(auditor).get("/audit/?record=claims").context["entries"]
    assert entries and {e.object_repr for e in entries} == {"Claims"}


def test_entries_read_as_sentences_with_names_and_labels_never_bare_ids(verified_client, auditor, history):  # noqa: F811
    page = verified_client(auditor).get(f"/audit/?object={history['asset'].audit_scope()}").content.decode()
    changer = history["actor"].display_name
    assert f"{changer} changed the asset “Claims”" in page
    assert "storage location or secure environment changed from" in page and "to Vault" in page
    assert f"{changer} created the asset “Claims”" in page
    assert f"{changer} added the asset Claims to the register." in page
    assert "Id:" not in page and "ID set to" not in page


def test_history_panels_use_the_same_sentences(verified_client, auditor, history):  # noqa: F811
    page = verified_client(auditor).get(f"/assets/{history['asset'].pk}/").content.decode()
    assert f"{history['actor'].display_name} changed the asset Claims: storage location or secure environment." in page


def test_search_costs_the_same_queries_at_two_sizes(verified_client, auditor, django_assert_max_num_queries):
    actor = UserFactory()
    client = verified_client(auditor)
    for size in (5, 60):
        with acting_as(actor):
            for n in range(size):
                asset = make_asset(manager=None, name=f"Searchable {size}-{n}")
                asset.storage_location = f"Room {n}"
                asset.save()
        client.get("/audit/?q=Searchable")
        with django_assert_max_num_queries(20):
            response = client.get("/audit/?q=Searchable")
        assert len(response.context["rows"]) == min(
            50, client.get("/audit/?q=Searchable&count=1").context["event_count"]
        )
    assert AuditEntry.objects.count() > 60
