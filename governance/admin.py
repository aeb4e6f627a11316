"""Where Django's admin finds the app's model admins: each domain registers its own in ``<domain>/admin.py``."""

from governance.access import admin as access_admin
from governance.contracts import admin as contracts_admin
from governance.core import admin as core_admin
from governance.register import admin as register_admin
from governance.training import admin as training_admin

__all__ = ["access_admin", "contracts_admin", "core_admin", "register_admin", "training_admin"]
