"""Access's visibility rules as querysets: what a person may list, each rule written once."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast

from governance.access.models import AccessGrant
from governance.core.models import AccessEvent
from governance.core.policy import is_member
from governance.register.models import InformationAsset

LIVE = (AccessGrant.State.ACTIVE, AccessGrant.State.SUSPENDED)


def grants_on_managed_assets(user) -> QuerySet[AccessGrant]:
    """Every live grant (active or suspended) on the assets ``user`` is the IAM of: "Your grants".

    Each carries the holder's last access to the asset (from the access events) and the
    number of items it gives, so the list shows them without a query per row.
    """
    if not is_member(user):
        return AccessGrant.objects.none()
    asset_type = ContentType.objects.get_for_model(InformationAsset)
    last_access = (
        AccessEvent.objects.filter(
            user=OuterRef("holder"),
            content_type=asset_type,
            object_pk=Cast(OuterRef("asset_id"), output_field=CharField()),
        )
        .order_by()
        .values("user")
        .annotate(last=Max("at"))
        .values("last")
    )
    return (
        AccessGrant.objects.filter(asset__manager=user, state__in=LIVE)
        .select_related("holder__business_area", "asset")
        .annotate(last_access=Subquery(last_access), item_count=Count("items", distinct=True))
    )
