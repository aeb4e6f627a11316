"""Where Django finds the app's models: each domain keeps its own in ``<domain>/models.py``.

Code imports a model from its domain (``from governance.access.models import AccessGrant``),
so the import contracts see which domain depends on which; this module only makes sure
every domain's models are registered when the app loads.
"""

from governance.access.models import *  # noqa: F403
from governance.assurance.models import *  # noqa: F403
from governance.contracts.models import *  # noqa: F403
from governance.core.models import *  # noqa: F403
from governance.incidents.models import *  # noqa: F403
from governance.outputs.models import *  # noqa: F403
from governance.privacy.models import *  # noqa: F403
from governance.register.models import *  # noqa: F403
from governance.releases.models import *  # noqa: F403
from governance.training.models import *  # noqa: F403
from governance.trends.models import *  # noqa: F403
