"""Marking the words someone searched for in the text of a result."""

from __future__ import annotations

import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Tags and character references are never split by a mark; only the text between them is searched.
_MARKUP = re.compile(r"(<[^>]*>|&#?\w+;)")


@register.filter
def mark_words(html, words) -> SafeString:
    """``html`` (escaped, or escaped here) with each of ``words`` wrapped in ``<mark>``, case-insensitively."""
    html = str(conditional_escape(html))
    if not words:
        return mark_safe(html)  # noqa: S308 - escaped above
    pattern = re.compile("|".join(re.escape(str(conditional_escape(w))) for w in words), re.IGNORECASE)
    parts = _MARKUP.split(html)
    for i in range(0, len(parts), 2):  # even indexes are text, odd ones markup
        parts[i] = pattern.sub(lambda m: f'<mark class="app-mark">{m.group(0)}</mark>', parts[i])
    return mark_safe("".join(parts))  # noqa: S308 - built from escaped text and our own tags
