"""``AmongIds`` selects the rows ``__in`` selects, on every database, with one parameter on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from governance.core.expressions import AmongIds
from governance.core.models import BusinessArea
from tests.factories import BusinessAreaFactory

pytestmark = pytest.mark.django_db


def test_the_rows_are_those_in_the_list():
    areas = [BusinessAreaFactory() for _ in range(4)]
    wanted = [areas[0].pk, areas[2].pk, 10**9]
    found = BusinessArea.objects.filter(AmongIds("pk", wanted)).values_list("pk", flat=True)
    assert sorted(found) == sorted(BusinessArea.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    assert sorted(found) == [areas[0].pk, areas[2].pk]


def test_an_empty_list_selects_nothing():
    BusinessAreaFactory()
    assert list(BusinessArea.objects.filter(AmongIds("pk", []))) == []


def test_postgresql_gets_the_ids_as_one_array():
    sql, params = BusinessArea.objects.filter(AmongIds("pk", [1, 2, 3])).query.sql_with_params()
    if connection.vendor == "postgresql":
        assert '"id" = ANY(%s)' in sql and params[-1] == [1, 2, 3]
    else:
        assert "IN (%s, %s, %s)" in sql
