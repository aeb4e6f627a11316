"""Domain events: how a lower domain tells the domains above it that something happened.

The register and training domains sit below access and contracts, and access below
incidents, so they cannot call them. They send one of these signals instead, and ``governance.receivers`` connects the
higher domains' handlers when the app is ready. Receivers run synchronously, inside the
sender's transaction, so a failure rolls the whole change back.
"""

from __future__ import annotations

from django.dispatch import Signal

#: A person's rights are being removed (they left, or were deactivated). ``person`` is the user.
person_left = Signal()

#: A person signed a course that clears them to handle personal data. ``person`` is the user.
clearance_signed = Signal()

#: Access suspended for an incident was restored, or its suspension lifted to wait for the
#: holder's training (``restored`` False). ``grant``, ``by`` (who lifted it) and ``reason``.
incident_suspension_lifted = Signal()

#: A research contract moved from one status to another (``contract``, ``previous``, ``target``):
#: the domains above contracts act on its end (its researchers' accounts, their outputs).
contract_status_changed = Signal()
#: A record that may need a data protection impact assessment was made or submitted: an access
#: request submitted, a research contract sent for assurance. ``record`` is the record; privacy
#: screens it when it involves special category or identifiable data at scale.
needs_dpia_screening = Signal()
