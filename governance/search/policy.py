"""Who may search: every member of staff. What each finds is each kind's own selector's answer."""

from __future__ import annotations

from governance.core.policy import is_member


def can_search(user) -> bool:
    return is_member(user)
