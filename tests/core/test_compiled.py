"""``CompiledQuery`` answers as its queryset does, for any values, on every database, and refuses a
builder whose SQL it cannot safely reuse."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Count, Max, Q
from django.db.models.functions import Coalesce
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.core.compiled import CompiledQuery, concrete_attnames, from_row
from governance.core.expressions import AmongIds
from governance.register.models import InformationAsset
from tests.factories import BusinessAreaFactory, InformationAssetFactory

pytestmark = pytest.mark.django_db


def _by_area(name_start: str, *, before: datetime.date, since: datetime.datetime, above: int):
    """Assets due for review before a date, created since a time, with ids above a number, by area."""
    return (
        InformationAsset.objects.filter(name__startswith=name_start, pk__gt=above)
        .values("business_area_id")
        .annotate(
            due=Count("pk", filter=Q(next_review_date__lt=before)),
            new=Count("pk", filter=Q(created_at__gte=since)),
            latest=Coalesce(Max("next_review_date"), before),
        )
        .order_by("business_area_id")
    )


BY_AREA = CompiledQuery(_by_area, before=datetime.date, since=datetime.datetime, above=int)


@pytest.fixture
def assets():
    today = timezone.localdate()
    areas = [BusinessAreaFactory(), BusinessAreaFactory()]
    made = []
    for offset, area in zip((-30, -1, 0, 5, 40, 400), areas * 3, strict=True):
        made.append(
            InformationAssetFactory(
                name=f"Survey {offset}", business_area=area, next_review_date=today + datetime.timedelta(days=offset)
            )
        )
    InformationAssetFactory(name="Other", business_area=areas[0])
    return made


def test_rows_equal_the_querysets_for_many_values(assets):
    today = timezone.localdate()
    now = timezone.now()
    first = min(asset.pk for asset in assets)
    cases = [
        ("Survey", today, now - datetime.timedelta(days=1), 0),
        ("Survey", today + datetime.timedelta(days=41), now + datetime.timedelta(minutes=5), first),
        ("Survey", today - datetime.timedelta(days=365), now - datetime.timedelta(days=9), first + 2),
        ("Other", today + datetime.timedelta(days=1000), now, 0),
        ("Nothing", today, now, 0),
    ]
    for name, before, since, above in cases:
        expected = list(_by_area(name, before=before, since=since, above=above))
        assert BY_AREA.dicts(name, before=before, since=since, above=above) == expected, (name, before, since)
        assert BY_AREA.rows(name, before=before, since=since, above=above) == [tuple(row.values()) for row in expected]


def test_a_dates_column_comes_back_as_a_date(assets):
    """The database's converters are applied, as the queryset applies them (SQLite sends text)."""
    far = timezone.localdate() + datetime.timedelta(days=9999)
    rows = BY_AREA.dicts("Survey", before=far, since=timezone.now(), above=0)
    assert rows and all(isinstance(row["latest"], datetime.date) for row in rows)


def _due_between(*, after: datetime.date, until: datetime.date, above: int, upto: int):
    return (
        InformationAsset.objects.filter(next_review_date__gt=after, next_review_date__lte=until)
        .filter(pk__gt=above, pk__lte=upto)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


DUE_BETWEEN = CompiledQuery(_due_between, after=datetime.date, until=datetime.date, above=int, upto=int)


def test_two_parameters_of_one_kind_each_land_in_their_own_place(assets):
    """A period's start and end (two dates, two ids): each value goes where its own parameter is, not
    both where the first one is (which answered every period with nothing)."""
    today = timezone.localdate()
    first, last = min(asset.pk for asset in assets), max(asset.pk for asset in assets)
    cases = [
        (today - datetime.timedelta(days=31), today, 0, last),
        (today, today + datetime.timedelta(days=400), first, last - 1),
        (today - datetime.timedelta(days=2), today + datetime.timedelta(days=5), first + 1, last),
    ]
    for after, until, above, upto in cases:
        expected = [(pk,) for pk in _due_between(after=after, until=until, above=above, upto=upto)]
        assert expected, "each case finds assets"
        assert DUE_BETWEEN.rows(after=after, until=until, above=above, upto=upto) == expected


def _assets_from(*, first: int):
    columns = concrete_attnames(InformationAsset)
    return InformationAsset.objects.filter(pk__gte=first).order_by("pk").values_list(*columns)


ASSETS_FROM = CompiledQuery(_assets_from, first=int)


def test_instances_are_the_records_a_queryset_loads(assets):
    first = sorted(asset.pk for asset in assets)[2]
    loaded = ASSETS_FROM.instances(InformationAsset, first=first)
    expected = list(InformationAsset.objects.filter(pk__gte=first).order_by("pk"))
    assert loaded == expected
    for got, want in zip(loaded, expected, strict=True):
        assert [getattr(got, name) for name in concrete_attnames(InformationAsset)] == [
            getattr(want, name) for name in concrete_attnames(InformationAsset)
        ]
        assert not got._state.adding and got._state.db == "default"


def test_from_row_makes_the_instance_from_db_makes(assets):
    names = ("id", "name", "business_area_id")  # a few columns, the others deferred
    for asset in assets:
        values = (asset.pk, asset.name, asset.business_area_id)
        made, loaded = from_row(InformationAsset, names, values), InformationAsset.from_db("default", names, values)
        assert made.__dict__.keys() == loaded.__dict__.keys()
        assert [getattr(made, name) for name in names] == [getattr(loaded, name) for name in names]
        assert made.get_deferred_fields() == loaded.get_deferred_fields()
        assert (made._state.adding, made._state.db) == (False, "default")
        assert made.business_area == asset.business_area  # a relation is read as from any instance


def test_from_row_leaves_a_watched_model_to_its_init(assets):
    seen = []

    def watch(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(watch, sender=InformationAsset)
    try:
        made = from_row(InformationAsset, ("id", "name"), (assets[0].pk, assets[0].name))
    finally:
        post_init.disconnect(watch, sender=InformationAsset)
    assert seen == [made]


def _named(*, name: str):
    return InformationAsset.objects.filter(name=name).order_by("pk").values_list("pk", flat=True)


NAMED = CompiledQuery(_named, name=str)


def test_a_text_parameter_is_put_in_its_place(assets, django_assert_num_queries):
    for name in ("Survey 0", "Survey 40", "Other", "No such asset"):
        with django_assert_num_queries(1):
            got = NAMED.rows(name=name)
        assert [row[0] for row in got] == list(_named(name=name))


def test_each_set_of_fixed_arguments_is_compiled_apart(assets):
    today, now = timezone.localdate(), timezone.now()
    survey = BY_AREA.dicts("Survey", before=today, since=now, above=0)
    other = BY_AREA.dicts("Other", before=today, since=now, above=0)
    assert survey == list(_by_area("Survey", before=today, since=now, above=0))
    assert other == list(_by_area("Other", before=today, since=now, above=0))
    assert survey != other


def test_the_queryset_is_built_once_for_every_later_call(assets):
    built = []

    def build(*, before):
        built.append(before)
        return InformationAsset.objects.filter(next_review_date__lt=before).values("pk").order_by("pk")

    query = CompiledQuery(build, before=datetime.date)
    today = timezone.localdate()
    for days in range(5):
        day = today + datetime.timedelta(days=days * 10)
        assert query.dicts(before=day) == list(build(before=day))
    assert len(built) == 2 + 5  # twice to compile (two sentinels), then once per check above


def test_a_value_derived_in_python_is_refused():
    """``before + 1 day`` would be frozen at the first sentinel's value: refused, not answered wrongly."""
    derived = CompiledQuery(
        lambda *, before: InformationAsset.objects.filter(next_review_date__lt=before + datetime.timedelta(days=1)),
        before=datetime.date,
    )
    with pytest.raises(ImproperlyConfigured, match="derived"):
        derived.rows(before=timezone.localdate())


def test_wrong_parameters_are_refused():
    with pytest.raises(ImproperlyConfigured):
        CompiledQuery(lambda *, share: InformationAsset.objects.filter(pk__gt=share), share=float)
    with pytest.raises(TypeError):
        BY_AREA.rows("Survey", before=timezone.localdate())
    with pytest.raises(TypeError):
        BY_AREA.dicts("Survey", before=timezone.localdate())


def test_a_date_read_inside_the_builder_is_today_s_on_every_day(assets):
    """A selector that reads today's date for itself: the statement is compiled again the next day."""

    def build():
        return InformationAsset.objects.filter(next_review_date__lt=timezone.localdate()).values("pk").order_by("pk")

    query = CompiledQuery(build)
    today = timezone.localdate()
    with time_machine.travel(datetime.datetime.combine(today, datetime.time(12), tzinfo=datetime.UTC), tick=False):
        assert query.dicts() == list(build())
        first = len(query.dicts())
    with time_machine.travel(
        datetime.datetime.combine(today + datetime.timedelta(days=41), datetime.time(12), tzinfo=datetime.UTC),
        tick=False,
    ):
        assert query.dicts() == list(build())
        assert len(query.dicts()) > first


def test_a_list_of_ids_is_one_array_on_postgresql_and_built_each_time_elsewhere(assets):
    """On PostgreSQL the ids go as one parameter, so any number of them reuses the statement; SQLite
    spreads them over a placeholder each, so there the queryset is built for each call."""
    built = []

    def build(*, ids, before):
        built.append(len(ids))
        return (
            InformationAsset.objects.filter(AmongIds("pk", ids), next_review_date__lt=before)
            .values_list("pk", "name")
            .order_by("pk")
        )

    query = CompiledQuery(build, ids=list, before=datetime.date)
    far = timezone.localdate() + datetime.timedelta(days=1000)
    pks = [asset.pk for asset in assets]
    for chosen in (pks[:1], pks[1:4], pks, [], [10**9]):
        expected = list(
            InformationAsset.objects.filter(pk__in=chosen, next_review_date__lt=far).values_list("pk", "name")
        )
        assert query.rows(ids=chosen, before=far) == sorted(expected)
        assert query.dicts(ids=chosen, before=far) == [{"pk": pk, "name": name} for pk, name in sorted(expected)]
    compiled_once = connection.vendor == "postgresql"
    assert len(built) == 2 + (0 if compiled_once else 10)  # two builds to compile, then one a call elsewhere


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statements are prepared on PostgreSQL only")
def test_a_compiled_statement_is_prepared_from_its_second_run_and_answers_the_same(assets):
    """Planned once per connection, not on every view: prepared on its second run, with the same rows
    for other values afterwards."""
    today, now = timezone.localdate(), timezone.now()
    first = min(asset.pk for asset in assets)
    BY_AREA.rows("Survey", before=today, since=now, above=0)
    assert not [s for s in _prepared_statements() if "governance_informationasset" in s]
    for above in (0, first, first + 3):
        expected = [tuple(row.values()) for row in _by_area("Survey", before=today, since=now, above=above)]
        assert BY_AREA.rows("Survey", before=today, since=now, above=above) == expected
    assert [s for s in _prepared_statements() if "governance_informationasset" in s and "$1" in s]
    with CaptureQueriesContext(connection) as captured:  # logged with its text, prepared or not
        BY_AREA.rows("Survey", before=today, since=now, above=0)
    assert "governance_informationasset" in captured.captured_queries[0]["sql"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statements are prepared on PostgreSQL only")
def test_nothing_compiled_is_prepared_behind_a_pooler_in_transaction_mode(assets, monkeypatch):
    """Behind PgBouncer in transaction mode a statement prepared on one server connection could be missing on
    the next transaction's: compiled statements are then sent unprepared, and answer the same."""
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    today, now = timezone.localdate(), timezone.now()
    expected = [tuple(row.values()) for row in _by_area("Survey", before=today, since=now, above=0)]
    for _ in range(3):
        assert BY_AREA.rows("Survey", before=today, since=now, above=0) == expected
    assert not [s for s in _prepared_statements() if "governance_informationasset" in s]


def _in_areas(areas: tuple[int, ...], *, above: int):
    return InformationAsset.objects.filter(business_area_id__in=areas, pk__gt=above).values("pk")


IN_AREAS = CompiledQuery(_in_areas, above=int)


def test_a_subquery_filters_as_its_queryset_does_built_once_per_set_of_fixed_arguments(assets):
    """Part of another query (``pk__in=``), the compiled SQL with the values in their places selects what
    the queryset built for those values selects, and is built only the first time for each fixed set."""
    areas = sorted({asset.business_area_id for asset in assets})
    pks = sorted(asset.pk for asset in assets)
    for fixed in ((areas[0],), tuple(areas), (10**9,)):
        for above in (0, pks[2], pks[-1]):
            found = InformationAsset.objects.filter(pk__in=IN_AREAS.subquery(fixed, above=above))
            expected = InformationAsset.objects.filter(pk__in=_in_areas(fixed, above=above))
            assert sorted(found.values_list("pk", flat=True)) == sorted(expected.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as captured:
        IN_AREAS.subquery(tuple(areas), above=pks[1])
    assert captured.captured_queries == []


def test_a_subquery_of_a_list_is_the_queryset_itself_where_lists_are_spread(assets):
    query = CompiledQuery(lambda *, ids: InformationAsset.objects.filter(AmongIds("pk", ids)).values("pk"), ids=list)
    pks = [asset.pk for asset in assets][:2]
    found = query.subquery(ids=pks)
    assert sorted(InformationAsset.objects.filter(pk__in=found).values_list("pk", flat=True)) == sorted(pks)
    assert (connection.vendor == "postgresql") != hasattr(found, "query")
