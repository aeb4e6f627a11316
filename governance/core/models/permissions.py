"""Direct foreign-key object-permission tables for django-guardian.

Guardian's generic tables key the object by a text primary key, so filtering a
model by permission casts every primary key to text and cannot use an index;
generic rows are also orphaned when their object is deleted. A pair of these
per model that carries per-record rights avoids both. Guardian finds them by
the ``content_object`` foreign key.
"""

from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from .organisation import BusinessArea


class BusinessAreaUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(BusinessArea, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        ordering = ["pk"]


class BusinessAreaGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(BusinessArea, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        ordering = ["pk"]
