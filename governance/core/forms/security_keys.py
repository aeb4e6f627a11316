"""Forms for security keys: signing in with one, adding one, and fresh verification for high-risk steps.

The browser's answer from the key travels in a hidden field; the services verify it.
Each form that asks a key makes its challenge only when the page is drawn
(``webauthn_options``), so a challenge exists only for a page someone has seen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import cached_property
from django_otp_webauthn.models import WebAuthnCredential
from two_factor.forms import AuthenticationTokenForm
from two_factor.plugins.registry import MethodBase

from governance.core.forms.widgets import FreshCodeField
from governance.core.models import User
from governance.core.security import (
    CODE_FIELD,
    CODE_REFUSED_MESSAGE,
    KEY_FIELD,
    KEY_REFUSED_MESSAGE,
    code_is_wrong,
    fresh_purpose,
    has_security_key,
    verify_key,
)
from governance.core.security_keys import NAME_MAX
from governance.core.step_up import proof_waiting, purpose_of_path, signed_in_through_provider
from governance.core.webauthn import begin_assertion, begin_registration

SIGN_IN_PURPOSE = "sign-in"


class SecurityKeySignInForm(AuthenticationTokenForm):
    """The sign-in wizard's token step when the person signs in with a key (touch and PIN)."""

    otp_token = forms.CharField(required=False, widget=forms.HiddenInput, label="Security key")

    def __init__(self, user, initial_device, request: HttpRequest, **kwargs):
        super().__init__(user, initial_device, **kwargs)
        self.request = request

    @cached_property
    def webauthn_options(self) -> dict:
        return begin_assertion(self.request, self.user, SIGN_IN_PURPOSE)

    def clean(self):
        device = verify_key(self.request, self.user, self.cleaned_data.get("otp_token", ""), purpose=SIGN_IN_PURPOSE)
        if device is None:
            raise forms.ValidationError(KEY_REFUSED_MESSAGE, code="invalid_token")
        self.user.otp_device = device
        return self.cleaned_data


class SecurityKeyMethod(MethodBase):
    """Security keys as a method of django-two-factor-auth's sign-in wizard.

    Keys are added on the Account security page, never in the set-up wizard (which
    sets up the authenticator app everyone has), so no set-up forms are offered.
    """

    code = "security_key"
    verbose_name = "Security key"

    def get_devices(self, user):
        return WebAuthnCredential.objects.filter(user=user, confirmed=True)

    def get_other_authentication_devices(self, user, main_device):
        # One assertion offers every key at once; another key is never a separate "other" method.
        return [] if self.recognize_device(main_device) else list(self.get_devices(user)[:1])

    def recognize_device(self, device) -> bool:
        return isinstance(device, WebAuthnCredential)

    def get_setup_forms(self, wizard):
        return {}

    def get_token_form_class(self):
        return SecurityKeySignInForm

    def get_action(self, device):
        return "Use your security key"

    def get_verbose_action(self, device):
        return "Insert or touch your security key and enter its PIN."


class SecurityKeyAddForm(forms.Form):
    name = forms.CharField(
        label="Name for this key",
        help_text="So you can tell your keys apart, for example Blue key on my keyring.",
        max_length=NAME_MAX,
        error_messages={"required": "Enter a name for the key, for example Blue key on my keyring"},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "autocomplete": "off"}),
    )
    key_registration = forms.CharField(required=False, widget=forms.HiddenInput, label="Security key")

    def __init__(self, *args, user: User, http_request: HttpRequest, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.http_request = user, http_request
        self.key_error = None

    @cached_property
    def webauthn_options(self) -> dict:
        return begin_registration(self.http_request, self.user)

    def add_error(self, field, error):
        # The key's answer is a hidden field: its refusal is shown beside the key's instructions.
        if field == "key_registration":
            self.key_error = error
            field = None
        super().add_error(field, error)


def report_wrong_code(form: forms.BaseForm, field: str, user: User | None) -> None:
    """Add "wrong code" to a form that already has other mistakes, so every one is shown at once.

    Only called when the form cannot succeed anyway: a right code is then left unused (the
    service uses it up on the submit that succeeds), and a wrong one is reported now,
    beside the rest, instead of on the next submit. Asked once per form.
    """
    if user is None or getattr(form, "_code_checked", False) or field not in form.fields or field in form.errors:
        return
    form._code_checked = True  # type: ignore[attr-defined]
    if code_is_wrong(user, form.cleaned_data.get(field) or ""):
        form.add_error(field, CODE_REFUSED_MESSAGE)


if TYPE_CHECKING:
    # What the mixin is combined with, for type checking only: at run time it stays a plain class.
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class FreshVerificationMixin(_FormBase):
    """Adds the fresh second factor a high-risk step asks for, fitted to the person.

    A person with a security key gets a hidden field for the key's answer (drawn by
    ``includes/fresh_verification.html``, which holds the challenge and the script);
    someone who signed in through the identity provider, without a key, is offered to
    sign in there again for this page's step (the proof waits in the session);
    anyone else gets the authenticator-code field. ``fresh=False`` asks for neither
    (a form whose step is high-risk only sometimes). Hand ``fresh_verification()`` to
    the service, which calls ``core.security.verify_fresh_second_factor``.
    """

    fresh_code_field = CODE_FIELD  # a form whose code field has another name says so
    offers_key = True  # False: a key holder gives a code instead (a step that has always asked for one)

    def __init__(
        self,
        *args,
        user: User | None = None,
        http_request: HttpRequest | None = None,
        fresh: bool = True,
        fresh_page: str | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fresh_user, self.fresh_request = user, http_request
        # The page whose POST takes the proof, when the form is drawn on another (the default: this one).
        self.fresh_page = fresh_page
        self.key_error = None
        self.asks_fresh = fresh and user is not None
        self.uses_key = self.offers_key and self.asks_fresh and user is not None and has_security_key(user)
        self.uses_provider = (
            self.asks_fresh
            and not self.uses_key
            and user is not None
            and signed_in_through_provider(http_request, user)
        )
        code_field = self.fresh_code_field
        if not self.asks_fresh or self.uses_provider:
            self.fields.pop(code_field, None)
        elif self.uses_key:
            self.fields.pop(code_field, None)
            self.fields[KEY_FIELD] = forms.CharField(required=False, widget=forms.HiddenInput, label="Security key")
        elif code_field not in self.fields:
            # Optional here: the service checks the step's own rules first, then refuses a missing code.
            self.fields[code_field] = FreshCodeField(required=False)

    @cached_property
    def webauthn_options(self) -> dict:
        if self.fresh_request is None or self.fresh_user is None:
            return {}  # a key's challenge belongs to a session: there is none to draw it for
        return begin_assertion(self.fresh_request, self.fresh_user, fresh_purpose(self.fresh_request))

    @cached_property
    def provider_step_up(self) -> dict:
        """For the template: the provider's name, whether this step's proof is waiting, and where to get one."""
        if not self.uses_provider or self.fresh_request is None or self.fresh_user is None:
            return {}
        page = self.fresh_page or self.fresh_request.get_full_path()
        purpose = purpose_of_path(page) or fresh_purpose(self.fresh_request)
        return {
            "provider": settings.OIDC_PROVIDER_NAME,
            "ready": proof_waiting(self.fresh_request, self.fresh_user, purpose) is not None,
            "url": reverse("sso:step_up") + "?" + urlencode({"next": page}),
            "minutes": max(1, settings.OIDC_STEP_UP_SECONDS // 60),
        }

    def _post_clean(self):
        super()._post_clean()  # type: ignore[misc]  # Django's own step after clean(), not in the stubs
        if self.errors:
            self.report_wrong_code()

    def report_wrong_code(self) -> None:
        """With other mistakes on the form, a wrong code is reported beside them (a right one is kept)."""
        if self.asks_fresh and not self.uses_key and not self.uses_provider:
            report_wrong_code(self, self.fresh_code_field, self.fresh_user)

    def fresh_verification(self) -> dict[str, str]:
        data = self.cleaned_data
        return {"token": data.get(self.fresh_code_field) or "", "key_assertion": data.get(KEY_FIELD) or ""}

    def add_error(self, field, error):
        if field == KEY_FIELD:
            self.key_error = error
            field = None
        super().add_error(field, error)


class SecurityKeyRemoveForm(FreshVerificationMixin, forms.Form):
    """Removing a key needs the same fresh verification as any other high-risk step."""
