"""A paginator for very long lists (the audit trail, the access register).

Counting a million rows on every page view costs more than the page itself.
This paginator counts at most ``cap`` rows; beyond that the page says "more than".
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    cap = 10_000

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.cap + 1].count()  # no sort needed to count

    @property
    def capped(self) -> bool:
        return self.count > self.cap
