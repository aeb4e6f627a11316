"""Who may see and do what with statistical releases.

Unpublished statistics are restricted: a release in preparation is seen by its
author, the people who sign releases off (the Chief Statistician and the
disclosure-control role), the IAMs of the assets it draws on and their Deputy
SIROs, and organisation-wide oversight (SIRO, auditors, administrators).

The methodology is not published, so the rule parameters, the raw tables and the
reason each cell was protected are shown only to the disclosure-control role and
to auditors (``sees_method``); everybody else sees pass, fail and the protected
table.
"""

from __future__ import annotations

import copy
from typing import TypeGuard

from governance.core.models import OfficeHolder, User
from governance.core.policy import has_oversight, holds_office, in_group, is_member, oversees_area
from governance.core.roles import AUDITORS, DISCLOSURE_CONTROL, STATISTICIANS
from governance.disclosure import CheckResult
from governance.releases.models import OutputTable, ReleaseSource, StatisticalRelease


def is_chief_statistician(user: User) -> bool:
    return holds_office(user, OfficeHolder.Office.CHIEF_STATISTICIAN)


def is_disclosure_officer(user: User) -> bool:
    return in_group(user, DISCLOSURE_CONTROL)


def can_create(user: User) -> bool:
    return user.is_authenticated and user.is_active and (in_group(user, STATISTICIANS) or is_chief_statistician(user))


def sees_method(user: User) -> bool:
    """The rule parameters, raw tables and per-cell reasons: disclosure control and auditors only."""
    return user.is_authenticated and user.is_active and (is_disclosure_officer(user) or in_group(user, AUDITORS))


def can_see_disclosure_record(user: User, release: StatisticalRelease) -> bool:
    """The machine-readable disclosure record is methodology: disclosure control and auditors, on a release they see."""
    return sees_method(user) and can_view(user, release)


def can_manage_rules(user: User) -> bool:
    return user.is_authenticated and user.is_active and is_disclosure_officer(user)


def can_download_raw(user: User, release: StatisticalRelease) -> bool:
    """The raw table leaves the portal only to the disclosure-control role."""
    return can_manage_rules(user) and can_view(user, release)


def can_exchange_jj(user: User, release: StatisticalRelease) -> bool:
    """A table's protection problem and pattern in the JJ format (for tau-ARGUS or sdcTable): it holds the
    raw values, protection levels and which cells are unsafe, so only the disclosure-control role."""
    return can_download_raw(user, release)


def can_tune_protection(user: User, release: StatisticalRelease) -> bool:
    """How one table is protected: a pattern of hidden cells chosen elsewhere (a JJ file), audited here
    before it replaces the check, what its secondary suppression minimises, or what is stated a priori
    about its cells. The disclosure-control role, on a release it may see that is not yet out."""
    return can_exchange_jj(user, release) and not release.is_released


def _is_signer(user: User) -> bool:
    return is_chief_statistician(user) or is_disclosure_officer(user)


def can_view(user: User, release: StatisticalRelease) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if release.author_id == user.pk or _is_signer(user) or has_oversight(user):
        return True
    sources = [source.asset for source in _sources(release)]
    return any(asset.manager_id == user.pk or oversees_area(user, asset.business_area) for asset in sources)


def _sources(release: StatisticalRelease) -> list[ReleaseSource]:
    cached = getattr(release, "_source_rows", None)
    if cached is None:
        cached = list(ReleaseSource.objects.filter(release=release).select_related("asset__business_area"))
        release._source_rows = cached
    return cached


def can_edit(user: User, release: StatisticalRelease) -> bool:
    """The author changes sources and tables until the release is out."""
    return user.is_authenticated and user.is_active and release.author_id == user.pk and not release.is_released


def preparers(release: StatisticalRelease) -> set[int]:
    """Who prepared the release's tables: its author, and whoever uploaded or checked each table."""
    cached = release.__dict__.get("_preparers")
    if cached is None:
        rows = OutputTable.objects.filter(release=release).values_list("uploaded_by_id", "checked_by_id")
        cached = {release.author_id, *(pk for row in rows for pk in row if pk is not None)}
        release.__dict__["_preparers"] = cached
    return cached


def release_as_checked_by(release: StatisticalRelease, user: User) -> StatisticalRelease:
    """The release as it is once ``user`` checked one of its tables (not saved)."""
    checked = copy.copy(release)
    checked.__dict__["_preparers"] = preparers(release) | {user.pk}
    return checked


def can_sign_off(user: User, release: StatisticalRelease) -> bool:
    """A second person: the Chief Statistician or a disclosure-control officer who neither prepared
    the release nor uploaded or checked any of its tables."""
    return (
        user.is_authenticated
        and user.is_active
        and _is_signer(user)
        and not release.is_released
        and user.pk not in preparers(release)
    )


def can_mark_released(user: User, release: StatisticalRelease) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and (release.author_id == user.pk or is_chief_statistician(user))
        and not release.is_released
    )


def can_view_releases(user: User) -> bool:
    """Everyone opens the list; it holds only the releases they may see."""
    return is_member(user)


def can_check(user: User, release: StatisticalRelease) -> bool:
    """The author, or a person who signs releases off, runs a table's check again (who checks a
    table then no longer signs the release off: ``can_sign_off``)."""
    return can_edit(user, release) or (
        user.is_authenticated
        and user.is_active
        and release.author_id != user.pk
        and _is_signer(user)
        and not release.is_released
    )


def table_publishable(result: CheckResult | None, current: bool) -> TypeGuard[CheckResult]:
    """A table's protected cells are shown or downloaded only once it passed under the rules in force."""
    return result is not None and result.passed and current


def can_see_cells(user: User, result: CheckResult | None, current: bool) -> bool:
    """The cells of a check: disclosure control and auditors always (with reasons); others once publishable."""
    return sees_method(user) or table_publishable(result, current)
