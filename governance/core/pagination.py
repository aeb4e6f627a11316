"""Paginators for very long lists (the audit trail, the access register), and lists read ids first.

Counting a million rows on every page view costs more than the page itself.
``CappedPaginator`` counts at most ``cap`` rows; beyond that the page says "more
than". ``UncountedPaginator`` does not count at all: previous and next only.
``CountedIdsMixin`` reads a page's ids and the count of every match in one statement.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, QuerySet, Window
from django.utils.functional import cached_property
from django.views.generic.list import MultipleObjectMixin

from governance.core.http import AuthenticatedHttpRequest


class CappedPaginator(Paginator):
    object_list: QuerySet[Any]  # it pages querysets only: the count is the database's
    cap = 10_000

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.cap + 1].count()  # no sort needed to count

    @property
    def capped(self) -> bool:
        return self.count > self.cap


class UncountedPage(Page):
    """A page that knows whether a next page exists by having read one row more, not by a count."""

    paginator: UncountedPaginator

    def __init__(self, object_list: list[Any], number: int, paginator: UncountedPaginator, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    def has_previous(self) -> bool:
        return self.number > 1

    def next_page_number(self) -> int:
        if not self.more:
            raise EmptyPage("That page contains no results")
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.paginator.validate_number(self.number - 1)

    def start_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + 1 if self.object_list else 0

    def end_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)


class UncountedPaginator(Paginator):
    """Pages through a list without counting it: previous and next, never "page 3 of 4,000".

    For the audit explorer, where even a capped count reads thousands of entries (and
    checks each is its action's newest) before the page's 50 are read: the count grew
    with the trail and cost most of the page. A page reads ``per_page + 1`` rows, and
    the extra row says whether there is a next page. Asking for the number of pages
    (``?page=last``) is refused as a page that does not exist.
    """

    object_list: QuerySet[Any]
    uncounted = True

    def validate_number(self, number: Any) -> int:
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        return number

    def page(self, number: Any) -> UncountedPage:
        number = self.validate_number(number)
        offset = (number - 1) * self.per_page
        rows = list(self.object_list[offset : offset + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage("That page contains no results")
        return UncountedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)

    @property
    def count(self) -> int:  # type: ignore[override]
        raise EmptyPage("An uncounted list has no count")

    @property
    def num_pages(self) -> int:  # type: ignore[override]
        raise EmptyPage("An uncounted list has no last page")


class CountedIdsMixin(MultipleObjectMixin):
    """For a list that reads its page's ids first, sorted from the few columns its order needs, and
    then those rows whole: ``paginate_ids`` gives the page's ids and the count of every match from one
    statement (a window count over the sorted ids), where the count was a statement of its own,
    planned and sent apart, before the ids'.

    An empty first page means nothing matched. A page asked as anything but a plain number ("last"),
    one past the end (a page of 2 or more that holds nothing needs the count to say so) and a list
    that merges orphans into its last page are answered by Django's paging, as before.
    """

    request: AuthenticatedHttpRequest  # as every page's (``PolicyMixin``): the lists are behind sign-in
    kwargs: dict[str, Any]

    def paginate_ids(self, queryset: QuerySet, page_size: int) -> tuple[Paginator, Page, list[Any], bool]:
        ids_only = queryset.values_list("pk", flat=True)
        number = str(self.kwargs.get(self.page_kwarg) or self.request.GET.get(self.page_kwarg) or "1")
        if number.isdigit() and int(number) >= 1 and not self.get_paginate_orphans():
            offset = (int(number) - 1) * page_size
            found = list(ids_only.values_list("pk", Window(Count("pk")))[offset : offset + page_size])
            if found or not offset:
                paginator = self.get_paginator(ids_only, page_size, allow_empty_first_page=self.get_allow_empty())
                paginator.count = found[0][1] if found else 0  # the cached count, set rather than asked
                page = paginator.page(int(number))
                ids = [pk for pk, _total in found]
                page.object_list = ids
                return paginator, page, ids, page.has_other_pages()
        paginator, page, listed, is_paginated = MultipleObjectMixin.paginate_queryset(self, ids_only, page_size)
        return paginator, page, list(listed), is_paginated
