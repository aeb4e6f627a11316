"""The search page: every kind's matches grouped with their counts, or one kind's matches page by page."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.views.generic import TemplateView

from governance.core.views.mixins import PolicyMixin
from governance.search import policy
from governance.search.kinds import BY_KEY, KINDS
from governance.search.results import clean_text, search_everything


class SearchView(PolicyMixin, TemplateView):
    template_name = "search/results.html"
    permission = policy.can_search
    per_page = 25

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        text = clean_text(self.request.GET.get("q"))
        kind = BY_KEY.get(self.request.GET.get("kind", ""))
        context.update(query=text, search_query=text, kind=kind, kinds=KINDS)
        if not text:
            return context
        if kind is None:
            groups = search_everything(user, text)
            context["groups"] = groups
            context["total"] = sum(group.count for group in groups)
            return context
        paginator = Paginator(kind.search(user, text), self.per_page)
        page = paginator.get_page(self.request.GET.get("page"))
        context.update(
            page_obj=page,
            paginator=paginator,
            is_paginated=page.has_other_pages(),
            results=[kind.describe(row) for row in page.object_list],
            total=paginator.count,
        )
        return context
