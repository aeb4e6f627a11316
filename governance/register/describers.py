"""How the history reads the register's events: assets added, IAMs named, reviews done."""

from __future__ import annotations

from governance.core.history import name_reads, noun_for
from governance.core.history_events import Event, describer
from governance.core.models import AuditEntry
from governance.register.models import AssetReview, DataItem, InformationAsset

noun_for(InformationAsset, "asset")
noun_for(DataItem, "data item")
noun_for(AssetReview, "asset review")
# An asset and an item are named by their own name: nothing joined (grants and requests name them).
name_reads(InformationAsset, "name")
name_reads(DataItem, "name")


@describer(AssetReview)
def asset_reviewed(event: Event) -> str | None:
    """'reviewed the asset Winter Fuel Payments: next review 4 June 2027'."""
    review = event.first(AssetReview, AuditEntry.Action.CREATE)
    if review is None:
        return None
    asset = review.after("asset") or "an asset"
    text = f"reviewed the asset {asset}"
    after = review.after("next_review_date")
    return f"{text}: next review {after}" if after else text


@describer(InformationAsset)
def asset_recorded(event: Event) -> str | None:
    """An asset added to the register, or given a new IAM."""
    row = event.rows_of(InformationAsset)[0]
    if row.entry.action == AuditEntry.Action.CREATE:
        items = len({r.entry.object_pk for r in event.rows_of(DataItem) if r.entry.action == AuditEntry.Action.CREATE})
        text = f"added the asset {row.name} to the register"
        if items:
            text += f" with {items} data item{'s' if items != 1 else ''}"
        manager = row.after("manager")
        return f"{text}, with {manager} as its IAM" if manager and manager != "(none)" else text
    if row.changed("manager"):
        before, after = row.values["manager"]
        if after == "(none)":
            return f"removed {before} as the IAM of the asset {row.name}"
        return f"made {after} the IAM of the asset {row.name}" + (
            f" in place of {before}" if before != "(none)" else ""
        )
    return None
