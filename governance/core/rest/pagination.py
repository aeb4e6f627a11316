"""Cursor pagination: stable under inserts, and no COUNT over a million audit entries."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class NewestFirstCursorPagination(CursorPagination):
    ordering: str | tuple[str, ...] = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
