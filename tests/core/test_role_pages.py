"""Who gets what, page by page: every named URL, every role, GET and POST, own record and another's.

The expectations are one table, ``ROWS``, keyed by URL name. A row says which
record the URL names (``on``, URL keyword = record kind in ``role_pages_world``)
and, for GET and POST, which roles get which answer; every signed-in role not
listed is refused (403), the anonymous and those without a verified second factor
are sent to sign in. ``other_get``/``other_post`` give the answers on another
person's record (in another area); left out, they are the same as on one's own.

POSTs are sent empty: a form page answers 200 with its errors, an action answers
302. Every request runs in a savepoint that is rolled back, so no answer changes
the next. A named URL without a row fails ``test_every_named_url_has_a_row``.

The table asks who may do what, which the views and their rules answer the same way on either
database: CI runs it once, in the PostgreSQL pass, the production database's (``role_table``),
as it runs the browser tests; the README's test command runs it on SQLite too.

Each named URL is one test, ``test_page[<name>]``, so that pytest-xdist spreads the
table over its workers; the world they ask about is built once per module (``table``).

To add a page: add one line to ``ROWS`` (``ROLE_TABLE_RECORD=1`` prints what every
role got on every page, in this table's syntax, to check a new row against).
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.signals import got_request_exception
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import sign_in_verified
from tests.core.role_pages_world import ALL_ROLES, ANONYMOUS, ROLES, UNVERIFIED, World, build_world

pytestmark = pytest.mark.role_table

LOGIN = "login"  # a redirect to the sign-in page
STAFF, HANDLER, IAM, DEPUTY, SIRO, CHIEF = "staff", "data_handler", "iam", "deputy_siro", "siro", "chief_statistician"
STAT, SDC, CM, AUDITOR, ADMIN = "statistician", "disclosure_control", "contract_manager", "auditor", "administrator"
INCIDENT, DPO = "incident_handler", "dpo"
RESEARCHER = "researcher"  # a contract's researcher, outside the department

EVERYONE = frozenset(ROLES) - {RESEARCHER}  # every member of staff
PEOPLE = frozenset(ROLES)  # staff and researchers: pages about the portal, open ones and one's own account
OVERSIGHT = frozenset({SIRO, AUDITOR, ADMIN})  # organisation-wide oversight


def roles(*names) -> frozenset[str]:
    found: set[str] = set()
    for name in names:
        found |= {name} if isinstance(name, str) else set(name)
    return frozenset(found)


@dataclass(frozen=True)
class Row:
    """The answers for one named URL. ``get``/``post`` map a status to the roles that get it; the rest get 403."""

    on: str = ""  # "pk=asset,item_pk=item": the URL's keywords and the records they name
    get: dict = field(default_factory=dict)
    post: dict = field(default_factory=dict)
    other_get: dict | None = None
    other_post: dict | None = None
    public: dict | None = None  # answers for the anonymous and the unverified, when not LOGIN

    def answer(self, role: str, method: str, other: bool) -> int | str:
        if role in (ANONYMOUS, UNVERIFIED):
            return (self.public or {}).get(f"{role}:{method}", LOGIN)
        table = self.get if method == "GET" else self.post
        if other:
            table = self.other_get if method == "GET" and self.other_get is not None else table
            table = self.other_post if method == "POST" and self.other_post is not None else table
        for status, holders in table.items():
            if role in holders:
                return status
        return 403


# fmt: off
# SCIM provisioning opens with a SCIM token only: every session and the anonymous get its 401.
SCIM_ROW = Row(get={401: EVERYONE}, post={401: EVERYONE}, public={"anonymous:GET": 401, "anonymous:POST": 401})

ROWS: dict[str, Row] = {
    "about": Row(get={200: PEOPLE}, post={405: PEOPLE}),
    "access:data": Row(
        "asset_pk=asset",
        get={200: roles(STAFF)},
        post={405: roles(STAFF)},
        other_get={},
        other_post={},
    ),
    "access:decisions": Row(get={200: EVERYONE}, post={405: EVERYONE}),
    "access:extract": Row(
        "asset_pk=asset",
        get={302: roles(STAFF)},
        post={405: roles(STAFF)},
        other_get={},
        other_post={},
    ),
    "access:extract-upload": Row(
        "asset_pk=asset",
        get={200: roles(IAM, DEPUTY, ADMIN)},
        post={200: roles(IAM, DEPUTY, ADMIN)},
        other_get={200: roles(ADMIN)},
        other_post={200: roles(ADMIN)},
    ),
    "access:grant": Row(
        "pk=grant",
        get={200: roles(STAFF, IAM, DEPUTY, SIRO, AUDITOR, ADMIN)},
        post={405: roles(STAFF, IAM, DEPUTY, SIRO, AUDITOR, ADMIN)},
        other_get={200: roles(SIRO, AUDITOR, ADMIN)},
        other_post={405: roles(SIRO, AUDITOR, ADMIN)},
    ),
    "access:grant-revoke": Row(
        "pk=grant",
        get={200: roles(IAM, DEPUTY, ADMIN)},
        post={200: roles(IAM, DEPUTY, ADMIN)},
        other_get={200: roles(ADMIN)},
        other_post={200: roles(ADMIN)},
    ),
    "access:grant-restore": Row(
        "pk=suspended_grant",
        get={200: roles(IAM, DEPUTY, SIRO, INCIDENT, ADMIN)},
        post={200: roles(IAM, DEPUTY, SIRO, INCIDENT, ADMIN)},
        other_get={200: roles(SIRO, INCIDENT, ADMIN)},
        other_post={200: roles(SIRO, INCIDENT, ADMIN)},
    ),
    "access:grants": Row(get={200: EVERYONE}, post={405: EVERYONE}),
    "access:your-grants": Row(get={200: {IAM}}, post={405: {IAM}}),
    "access:campaigns": Row(get={200: {IAM}}, post={405: {IAM}}),
    "access:campaign": Row("pk=campaign", get={200: {IAM}}, post={200: {IAM}}, other_get={}, other_post={}),
    "access:campaign-progress": Row(
        get={200: roles(DEPUTY, SIRO, AUDITOR, ADMIN)}, post={405: roles(DEPUTY, SIRO, AUDITOR, ADMIN)}
    ),
    "access:mine": Row(get={200: EVERYONE}, post={405: EVERYONE}),
    "access:register": Row(get={200: roles(SIRO, AUDITOR, ADMIN)}, post={405: roles(SIRO, AUDITOR, ADMIN)}),
    "access:request": Row(
        "pk=request",
        get={200: roles(STAFF, IAM, DEPUTY, SIRO, AUDITOR, ADMIN)},
        post={405: roles(STAFF, IAM, DEPUTY, SIRO, AUDITOR, ADMIN)},
        other_get={200: roles(SIRO, AUDITOR, ADMIN)},
        other_post={405: roles(SIRO, AUDITOR, ADMIN)},
    ),
    "access:request-approve": Row(
        "pk=request",
        get={302: roles(STAFF, IAM, DEPUTY, SIRO, AUDITOR, ADMIN)},
        post={200: roles(DEPUTY)},
        other_get={302: roles(SIRO, AUDITOR, ADMIN)},
        other_post={},
    ),
    "access:request-create": Row("asset_pk=asset", get={200: EVERYONE}, post={200: EVERYONE}),
    "access:request-decide": Row(
        "pk=request",
        get={302: roles(STAFF, IAM, DEPUTY, SIRO, AUDITOR, ADMIN)},
        post={200: roles(IAM)},
        other_get={302: roles(SIRO, AUDITOR, ADMIN)},
        other_post={},
    ),
    "access:request-edit": Row(
        "request_pk=draft",
        get={200: roles(STAFF)},
        post={200: roles(STAFF)},
        other_get={},
        other_post={},
    ),
    "access:request-submit": Row(
        "pk=draft",
        get={405: roles(STAFF, IAM, DEPUTY, SIRO, AUDITOR, ADMIN)},
        post={302: roles(STAFF)},
        other_get={405: roles(SIRO, AUDITOR, ADMIN)},
        other_post={},
    ),
    "access:request-withdraw": Row(
        "pk=request",
        get={200: roles(STAFF, IAM, DEPUTY, SIRO, AUDITOR, ADMIN)},
        post={200: roles(STAFF)},
        other_get={200: roles(SIRO, AUDITOR, ADMIN)},
        other_post={},
    ),
    "access:requests": Row(get={200: EVERYONE}, post={405: EVERYONE}),
    "access:review": Row(
        "pk=review",
        get={200: roles(IAM, DEPUTY, ADMIN)},
        post={200: roles(IAM, DEPUTY, ADMIN)},
        other_get={200: roles(ADMIN)},
        other_post={200: roles(ADMIN)},
    ),
    "access:reviews": Row(get={200: EVERYONE}, post={405: EVERYONE}),
    # The accessibility statement opens before sign-in: someone who cannot sign in must be able to read it.
    "accessibility": Row(
        get={200: PEOPLE},
        post={405: PEOPLE},
        public={"anonymous:GET": 200, "anonymous:POST": 405, "unverified:GET": 200, "unverified:POST": 405},
    ),
    "areas:create": Row(get={200: roles(ADMIN)}, post={200: roles(ADMIN)}),
    "areas:delete": Row("pk=area", get={200: roles(ADMIN)}, post={200: roles(ADMIN)}),
    "areas:detail": Row("pk=area", get={200: EVERYONE}, post={405: EVERYONE}),
    "areas:edit": Row("pk=area", get={200: roles(ADMIN)}, post={200: roles(ADMIN)}),
    "areas:list": Row(get={200: EVERYONE}, post={405: EVERYONE}),
    "assets:accountability": Row(
        get={200: roles(DEPUTY, SIRO, AUDITOR, ADMIN)},
        post={405: roles(DEPUTY, SIRO, AUDITOR, ADMIN)},
    ),
    "assets:create": Row(get={200: roles(DEPUTY, ADMIN)}, post={200: roles(DEPUTY, ADMIN)}),
    "assets:detail": Row("pk=asset", get={200: EVERYONE}, post={405: EVERYONE}),
    "assets:edit": Row(
        "pk=asset",
        get={200: roles(IAM, DEPUTY, ADMIN)},
        post={200: roles(IAM, DEPUTY, ADMIN)},
        other_get={200: roles(ADMIN)},
        other_post={200: roles(ADMIN)},
    ),
    "assets:export": Row(get={200: EVERYONE}, post={405: EVERYONE}),
    "assets:history": Row("pk=asset", get={200: EVERYONE}, post={405: EVERYONE}),
    "assets:import": Row(get={200: roles(IAM, DEPUTY, ADMIN)}, post={200: roles(IAM, DEPUTY, ADMIN)}),
    "assets:item-create": Row(
        "pk=asset",
        get={200: roles(IAM, DEPUTY, ADMIN)},
        post={200: roles(IAM, DEPUTY, ADMIN)},
        other_get={200: roles(ADMIN)},
        other_post={200: roles(ADMIN)},
    ),
    "assets:item-delete": Row(
        "pk=asset,item_pk=item",
        get={200: roles(IAM, DEPUTY, ADMIN)},
        post={302: roles(IAM, DEPUTY, ADMIN)},
        other_get={200: roles(ADMIN)},
        other_post={302: roles(ADMIN)},
    ),
    "assets:item-edit": Row(
        "pk=asset,item_pk=item",
        get={200: roles(IAM, DEPUTY, ADMIN)},
        post={200: roles(IAM, DEPUTY, ADMIN)},
        other_get={200: roles(ADMIN)},
        other_post={200: roles(ADMIN)},
    ),
    "assets:list": Row(get={200: EVERYONE}, post={405: EVERYONE}),
    "assets:reassign": Row(
        "pk=asset",
        get={200: roles(DEPUTY, ADMIN)},
        post={302: roles(DEPUTY, ADMIN)},
        other_get={200: roles(ADMIN)},
        other_post={302: roles(ADMIN)},
    ),
    "assets:review": Row(
        "pk=asset",
        get={200: roles(IAM, DEPUTY, ADMIN)},
        post={200: roles(IAM, DEPUTY, ADMIN)},
        other_get={200: roles(ADMIN)},
        other_post={200: roles(ADMIN)},
    ),
    "assurance:mine": Row(get={200: EVERYONE}, post={405: EVERYONE}),
    "assurance:report": Row("pk=round", get={200: OVERSIGHT}, post={405: OVERSIGHT}),
    "assurance:report-csv": Row("pk=round", get={200: OVERSIGHT}, post={405: OVERSIGHT}),
    "assurance:report-pdf": Row("pk=round", get={200: OVERSIGHT}, post={405: OVERSIGHT}),
    "assurance:report-sign": Row("pk=round", get={200: roles(SIRO)}, post={200: roles(SIRO)}),
    "assurance:return": Row(
        "pk=return",
        get={200: roles(IAM, DEPUTY, OVERSIGHT)},
        post={405: roles(IAM, DEPUTY, OVERSIGHT)},
        other_get={200: OVERSIGHT},
        other_post={405: OVERSIGHT},
    ),
    "assurance:return-accept": Row("pk=return"),  # unsigned: nobody decides it yet
    "assurance:return-correct": Row("pk=return"),  # unsigned: nothing to correct
    "assurance:return-send-back": Row("pk=return"),  # unsigned: nobody decides it yet
    "assurance:return-sign": Row(
        "pk=return", get={200: roles(IAM)}, post={200: roles(IAM)}, other_get={}, other_post={}
    ),
    "assurance:risk-create": Row(
        "pk=asset",
        get={200: roles(IAM, DEPUTY, ADMIN)},
        post={200: roles(IAM, DEPUTY, ADMIN)},
        other_get={200: roles(ADMIN)},
        other_post={200: roles(ADMIN)},
    ),
    "assurance:risk-edit": Row(
        "pk=risk",
        get={200: roles(IAM, DEPUTY, ADMIN)},
        post={200: roles(IAM, DEPUTY, ADMIN)},
        other_get={200: roles(ADMIN)},
        other_post={200: roles(ADMIN)},
    ),
    "assurance:risks": Row(get={200: roles(DEPUTY, OVERSIGHT)}, post={405: roles(DEPUTY, OVERSIGHT)}),
    "assurance:round": Row("pk=round", get={200: roles(DEPUTY, OVERSIGHT)}, post={405: roles(DEPUTY, OVERSIGHT)}),
    "assurance:round-open": Row(get={200: roles(SIRO)}, post={200: roles(SIRO)}),
    "assurance:rounds": Row(get={200: roles(DEPUTY, OVERSIGHT)}, post={405: roles(DEPUTY, OVERSIGHT)}),
    "audit:explorer": Row(get={200: roles(SIRO, AUDITOR, ADMIN)}, post={405: roles(SIRO, AUDITOR, ADMIN)}),
    "audit:verifications": Row(get={200: roles(SIRO, AUDITOR, ADMIN)}, post={302: roles(SIRO, AUDITOR, ADMIN)}),
    "contracts:asset-add": Row("pk=contract", get={200: roles(CM)}, post={200: roles(CM)}, other_get={}, other_post={}),
    "contracts:asset-items": Row(
        "pk=contract,row=contract_asset",
        get={200: roles(CM)},
        post={200: roles(CM)},
        other_get={},
        other_post={},
    ),
    "contracts:asset-remove": Row(
        "pk=contract,row=contract_asset",
        get={200: roles(CM)},
        post={302: roles(CM)},
        other_get={},
        other_post={},
    ),
    "contracts:asset-review": Row(
        "pk=contract,row=contract_asset",
        get={200: roles(IAM)},
        post={200: roles(IAM)},
        other_get={},
        other_post={},
    ),
    "contracts:assurance": Row(
        "pk=contract,kind=assurance_kind",
        get={200: roles(CM)},
        post={200: roles(CM)},
        other_get={},
        other_post={},
    ),
    "contracts:calendar": Row(get={200: EVERYONE}, post={405: EVERYONE}),
    "contracts:calendar-export": Row(get={200: EVERYONE}, post={405: EVERYONE}),
    "contracts:calendar-feed": Row(
        "token=feed_token",
        get={200: PEOPLE},
        post={405: PEOPLE},
        public={'anonymous:GET': 200, 'anonymous:POST': 405, 'unverified:GET': 200, 'unverified:POST': 405},
    ),
    "contracts:calendar-feed-settings": Row(get={200: roles(CM)}, post={200: roles(CM)}),
    "contracts:certificate": Row(
        "pk=contract",
        get={200: roles(CM)},
        post={200: roles(CM)},
        other_get={},
        other_post={},
    ),
    "contracts:create": Row(get={200: roles(CM)}, post={200: roles(CM)}),
    "contracts:detail": Row(
        "pk=contract",
        get={200: roles(IAM, DEPUTY, SIRO, CM, AUDITOR, ADMIN)},
        post={405: roles(IAM, DEPUTY, SIRO, CM, AUDITOR, ADMIN)},
        other_get={200: roles(SIRO, AUDITOR, ADMIN)},
        other_post={405: roles(SIRO, AUDITOR, ADMIN)},
    ),
    "contracts:document": Row(
        "pk=contract,document=document",
        get={200: roles(IAM, DEPUTY, SIRO, CM, AUDITOR, ADMIN)},
        post={405: roles(IAM, DEPUTY, SIRO, CM, AUDITOR, ADMIN)},
        other_get={200: roles(SIRO, AUDITOR, ADMIN)},
        other_post={405: roles(SIRO, AUDITOR, ADMIN)},
    ),
    "contracts:edit": Row("pk=contract", get={200: roles(CM)}, post={200: roles(CM)}, other_get={}, other_post={}),
    "contracts:review-outcome": Row(
        "pk=contract", get={200: roles(CM)}, post={200: roles(CM)}, other_get={}, other_post={}
    ),
    "contracts:export": Row(get={200: EVERYONE}, post={405: EVERYONE}),
    "contracts:extension": Row(
        "pk=contract,extension=extension",
        get={200: roles(IAM, DEPUTY, SIRO, CM, AUDITOR, ADMIN)},
        post={200: roles(IAM, CM)},
        other_get={200: roles(SIRO, AUDITOR, ADMIN)},
        other_post={},
    ),
    "contracts:extension-create": Row(
        "pk=contract",
        get={200: roles(CM)},
        post={200: roles(CM)},
        other_get={},
        other_post={},
    ),
    "contracts:history": Row(
        "pk=contract",
        get={200: roles(IAM, DEPUTY, SIRO, CM, AUDITOR, ADMIN)},
        post={405: roles(IAM, DEPUTY, SIRO, CM, AUDITOR, ADMIN)},
        other_get={200: roles(SIRO, AUDITOR, ADMIN)},
        other_post={405: roles(SIRO, AUDITOR, ADMIN)},
    ),
    "contracts:list": Row(get={200: EVERYONE}, post={405: EVERYONE}),
    "contracts:manager": Row(
        "pk=contract",
        get={200: roles(CM, ADMIN)},
        post={200: roles(CM, ADMIN)},
        other_get={200: roles(ADMIN)},
        other_post={200: roles(ADMIN)},
    ),
    "contracts:organisation-create": Row(get={200: roles(CM, ADMIN)}, post={200: roles(CM, ADMIN)}),
    "contracts:organisation-detail": Row(
        "pk=organisation",
        get={200: roles(SIRO, CM, AUDITOR, ADMIN)},
        post={405: roles(SIRO, CM, AUDITOR, ADMIN)},
    ),
    "contracts:organisation-edit": Row("pk=organisation", get={200: roles(CM, ADMIN)}, post={200: roles(CM, ADMIN)}),
    "contracts:organisation-list": Row(
        get={200: roles(SIRO, CM, AUDITOR, ADMIN)},
        post={405: roles(SIRO, CM, AUDITOR, ADMIN)},
    ),
    "contracts:risk": Row("pk=contract", get={200: roles(CM)}, post={200: roles(CM)}, other_get={}, other_post={}),
    "contracts:transition": Row(
        "pk=contract,target=:under_assurance",
        get={200: roles(CM)},
        post={200: roles(CM)},
        other_get={},
        other_post={},
    ),
    "health-live": Row(
        get={200: PEOPLE},
        post={405: PEOPLE},
        public={"anonymous:GET": 200, "anonymous:POST": 405, "unverified:GET": 200, "unverified:POST": 405},
    ),
    "health-ready": Row(
        get={200: PEOPLE},
        post={405: PEOPLE},
        public={"anonymous:GET": 200, "anonymous:POST": 405, "unverified:GET": 200, "unverified:POST": 405},
    ),
    # A researcher's home is their outputs.
    "home": Row(get={200: EVERYONE, 302: roles(RESEARCHER)}, post={405: EVERYONE, 302: roles(RESEARCHER)}),
    "incidents:action-create": Row(
        "pk=incident",
        get={200: roles(DEPUTY, SIRO, INCIDENT)},
        post={200: roles(DEPUTY, SIRO, INCIDENT)},
        other_get={200: roles(SIRO, INCIDENT)},
        other_post={200: roles(SIRO, INCIDENT)},
    ),
    "incidents:action-update": Row(
        "pk=incident,action=incident_action",
        get={200: roles(IAM, DEPUTY, SIRO, INCIDENT)},
        post={200: roles(IAM, DEPUTY, SIRO, INCIDENT)},
        other_get={200: roles(SIRO, INCIDENT)},
        other_post={200: roles(SIRO, INCIDENT)},
    ),
    "incidents:close": Row(
        "pk=incident",
        get={200: roles(DEPUTY, SIRO, INCIDENT)},
        post={200: roles(DEPUTY, SIRO, INCIDENT)},
        other_get={200: roles(SIRO, INCIDENT)},
        other_post={200: roles(SIRO, INCIDENT)},
    ),
    "incidents:detail": Row(
        "pk=incident",
        get={200: roles(STAFF, IAM, DEPUTY, SIRO, AUDITOR, ADMIN, INCIDENT)},
        post={405: roles(STAFF, IAM, DEPUTY, SIRO, AUDITOR, ADMIN, INCIDENT)},
        other_get={200: roles(SIRO, AUDITOR, ADMIN, INCIDENT)},
        other_post={405: roles(SIRO, AUDITOR, ADMIN, INCIDENT)},
    ),
    "incidents:export": Row(
        get={200: roles(SIRO, AUDITOR, ADMIN, INCIDENT)},
        post={405: roles(SIRO, AUDITOR, ADMIN, INCIDENT)},
    ),
    "incidents:flag-contract": Row(
        "pk=incident,target=contract",
        get={405: roles(DEPUTY, SIRO, INCIDENT)},
        post={302: roles(DEPUTY, SIRO, INCIDENT)},
        other_get={405: roles(SIRO, INCIDENT)},
        other_post={302: roles(SIRO, INCIDENT)},
    ),
    # Its history: as the page's, but not for someone who sees the incident only as its reporter.
    "incidents:history": Row(
        "pk=incident",
        get={200: roles(IAM, DEPUTY, SIRO, AUDITOR, ADMIN, INCIDENT)},
        post={405: roles(IAM, DEPUTY, SIRO, AUDITOR, ADMIN, INCIDENT)},
        other_get={200: roles(SIRO, AUDITOR, ADMIN, INCIDENT)},
        other_post={405: roles(SIRO, AUDITOR, ADMIN, INCIDENT)},
    ),
    "incidents:ico": Row(
        "pk=incident",
        get={200: roles(DEPUTY, SIRO, INCIDENT)},
        post={200: roles(DEPUTY, SIRO, INCIDENT)},
        other_get={200: roles(SIRO, INCIDENT)},
        other_post={200: roles(SIRO, INCIDENT)},
    ),
    # DPIAs: the DPO, the SIRO, auditors and administrators see all; the IAM and the area's Deputy SIRO theirs.
    "privacy:dpia-list": Row(
        get={200: roles(IAM, DEPUTY, OVERSIGHT, DPO)}, post={405: roles(IAM, DEPUTY, OVERSIGHT, DPO)}
    ),
    "privacy:dpia-detail": Row(
        "pk=dpia",
        get={200: roles(IAM, DEPUTY, OVERSIGHT, DPO)},
        post={405: roles(IAM, DEPUTY, OVERSIGHT, DPO)},
        other_get={200: roles(OVERSIGHT, DPO)},
        other_post={405: roles(OVERSIGHT, DPO)},
    ),
    "privacy:dpia-screening": Row(
        "pk=dpia", get={200: roles(IAM, DEPUTY)}, post={200: roles(IAM, DEPUTY)}, other_get={}, other_post={}
    ),
    "privacy:dpia-assessment": Row(
        "pk=dpia", get={200: roles(IAM, DEPUTY)}, post={302: roles(IAM, DEPUTY)}, other_get={}, other_post={}
    ),
    "privacy:dpia-risk-add": Row(
        "pk=dpia", get={200: roles(IAM, DEPUTY)}, post={200: roles(IAM, DEPUTY)}, other_get={}, other_post={}
    ),
    "privacy:dpia-risk": Row(
        "pk=dpia,risk=dpia_risk",
        get={200: roles(IAM, DEPUTY)},
        post={200: roles(IAM, DEPUTY)},
        other_get={},
        other_post={},
    ),
    "privacy:dpia-advice": Row("pk=dpia", get={200: roles(DPO)}, post={200: roles(DPO)}),
    "privacy:dpia-sign": Row(
        "pk=dpia", get={200: roles(IAM, DEPUTY)}, post={200: roles(IAM, DEPUTY)}, other_get={}, other_post={}
    ),
    "privacy:dpia-review": Row(
        "pk=dpia",
        get={200: roles(IAM, DEPUTY, DPO)},
        post={200: roles(IAM, DEPUTY, DPO)},
        other_get={200: roles(DPO)},
        other_post={200: roles(DPO)},
    ),
    "privacy:dpia-consultation": Row(
        "pk=dpia",
        get={200: roles(IAM, DEPUTY, DPO)},
        post={200: roles(IAM, DEPUTY, DPO)},
        other_get={200: roles(DPO)},
        other_post={200: roles(DPO)},
    ),
    "incidents:list": Row(get={200: EVERYONE}, post={405: EVERYONE}),
    "incidents:report": Row(get={200: EVERYONE}, post={200: EVERYONE}),
    "incidents:review-asset": Row(
        "pk=incident,target=asset",
        get={405: roles(DEPUTY, SIRO, INCIDENT)},
        post={302: roles(DEPUTY, SIRO, INCIDENT)},
        other_get={405: roles(SIRO, INCIDENT)},
        other_post={302: roles(SIRO, INCIDENT)},
    ),
    "incidents:subjects": Row(
        "pk=incident",
        get={200: roles(DEPUTY, SIRO, INCIDENT)},
        post={200: roles(DEPUTY, SIRO, INCIDENT)},
        other_get={200: roles(SIRO, INCIDENT)},
        other_post={200: roles(SIRO, INCIDENT)},
    ),
    "incidents:restore-grant": Row(
        "pk=incident,target=suspended_grant",
        get={200: roles(DEPUTY, SIRO, INCIDENT)},
        post={200: roles(DEPUTY, SIRO, INCIDENT)},
        other_get={200: roles(SIRO, INCIDENT)},
        other_post={200: roles(SIRO, INCIDENT)},
    ),
    # A confirmation page with a required reason: an empty POST is answered with its error.
    "incidents:suspend-grant": Row(
        "pk=incident,target=grant",
        get={200: roles(DEPUTY, SIRO, INCIDENT)},
        post={200: roles(DEPUTY, SIRO, INCIDENT)},
        other_get={200: roles(SIRO, INCIDENT)},
        other_post={200: roles(SIRO, INCIDENT)},
    ),
    # Triage: the handler links the grants and contracts involved (nothing chosen: answered with its error).
    "incidents:link": Row(
        "pk=incident",
        get={200: roles(DEPUTY, SIRO, INCIDENT)},
        post={200: roles(DEPUTY, SIRO, INCIDENT)},
        other_get={200: roles(SIRO, INCIDENT)},
        other_post={200: roles(SIRO, INCIDENT)},
    ),
    "incidents:triage": Row(
        "pk=incident",
        get={200: roles(DEPUTY, SIRO, INCIDENT)},
        post={200: roles(DEPUTY, SIRO, INCIDENT)},
        other_get={200: roles(SIRO, INCIDENT)},
        other_post={200: roles(SIRO, INCIDENT)},
    ),
    "logout": Row(get={405: PEOPLE}, post={LOGIN: PEOPLE}, public={'anonymous:GET': 405, 'unverified:GET': 405}),
    "metrics": Row(
        get={404: PEOPLE},
        post={405: PEOPLE},
        public={"anonymous:GET": 404, "anonymous:POST": 405, "unverified:GET": 404, "unverified:POST": 405},
    ),
    "outputs:mine": Row(get={200: roles(RESEARCHER)}, post={405: roles(RESEARCHER)}),
    "outputs:terms": Row(get={200: roles(RESEARCHER)}, post={405: roles(RESEARCHER)}),
    "outputs:queue": Row(get={200: roles(SDC)}, post={405: roles(SDC)}),
    "outputs:submit-table": Row(get={200: roles(RESEARCHER)}, post={200: roles(RESEARCHER)}),
    "outputs:submit-model": Row(get={200: roles(RESEARCHER)}, post={200: roles(RESEARCHER)}),
    "outputs:detail": Row(
        "pk=output",
        get={200: roles(RESEARCHER, SDC, CM, IAM, DEPUTY, OVERSIGHT)},
        post={405: roles(RESEARCHER, SDC, CM, IAM, DEPUTY, OVERSIGHT)},
        other_get={200: roles(SDC, OVERSIGHT)},
        other_post={405: roles(SDC, OVERSIGHT)},
    ),
    "outputs:resubmit": Row(
        "pk=changes_output",
        get={200: roles(RESEARCHER)},
        post={200: roles(RESEARCHER)},
        other_get={},
        other_post={},
    ),
    "outputs:decide": Row("pk=output", get={200: roles(SDC)}, post={200: roles(SDC)}),
    "outputs:download": Row(
        "pk=cleared_output",
        get={200: roles(RESEARCHER, SDC)},
        post={405: roles(RESEARCHER, SDC)},
        other_get={200: roles(SDC)},
        other_post={405: roles(SDC)},
    ),
    "outputs:invite": Row("pk=contract", get={200: roles(CM)}, post={200: roles(CM)}, other_get={}, other_post={}),
    "outputs:researcher-end": Row(
        "pk=researcher_row", get={200: roles(CM)}, post={200: roles(CM)}, other_get={}, other_post={}
    ),
    # The invitation's link opens before sign-in; a link that does not work says so.
    "outputs:welcome": Row(
        "uidb64=welcome_uid,token=welcome_token",
        get={200: PEOPLE},
        post={200: PEOPLE},
        public={"anonymous:GET": 200, "anonymous:POST": 200, "unverified:GET": 200, "unverified:POST": 200},
    ),
    # SCIM provisioning: a SCIM token only (tests/register/test_scim.py); every session is refused.
    "scim:root": SCIM_ROW,
    "scim:search": SCIM_ROW,
    "scim:users-search": SCIM_ROW,
    "scim:users": SCIM_ROW,
    "scim:groups-search": SCIM_ROW,
    "scim:groups": SCIM_ROW,
    "scim:me": SCIM_ROW,
    "scim:service-provider-config": SCIM_ROW,
    "scim:resource-types": SCIM_ROW,
    "scim:schemas": SCIM_ROW,
    "scim:bulk": SCIM_ROW,
    # Everyone may search; what each finds is each kind's selector's answer (tests/search/).
    "search:results": Row(get={200: EVERYONE}, post={405: EVERYONE}),
    # Single sign-on: public (how a session starts or ends); not configured in this world, so 404.
    "sso:start": Row(
        get={404: PEOPLE},
        post={405: PEOPLE},
        public={"anonymous:GET": 404, "anonymous:POST": 405, "unverified:GET": 404, "unverified:POST": 405},
    ),
    "sso:callback": Row(
        get={404: PEOPLE},
        post={405: PEOPLE},
        public={"anonymous:GET": 404, "anonymous:POST": 405, "unverified:GET": 404, "unverified:POST": 405},
    ),
    # A step-up at the provider: for someone signed in through it; not configured here, so 404.
    "sso:step_up": Row(get={404: EVERYONE}, post={405: EVERYONE}),
    "sso:back_channel_logout": Row(
        get={405: PEOPLE},
        post={404: PEOPLE},
        public={"anonymous:GET": 405, "anonymous:POST": 404, "unverified:GET": 405, "unverified:POST": 404},
    ),
    "people:detail": Row(
        "pk=person",
        get={200: roles(STAFF, DEPUTY, SIRO, AUDITOR, ADMIN)},
        post={405: roles(STAFF, DEPUTY, SIRO, AUDITOR, ADMIN)},
        other_get={200: roles(SIRO, AUDITOR, ADMIN)},
        other_post={405: roles(SIRO, AUDITOR, ADMIN)},
    ),
    "people:import": Row(get={200: roles(ADMIN)}, post={200: roles(ADMIN)}),
    "policy": Row(get={200: EVERYONE}, post={405: EVERYONE}),
    # --- ropa: the record of processing activities and the sharing agreements ---
    "privacy:activity-create": Row(get={200: roles(IAM)}, post={200: roles(IAM)}),
    "privacy:activity-detail": Row(
        "pk=activity",
        get={200: roles(IAM, DEPUTY, SIRO, AUDITOR, ADMIN, DPO)},
        post={405: roles(IAM, DEPUTY, SIRO, AUDITOR, ADMIN, DPO)},
        other_get={200: roles(SIRO, AUDITOR, ADMIN, DPO)},
        other_post={405: roles(SIRO, AUDITOR, ADMIN, DPO)},
    ),
    "privacy:activity-edit": Row(
        "pk=activity", get={200: roles(IAM, DEPUTY)}, post={200: roles(IAM, DEPUTY)}, other_get={}, other_post={}
    ),
    "privacy:activity-export": Row(
        get={200: roles(DEPUTY, SIRO, AUDITOR, ADMIN, DPO)}, post={405: roles(DEPUTY, SIRO, AUDITOR, ADMIN, DPO)}
    ),
    "privacy:activity-export-xlsx": Row(
        get={200: roles(DEPUTY, SIRO, AUDITOR, ADMIN, DPO)}, post={405: roles(DEPUTY, SIRO, AUDITOR, ADMIN, DPO)}
    ),
    "privacy:activity-list": Row(get={200: EVERYONE}, post={405: EVERYONE}),
    "privacy:activity-review": Row(
        "pk=activity", get={200: roles(IAM, DEPUTY)}, post={302: roles(IAM, DEPUTY)}, other_get={}, other_post={}
    ),
    "privacy:agreement-approve": Row(
        "pk=agreement", get={200: roles(DEPUTY)}, post={200: roles(DEPUTY)}, other_get={}, other_post={}
    ),
    "privacy:agreement-create": Row(get={200: roles(IAM, DEPUTY, CM)}, post={200: roles(IAM, DEPUTY, CM)}),
    "privacy:agreement-detail": Row(
        "pk=agreement",
        get={200: roles(CM, DEPUTY, SIRO, AUDITOR, ADMIN, DPO)},
        post={405: roles(CM, DEPUTY, SIRO, AUDITOR, ADMIN, DPO)},
        other_get={200: roles(SIRO, AUDITOR, ADMIN, DPO)},
        other_post={405: roles(SIRO, AUDITOR, ADMIN, DPO)},
    ),
    "privacy:agreement-edit": Row(
        "pk=agreement", get={200: roles(CM, DEPUTY)}, post={200: roles(CM, DEPUTY)}, other_get={}, other_post={}
    ),
    "privacy:agreement-end": Row(
        "pk=live_agreement", get={200: roles(CM, DEPUTY)}, post={200: roles(CM, DEPUTY)}, other_get={}, other_post={}
    ),
    "privacy:agreement-export": Row(
        get={200: roles(DEPUTY, SIRO, AUDITOR, ADMIN, DPO)}, post={405: roles(DEPUTY, SIRO, AUDITOR, ADMIN, DPO)}
    ),
    "privacy:agreement-export-xlsx": Row(
        get={200: roles(DEPUTY, SIRO, AUDITOR, ADMIN, DPO)}, post={405: roles(DEPUTY, SIRO, AUDITOR, ADMIN, DPO)}
    ),
    "privacy:agreement-list": Row(get={200: EVERYONE}, post={405: EVERYONE}),
    # --- end of ropa ---
    "releases:create": Row(get={200: roles(CHIEF, STAT)}, post={200: roles(CHIEF, STAT)}),
    "releases:detail": Row(
        "pk=release",
        get={200: EVERYONE - roles(STAFF, HANDLER, CM, INCIDENT, DPO)},
        post={405: EVERYONE - roles(STAFF, HANDLER, CM, INCIDENT, DPO)},
        other_get={200: roles(SIRO, CHIEF, SDC, AUDITOR, ADMIN)},
        other_post={405: roles(SIRO, CHIEF, SDC, AUDITOR, ADMIN)},
    ),
    "releases:edit": Row("pk=release", get={200: roles(STAT)}, post={200: roles(STAT)}, other_get={}, other_post={}),
    "releases:history": Row(
        "pk=release",
        get={200: EVERYONE - roles(STAFF, HANDLER, CM, INCIDENT, DPO)},
        post={405: EVERYONE - roles(STAFF, HANDLER, CM, INCIDENT, DPO)},
        other_get={200: roles(SIRO, CHIEF, SDC, AUDITOR, ADMIN)},
        other_post={405: roles(SIRO, CHIEF, SDC, AUDITOR, ADMIN)},
    ),
    "releases:list": Row(get={200: EVERYONE}, post={405: EVERYONE}),
    "releases:protected": Row(
        "pk=release,table=table",
        get={200: EVERYONE - roles(STAFF, HANDLER, CM, INCIDENT, DPO)},
        post={405: EVERYONE - roles(STAFF, HANDLER, CM, INCIDENT, DPO)},
        other_get={200: roles(SIRO, CHIEF, SDC, AUDITOR, ADMIN)},
        other_post={405: roles(SIRO, CHIEF, SDC, AUDITOR, ADMIN)},
    ),
    "releases:raw": Row("pk=release,table=table", get={200: roles(SDC)}, post={405: roles(SDC)}),
    "releases:record": Row("pk=release", get={200: roles(SDC, AUDITOR)}, post={405: roles(SDC, AUDITOR)}),
    "releases:release": Row(
        "pk=release",
        get={200: roles(CHIEF, STAT)},
        post={200: roles(CHIEF, STAT)},
        other_get={200: roles(CHIEF)},
        other_post={200: roles(CHIEF)},
    ),
    "releases:rules": Row(get={200: roles(SDC, AUDITOR)}, post={200: roles(SDC)}),
    "releases:sign-off": Row("pk=release", get={200: roles(CHIEF, SDC)}, post={200: roles(CHIEF, SDC)}),
    "releases:source-add": Row(
        "pk=release",
        get={200: roles(STAT)},
        post={200: roles(STAT)},
        other_get={},
        other_post={},
    ),
    "releases:source-edit": Row(
        "pk=release,source=source",
        get={200: roles(STAT)},
        post={200: roles(STAT)},
        other_get={},
        other_post={},
    ),
    "releases:source-remove": Row(
        "pk=release,source=source",
        get={200: roles(STAT)},  # the "are you sure" page
        post={302: roles(STAT)},
        other_get={},
        other_post={},
    ),
    "releases:table": Row(
        "pk=release,table=table",
        get={200: EVERYONE - roles(STAFF, HANDLER, CM, INCIDENT, DPO)},
        post={405: EVERYONE - roles(STAFF, HANDLER, CM, INCIDENT, DPO)},
        other_get={200: roles(SIRO, CHIEF, SDC, AUDITOR, ADMIN)},
        other_post={405: roles(SIRO, CHIEF, SDC, AUDITOR, ADMIN)},
    ),
    "releases:table-add": Row(
        "pk=release",
        get={200: roles(STAT)},
        post={200: roles(STAT)},
        other_get={},
        other_post={},
    ),
    "releases:table-check": Row(
        "pk=release,table=table",
        get={405: roles(CHIEF, STAT, SDC)},
        post={302: roles(CHIEF, STAT, SDC)},
        other_get={405: roles(CHIEF, SDC)},
        other_post={302: roles(CHIEF, SDC)},
    ),
    "releases:table-edit": Row(
        "pk=release,table=table",
        get={200: roles(STAT)},
        post={200: roles(STAT)},
        other_get={},
        other_post={},
    ),
    "releases:table-apriori": Row("pk=release,table=table", get={200: roles(SDC)}, post={200: roles(SDC)}),
    "releases:table-apriori-file": Row("pk=release,table=table", get={200: roles(SDC)}, post={405: roles(SDC)}),
    # Withdrawing the statements of a table that has none changes nothing: back to the table.
    "releases:table-apriori-remove": Row("pk=release,table=table", get={405: roles(SDC)}, post={302: roles(SDC)}),
    "releases:table-cost": Row("pk=release,table=table", get={200: roles(SDC)}, post={200: roles(SDC)}),
    "releases:table-jj": Row("pk=release,table=table", get={200: roles(SDC)}, post={405: roles(SDC)}),
    "releases:table-pattern": Row("pk=release,table=table", get={200: roles(SDC)}, post={200: roles(SDC)}),
    "releases:table-record": Row(
        "pk=release,table=table",
        get={200: roles(SDC, AUDITOR)},
        post={405: roles(SDC, AUDITOR)},
    ),
    "releases:table-remove": Row(
        "pk=release,table=table",
        get={200: roles(STAT)},  # the "are you sure" page
        post={302: roles(STAT)},
        other_get={},
        other_post={},
    ),
    "training:compliance": Row(
        get={200: roles(DEPUTY, SIRO, AUDITOR, ADMIN)},
        post={405: roles(DEPUTY, SIRO, AUDITOR, ADMIN)},
    ),
    "training:compliance-people": Row(
        "area=area,course=course",
        get={200: roles(DEPUTY, SIRO, AUDITOR, ADMIN)},
        post={405: roles(DEPUTY, SIRO, AUDITOR, ADMIN)},
        other_get={404: roles(DEPUTY), 200: roles(SIRO, AUDITOR, ADMIN)},
    ),
    "training:course": Row("pk=course", get={200: roles(AUDITOR, ADMIN)}, post={405: roles(AUDITOR, ADMIN)}),
    "training:course-create": Row(get={200: roles(ADMIN)}, post={200: roles(ADMIN)}),
    "training:course-edit": Row("pk=course", get={200: roles(ADMIN)}, post={200: roles(ADMIN)}),
    "training:courses": Row(get={200: roles(AUDITOR, ADMIN)}, post={405: roles(AUDITOR, ADMIN)}),
    "training:mine": Row(get={200: EVERYONE}, post={405: EVERYONE}),
    "training:publish": Row("pk=course", get={200: roles(ADMIN)}, post={200: roles(ADMIN)}),
    "training:sign": Row("pk=course", get={200: EVERYONE}, post={200: EVERYONE}),
    "training:signoff": Row(
        "pk=signoff",
        get={200: roles(STAFF, DEPUTY, SIRO, AUDITOR, ADMIN)},
        post={405: roles(STAFF, DEPUTY, SIRO, AUDITOR, ADMIN)},
        other_get={200: roles(SIRO, AUDITOR, ADMIN)},
        other_post={405: roles(SIRO, AUDITOR, ADMIN)},
    ),
    "two_factor:api_token_create": Row(get={200: EVERYONE}, post={200: EVERYONE}),
    "two_factor:scim_token_create": Row(get={200: roles(ADMIN)}, post={200: roles(ADMIN)}),
    "two_factor:api_token_revoke": Row(
        "pk=api_token",
        get={200: roles(STAFF, ADMIN), 404: EVERYONE - roles(STAFF, ADMIN)},
        post={302: roles(STAFF, ADMIN), 404: EVERYONE - roles(STAFF, ADMIN)},
        other_get={200: roles(ADMIN), 404: EVERYONE - roles(ADMIN)},
        other_post={302: roles(ADMIN), 404: EVERYONE - roles(ADMIN)},
    ),
    "two_factor:backup_tokens": Row(get={200: PEOPLE}, post={302: PEOPLE}),
    "two_factor:key_add": Row(get={200: PEOPLE}, post={200: PEOPLE}),
    "two_factor:key_remove": Row(
        "pk=security_key",
        get={200: roles(STAFF)},
        post={200: roles(STAFF)},
        other_get={},
        other_post={},
    ),
    "two_factor:login": Row(
        get={200: PEOPLE},
        post={400: PEOPLE},  # an empty POST has no wizard step: the wizard answers 400
        public={"anonymous:GET": 200, "anonymous:POST": 400, "unverified:GET": 200, "unverified:POST": 400},
    ),
    "two_factor:profile": Row(get={200: PEOPLE}, post={405: PEOPLE}),
    "two_factor:qr": Row(
        get={404: PEOPLE},
        post={405: PEOPLE},
        public={'unverified:GET': 404, 'unverified:POST': 405},
    ),
    "two_factor:setup": Row(
        get={302: PEOPLE},
        post={400: PEOPLE},
        public={'unverified:GET': 302, 'unverified:POST': 400},
    ),
    "two_factor:setup_complete": Row(get={200: PEOPLE}, post={405: PEOPLE}),
    # The map of where the data goes (datamap): the department's map for the DPO, oversight, Deputy SIROs
    # and IAMs; an asset's for whoever may see the asset.
    "privacy:map": Row(get={200: roles(OVERSIGHT, DPO, DEPUTY, IAM)}, post={405: roles(OVERSIGHT, DPO, DEPUTY, IAM)}),
    "privacy:asset-map": Row("pk=asset", get={200: EVERYONE}, post={405: EVERYONE}),
}
# fmt: on


# --- the URL inventory -------------------------------------------------------------------------------------


# Namespaces this page table leaves to their own tests:
# - ``admin``: the admin site has its own checks (tests/core/test_admin_refusal.py).
# - ``api`` and ``api-docs``: the REST API answers in JSON (401/403/404), token or session, and
#   is tried endpoint by endpoint, refusals included, in tests/api/ (test_endpoints.py,
#   test_people.py, test_tokens.py); the schema and docs pages' sign-in and second-factor
#   guard is in tests/api/test_endpoints.py and tests/core/test_enforcement.py.
EXCLUDED_NAMESPACES = frozenset({"admin", "api", "api-docs"})
EXCLUDED_NAMES: frozenset[str] = frozenset()


def named_urls(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    """Every named URL of the portal, but for ``EXCLUDED_NAMESPACES``."""
    resolver = resolver or get_resolver()
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in EXCLUDED_NAMESPACES:
                continue
            names |= named_urls(pattern, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix)
        elif isinstance(pattern, URLPattern) and pattern.name and prefix + pattern.name not in EXCLUDED_NAMES:
            names.add(prefix + pattern.name)
    return names


def test_every_named_url_has_a_row():
    missing = sorted(named_urls() - set(ROWS))
    assert not missing, f"Add a row to ROWS in {__file__} for each of: {', '.join(missing)}"
    stale = sorted(set(ROWS) - named_urls())
    assert not stale, f"These rows name no URL: {', '.join(stale)}"


# --- running the table ---------------------------------------------------------------------------------------


def url_for(name: str, row: Row, keys: dict) -> str:
    kwargs = {}
    for part in filter(None, row.on.split(",")):
        keyword, kind = part.split("=")
        kwargs[keyword] = kind[1:] if kind.startswith(":") else keys[kind]  # ":text" is the text itself
    return reverse(name, kwargs=kwargs)


def observed(client: Client, method: str, url: str) -> int | str:
    """The answer, in the table's terms; the request's writes are rolled back.

    A server error is answered as 500 with the exception beside it, so a mismatch says why.
    """
    raised: list[BaseException] = []

    def keep(sender, request=None, **kwargs):
        raised.append(sys.exc_info()[1])

    got_request_exception.connect(keep, weak=False, dispatch_uid="role-table")
    try:
        with transaction.atomic():
            response = client.get(url) if method == "GET" else client.post(url, {})
            transaction.set_rollback(True)
    finally:
        got_request_exception.disconnect(dispatch_uid="role-table")
    if response.status_code == 302 and response["Location"].startswith(reverse("two_factor:login")):
        return LOGIN
    if response.status_code == 500 and raised:
        return f"500 ({type(raised[0]).__name__}: {raised[0]})"
    return response.status_code


class TableClient(Client):
    """The test client without what the table never reads, for the thousands of requests it sends.

    Django's client records every template rendered and its context (a copy per template) and
    wraps the response for ``.json()``, ``.context`` and ``resolver_match``; the table reads only
    the status and ``Location``. The request still goes through the whole handler, middleware
    included, and the cookies the response sets are kept, as a browser would.
    """

    def request(self, **request):
        response = self.handler(self._base_environ(**request))
        if response.cookies:
            self.cookies.update(response.cookies)
        return response


def sign_in_every_role(world: World) -> dict[str, dict[str, str]]:
    """Each role's cookies, signed in once (with a verified second factor) for every cell of the module.

    Each signed-in session then opens one page, as a browser would after signing in: the session
    records there what a session keeps from its first page (that the security-key rule was
    passed, the time of its last activity). The table's requests are rolled back, so without
    this every one of them would ask the key rule's questions again, which a real session asks
    once per sign-in.
    """
    signed_in = {role: sign_in_verified(TableClient(), world.people[role]) for role in ROLES}
    for role, client in signed_in.items():
        first = client.get(reverse("about"))
        assert first.status_code == 200, f"{role} could not open the first page after signing in: {first.status_code}"
    unverified = TableClient()
    unverified.force_login(world.people[STAFF])
    every = signed_in | {ANONYMOUS: TableClient(), UNVERIFIED: unverified}
    return {role: {key: morsel.value for key, morsel in client.cookies.items()} for role, client in every.items()}


def clients(cookies: dict[str, dict[str, str]]) -> dict[str, Client]:
    """One client per role, holding the session it signed in with: a page that signs out (or
    changes the session's cookie) changes nothing for the next test."""
    by_role = {}
    for role, jar in cookies.items():
        client = TableClient()
        client.cookies.load(jar)
        by_role[role] = client
    return by_role


@dataclass
class Table:
    world: World
    cookies: dict[str, dict[str, str]]  # each role's session, signed in once
    media: Path  # where the world's uploads were stored


@pytest.fixture(scope="module")
def table(django_db_setup, django_db_blocker, tmp_path_factory):
    """The people, records and sessions every cell uses: built once per module (so once per
    xdist worker that runs any of its tests), in a transaction rolled back when the module ends.

    Each test then runs in a savepoint of it (pytest-django's ``django_db``), and each request in
    a savepoint of that, rolled back (``observed``): no answer changes the world the next sees.
    The build runs as a test would (tests/conftest.py's autouse fixtures are per test): fast
    password hashing, tasks in-process, uploads in a temporary folder.
    """
    from portal.celery import app

    media = tmp_path_factory.mktemp("role-table") / "private-media"
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    overrides = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        MEDIA_ROOT=media,
        AUDIT_CHECKPOINT_DIR=str(media.parent / "audit-checkpoints"),
    )
    with django_db_blocker.unblock(), overrides:
        outer = transaction.atomic()
        outer._from_testcase = True  # like pytest-django's own transaction around a test
        outer.__enter__()
        try:
            world = build_world()
            built = Table(world=world, cookies=sign_in_every_role(world), media=media)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(*sys.exc_info())
            raise
        finally:
            app.conf.task_always_eager = eager
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


# Every named URL, one test each, so that pytest-xdist spreads the table over its workers.
PAGE_NAMES = sorted(named_urls())


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGE_NAMES)
def test_page(table, name, settings):
    """Every role, GET and POST, on the page's own record and (where it names one) another's."""
    settings.MEDIA_ROOT = table.media  # the world's uploads (a document page serves one)
    by_role = clients(table.cookies)
    # Each refusal is logged with its traceback and each request with a line; formatting
    # thousands of them is a good part of the table's run and nothing here reads them.
    logging.disable(logging.WARNING)
    try:
        seen = ask_every_cell(name, table.world, by_role)
    finally:
        logging.disable(logging.NOTSET)
    mismatches = []
    for (_, other, method, role), got in seen.items():
        wanted = ROWS.get(name, Row()).answer(role, method, other)
        if got != wanted:
            side = "another's" if other else "own"
            mismatches.append(f"{name} {method} as {role} ({side} record): {got}, expected {wanted}")
    if os.environ.get("ROLE_TABLE_RECORD"):
        print_rows(seen)
    assert not mismatches, f"{len(mismatches)} answers differ from ROWS:\n" + "\n".join(mismatches)


def ask_every_cell(name: str, world: World, by_role: dict[str, Client]) -> dict:
    seen = {}
    row = ROWS.get(name, Row())
    sides = (False, True) if row.on else (False,)
    for other in sides:
        url = url_for(name, row, world.other if other else world.own)
        for method in ("GET", "POST"):
            for role in ALL_ROLES:
                seen[(name, other, method, role)] = observed(by_role[role], method, url)
    return seen


def print_rows(seen: dict) -> None:  # pragma: no cover - a helper for writing rows
    names = sorted({key[0] for key in seen})
    for name in names:
        parts = []
        for other in (False, True):
            for method in ("GET", "POST"):
                cells = {role: seen.get((name, other, method, role)) for role in ROLES}
                if cells[ROLES[0]] is None:
                    continue
                groups: dict = {}
                for role, got in cells.items():
                    if got != 403:
                        groups.setdefault(got, []).append(role)
                label = ("other_" if other else "") + method.lower()
                parts.append(f"{label}={groups}")
        public = {f"{r}:{m}": seen.get((name, False, m, r)) for r in (ANONYMOUS, UNVERIFIED) for m in ("GET", "POST")}
        public = {k: v for k, v in public.items() if v != LOGIN}
        print(f"{name!r}: {parts} public={public}")
