"""A paginator for very long lists (the audit trail, the access register).

Counting a million rows on every page view costs more than the page itself.
This paginator counts at most ``cap`` rows; beyond that the page says "more than".
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    object_list: QuerySet[Any]  # it pages querysets only: the count is the database's
    cap = 10_000

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.cap + 1].count()  # no sort needed to count

    @property
    def capped(self) -> bool:
        return self.count > self.cap
