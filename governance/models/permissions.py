"""Direct foreign-key object-permission tables for django-guardian.

Guardian's generic tables key the object by a text primary key, so filtering a
model by permission casts every primary key to text and cannot use an index;
generic rows are also orphaned when their object is deleted. A pair of these
per model that carries per-record rights avoids both. Guardian finds them by
the ``content_object`` foreign key.
"""

from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from .assets import InformationAsset
from .audit import AuditScoped, scope_of
from .contracts import ResearchContract, contract_scope
from .organisation import BusinessArea


class BusinessAreaUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(BusinessArea, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        ordering = ["pk"]


class BusinessAreaGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(BusinessArea, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        ordering = ["pk"]


class InformationAssetUserObjectPermission(AuditScoped, UserObjectPermissionBase):
    """Per-asset rights of a person: the IAM's ``change_informationasset``, later access grants."""

    content_object = models.ForeignKey(InformationAsset, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        ordering = ["pk"]
        verbose_name = "asset permission of a person"

    def audit_scope(self) -> str:
        return scope_of("informationasset", self.content_object_id)


class InformationAssetGroupObjectPermission(AuditScoped, GroupObjectPermissionBase):
    content_object = models.ForeignKey(InformationAsset, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        ordering = ["pk"]

    def audit_scope(self) -> str:
        return scope_of("informationasset", self.content_object_id)


# --- research contracts: the named contract manager's rights on their contract ---------


class ResearchContractUserObjectPermission(AuditScoped, UserObjectPermissionBase):
    """Per-contract rights of a person: the named manager's ``view`` and ``change_researchcontract``."""

    content_object = models.ForeignKey(ResearchContract, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        ordering = ["pk"]
        verbose_name = "contract permission of a person"

    def audit_scope(self) -> str:
        return contract_scope(self.content_object_id)


class ResearchContractGroupObjectPermission(AuditScoped, GroupObjectPermissionBase):
    content_object = models.ForeignKey(ResearchContract, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        ordering = ["pk"]

    def audit_scope(self) -> str:
        return contract_scope(self.content_object_id)
