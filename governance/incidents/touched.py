"""What an incident touches, read for its page: its links, each with the record it names.

The page names every linked asset (with its IAM), data item (with its asset), grant (with its holder
and asset) and contract. Read as model instances through ``select_related`` and a prefetch, an
incident naming 50 grants built about 150 instances of seven models, every column of each (the
people's included), and Django built and compiled both statements on every view: together a
quarter of the page's time. Here two statements, compiled once (``CompiledQuery``), read only the
columns the page and its history use, and the instances are made from those columns alone. The
records stay model instances (their URLs, names and ``str`` are the models' own), with only the
columns read: anything else asked of them would be read by a query of its own, so only what is
listed here may be used by the page.

Grants are read by a statement of their own: joined to the rest, ten tables in one statement took
PostgreSQL longer to plan than to run.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from operator import itemgetter
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Model, QuerySet

from governance.access.models import AccessGrant
from governance.contracts.models import ResearchContract
from governance.core.compiled import CompiledQuery, from_row
from governance.core.models import User
from governance.incidents.models import IncidentLink
from governance.register.models import DataItem, InformationAsset

M = TypeVar("M", bound=Model)

PERSON = ("first_name", "last_name", "username")

# (model, the fields read of it, the path to it from the link), in the statement's column order.
_LINK = ("id", "asset_id", "data_item_id", "grant_id", "contract_id")
_ASSET = ("id", "name", "manager_id", "business_area_id")
_MANAGER = ("id", *PERSON)
_ITEM = ("id", "name", "asset_id")
_ITEM_ASSET = ("id", "name")
_CONTRACT = ("id", "reference", "title", "status")
_GRANT = ("id", "state", "suspension", "holder_id", "asset_id", "starts_on", "ends_on")
_HOLDER = ("id", *PERSON)
_GRANT_ASSET = ("id", "name", "manager_id", "business_area_id")


def _paths(prefix: str, fields: Sequence[str]) -> list[str]:
    return [f"{prefix}{field}" for field in fields]


def _links(*, incident: int) -> QuerySet:
    columns = [
        *_LINK,
        *_paths("asset__", _ASSET),
        *_paths("asset__manager__", _MANAGER),
        *_paths("data_item__", _ITEM),
        *_paths("data_item__asset__", _ITEM_ASSET),
        *_paths("contract__", _CONTRACT),
    ]
    return IncidentLink.objects.filter(incident_id=incident).order_by("pk").values_list(*columns)


def _grants(*, incident: int) -> QuerySet:
    named = IncidentLink.objects.filter(incident_id=incident, grant__isnull=False).order_by().values("grant_id")
    columns = [*_GRANT, *_paths("holder__", _HOLDER), *_paths("asset__", _GRANT_ASSET)]
    return AccessGrant.objects.filter(pk__in=named).order_by().values_list(*columns)


_LINKS = CompiledQuery(_links, incident=int)
_GRANTS = CompiledQuery(_grants, incident=int)


def _optional(model: type[M], fields: tuple[str, ...], values: Sequence) -> M | None:
    """``record``, or None when the relation is empty (its id is null)."""
    return None if values[0] is None else record(model, fields, values)


def record(model: type[M], fields: tuple[str, ...], values: Sequence) -> M:
    """An instance of ``model`` from ``values`` of ``fields``."""
    names, pick = _in_model_order(model, fields)
    return from_row(model, names, pick(values), DEFAULT_DB_ALIAS)


@functools.cache
def _in_model_order(model: type[Model], fields: tuple[str, ...]) -> tuple[tuple[str, ...], Any]:
    """``fields`` in the model's own order (as ``from_db`` takes a subset of its columns), and a function
    that picks their values out of a row of ``fields``, in that order (always a sequence)."""
    names = tuple(field.attname for field in model._meta.concrete_fields if field.attname in fields)
    order = [fields.index(name) for name in names]
    pick = itemgetter(*order) if len(order) > 1 else (lambda values: (values[order[0]],))
    return names, pick


def attach(instance: Model, name: str, related: Model | None) -> None:
    """``instance.<name> = related`` for a foreign key, without the descriptor's checks (its type, the
    databases' routers), which cost more than the rest of making the records: both come from one row of
    one database, of the field's own model. The key's column is set, and the record kept as
    ``select_related`` keeps it, so reading either costs no query."""
    field: Any = instance._meta.get_field(name)
    instance.__dict__[field.attname] = None if related is None else getattr(related, field.target_field.attname)
    field.set_cached_value(instance, related)


def take(row: Sequence, start: int, fields: tuple[str, ...]) -> tuple[Sequence, int]:
    end = start + len(fields)
    return row[start:end], end


def links_of(incident) -> list[IncidentLink]:
    """The incident's links in the order they were made, each with the record it names (two queries).

    A grant's holder and asset, an asset's IAM and a data item's asset come with them."""
    # The links first: a grant linked between the two statements is then read with the rest.
    rows = _LINKS.rows(incident=incident.pk)
    grants: dict[int, AccessGrant] = {}
    for row in _GRANTS.rows(incident=incident.pk):
        values, at = take(row, 0, _GRANT)
        grant = record(AccessGrant, _GRANT, values)
        holder, at = take(row, at, _HOLDER)
        grant_asset, at = take(row, at, _GRANT_ASSET)
        attach(grant, "holder", record(User, _HOLDER, holder))
        attach(grant, "asset", record(InformationAsset, _GRANT_ASSET, grant_asset))
        grants[grant.pk] = grant
    links = []
    for row in rows:
        values, at = take(row, 0, _LINK)
        link = record(IncidentLink, _LINK, values)
        attach(link, "incident", incident)
        asset_values, at = take(row, at, _ASSET)
        manager, at = take(row, at, _MANAGER)
        item_values, at = take(row, at, _ITEM)
        item_asset, at = take(row, at, _ITEM_ASSET)
        contract, at = take(row, at, _CONTRACT)
        if link.asset_id:
            asset = record(InformationAsset, _ASSET, asset_values)
            attach(asset, "manager", _optional(User, _MANAGER, manager))
            attach(link, "asset", asset)
        elif link.data_item_id:
            item = record(DataItem, _ITEM, item_values)
            attach(item, "asset", record(InformationAsset, _ITEM_ASSET, item_asset))
            attach(link, "data_item", item)
        elif link.grant_id:
            attach(link, "grant", grants[link.grant_id])
        elif link.contract_id:
            attach(link, "contract", record(ResearchContract, _CONTRACT, contract))
        links.append(link)
    return links
