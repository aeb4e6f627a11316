"""One-time-code forms that verify under the device row's lock, so a code signs in one session only.

django-otp reads a device, checks the code against its ``last_t`` (or its list of
backup codes) and saves: two requests carrying the same code at the same moment
both read the old state and both succeed. Here the device row is locked
(``SELECT ... FOR UPDATE``) and re-read before the check, so the second request
waits, then sees the code already used, and is refused like any reused code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from two_factor.forms import AuthenticationTokenForm, BackupTokenForm
from two_factor.plugins.registry import GeneratorMethod

from governance.core.security import locked_device

if TYPE_CHECKING:
    # Where both code forms get ``_verify_token`` from, for type checking only.
    from django_otp.forms import OTPAuthenticationFormMixin as _TokenFormBase
else:
    _TokenFormBase = object


class LockedVerificationMixin(_TokenFormBase):
    def _verify_token(self, user, token, device=None):
        if device is None:
            return super()._verify_token(user, token, device)
        error = None
        with transaction.atomic():
            locked = locked_device(device)
            try:
                verified = super()._verify_token(user, token, locked)
            except ValidationError as exc:
                error = exc  # raised after the block, so the failure count it recorded is kept
        if error is not None:
            raise error
        return verified


class LockedAuthenticationTokenForm(LockedVerificationMixin, AuthenticationTokenForm):
    pass


class LockedBackupTokenForm(LockedVerificationMixin, BackupTokenForm):
    pass


class LockedGeneratorMethod(GeneratorMethod):
    """django-two-factor-auth's authenticator-app method, with the locked code form.

    The package falls back to its own method for a device no registered method claims,
    so this one claims authenticator-app devices explicitly.
    """

    def recognize_device(self, device) -> bool:
        return isinstance(device, TOTPDevice)

    def get_token_form_class(self):
        return LockedAuthenticationTokenForm
