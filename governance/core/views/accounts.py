"""Sign-in, second-factor set-up, security keys, backup codes and sign-out.

The flows are django-two-factor-auth's; these subclasses add what the policy
needs: GOV.UK wording, a record of every failure, enrolment and backup-code
issue in ``SecurityEvent``, and backup codes shown straight after set-up.
People with a security key sign in with it (touch and PIN); those whose role
requires a key may use nothing else. Disabling the second factor is not offered anywhere.
"""

from __future__ import annotations

from base64 import b32encode
from binascii import unhexlify
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
from two_factor.plugins.registry import registry
from two_factor.utils import default_device, get_otpauth_url, totp_digits
from two_factor.views import BackupTokensView, LoginView, QRGeneratorView, SetupCompleteView, SetupView

from governance.core import api_tokens, security_keys, sso
from governance.core.api_token_policy import can_create_scim_token, can_hold_tokens, can_revoke_token
from governance.core.forms.api_tokens import ApiTokenForm, ScimTokenForm
from governance.core.forms.otp import LockedAuthenticationTokenForm, LockedBackupTokenForm
from governance.core.forms.security_keys import SecurityKeyAddForm, SecurityKeyRemoveForm, SecurityKeySignInForm
from governance.core.http import AuthenticatedHttpRequest
from governance.core.models import SecurityEvent
from governance.core.policy import can_manage_own_security_keys, can_remove_security_key, is_member
from governance.core.security import issue_backup_codes, record_event
from governance.core.selectors import visible_tokens
from governance.core.views.mixins import PolicyMixin, ServiceFormView

CODE_LABEL = "Code from your authenticator app"
WRONG_CODE_MESSAGE = "The code is not right. Check the time on your phone and try again."
CODE_HINT = "The 6-digit code shown in the app. It changes every 30 seconds."


class PortalLoginView(LoginView):
    """Password, then the second factor: the security key where the person has one.

    Those without a key-requiring role may switch to their authenticator app or a
    backup code; for those with one, the key is the only way past this step.
    """

    template_name = "accounts/login.html"
    device_cache: Device | None  # the device this sign-in is checked against; LoginView keeps it
    # The code forms verify under the device's row lock (the authenticator-app method's form is
    # swapped in the method registry, see ``GovernanceConfig.ready``).
    form_list = (
        (LoginView.AUTH_STEP, AuthenticationForm),
        (LoginView.TOKEN_STEP, LockedAuthenticationTokenForm),
        (LoginView.BACKUP_STEP, LockedBackupTokenForm),
    )

    def _key_facts(self) -> tuple[WebAuthnCredential | None, bool]:
        """The person's first key and whether their role requires one; read once per person per request.

        Keyed by the person because the wizard learns who it is part-way through a request.
        """
        user = self.get_user()
        if not user:
            return None, False
        cached = getattr(self, "_key_cache", None)
        if cached is None or cached[0] != user.pk:
            key = security_keys.keys_for(user).first()
            required = key is not None and security_keys.must_use_security_key(user)
            cached = self._key_cache = (user.pk, key, required)
        return cached[1], cached[2]

    def key_only(self) -> bool:
        return self._key_facts()[1]

    def first_key(self) -> WebAuthnCredential | None:
        return self._key_facts()[0]

    def has_token_step(self):
        return bool(self.get_user()) and (default_device(self.get_user()) is not None or self.first_key() is not None)

    def has_backup_step(self):
        return not self.key_only() and LoginView.has_backup_step(self)

    condition_dict = {LoginView.TOKEN_STEP: has_token_step, LoginView.BACKUP_STEP: has_backup_step}

    def get_device(self, step=None):
        """The key by default (any of the person's keys answers one request); the app only if chosen and allowed."""
        if not self.device_cache and step != self.BACKUP_STEP and self.first_key() is not None:
            chosen = self.request.POST.get("challenge_device") or self.storage.data.get("challenge_device")
            key_chosen = chosen and chosen.startswith(WebAuthnCredential.model_label() + "/")
            if self.key_only() or not chosen or key_chosen:
                self.device_cache = self.first_key()
        return super().get_device(step)

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form, **kwargs)
        if self.steps.current == self.TOKEN_STEP:
            user = self.get_user()
            context["uses_key"] = isinstance(form, SecurityKeySignInForm)
            context["key_only"] = self.key_only()
            context["key_device"] = self.first_key()
            context["app_device"] = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if self.key_only():
                context["backup_tokens"] = 0
        return context

    def get_form(self, step=None, **kwargs):
        form = super().get_form(step=step, **kwargs)
        current = step or self.steps.current
        if current == self.AUTH_STEP:
            form.fields["username"].label = "Username"
        elif current == self.TOKEN_STEP and "otp_token" in form.fields:
            form.fields["otp_token"].label = CODE_LABEL
            form.fields["otp_token"].help_text = CODE_HINT
            form.fields["otp_token"].widget.attrs.update({"inputmode": "numeric", "class": "govuk-input--width-5"})
        elif current == self.BACKUP_STEP and "otp_token" in form.fields:
            form.fields["otp_token"].label = "Backup code"
            form.fields[
                "otp_token"
            ].help_text = "One of the codes you saved when you set up your account. Each works once."
            form.fields["otp_token"].widget.attrs.update({"class": "govuk-input--width-10", "autocomplete": "off"})
        return form

    def render(self, form=None, **kwargs):
        if (
            form is not None
            and form.is_bound
            and form.errors
            and self.steps.current in (self.TOKEN_STEP, self.BACKUP_STEP)
            and not isinstance(form, SecurityKeySignInForm)  # a refused key is recorded as it is checked
        ):
            record_event(SecurityEvent.Kind.TOKEN_FAILED, request=self.request, user=self.get_user() or None)
        return super().render(form, **kwargs)


class PortalSetupView(SetupView):
    """Set up an authenticator app; then always show the backup codes, whatever ``next`` says."""

    template_name = "accounts/setup.html"

    def get_redirect_url(self):
        return ""

    def get_available_methods(self):
        # Everyone first sets up the app; security keys are added afterwards on Account security.
        return [registry.get_method("generator")]

    def get_form(self, step=None, **kwargs):
        form = super().get_form(step=step, **kwargs)
        if "token" in form.fields:
            form.fields["token"].label = CODE_LABEL
            form.fields["token"].help_text = "Enter the 6-digit code the app shows after you add the account."
            form.fields["token"].widget.attrs.update({"class": "govuk-input--width-5"})
            form.error_messages["invalid_token"] = WRONG_CODE_MESSAGE
        return form

    def get_context_data(self, form, **kwargs):
        # The package names the issuer after the request's host (``127.0.0.1:8001``): the app
        # would then list the account under whatever address was used. Use the service's name.
        context = super().get_context_data(form, **kwargs)
        if self.steps.current == "generator":
            b32key = b32encode(unhexlify(self.get_key("generator").encode("ascii"))).decode("utf-8")
            issuer = settings.OTP_TOTP_ISSUER
            context["issuer"] = issuer
            context["otpauth_url"] = get_otpauth_url(self.request.user.get_username(), b32key, issuer, totp_digits())
        return context

    def done(self, form_list, **kwargs):
        response = super().done(form_list, **kwargs)
        record_event(SecurityEvent.Kind.DEVICE_ENROLLED, request=self.request, user=self.request.user)
        return response


class PortalQRGeneratorView(QRGeneratorView):
    """The QR code of the set-up page, issued under the configured service name, not the host name."""

    def get_issuer(self):
        return settings.OTP_TOTP_ISSUER


class BackupCodesAfterSetupView(PolicyMixin, SetupCompleteView):
    """Straight after set-up: issue backup codes and show them once."""

    permission = is_member

    template_name = "accounts/setup_complete.html"

    def get(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        context = self.get_context_data(**kwargs)
        if not StaticToken.objects.filter(device__user=request.user).exists():
            context["codes"] = issue_backup_codes(request.user, request=request)
        return self.render_to_response(context)


class PortalBackupTokensView(PolicyMixin, BackupTokensView):
    """List the remaining backup codes, or replace them all."""

    permission = is_member

    template_name = "accounts/backup_tokens.html"
    success_url = "two_factor:backup_tokens"

    def form_valid(self, form):
        issue_backup_codes(self.request.user, request=self.request)
        messages.success(self.request, "New backup codes issued. Your old codes no longer work.")
        return redirect(self.success_url)


class AccountSecurityView(PolicyMixin, TemplateView):
    """The user's second factor, security keys, backup codes and recent sign-in history."""

    template_name = "accounts/security.html"
    permission = can_manage_own_security_keys

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["has_device"] = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        context["keys"] = list(security_keys.keys_for(user))
        context["key_roles"] = security_keys.roles_requiring_key(user)
        context["backup_codes_left"] = StaticToken.objects.filter(device__user=user).count()
        context["events"] = SecurityEvent.objects.filter(user=user)[:20]
        context["api_tokens"] = list(visible_tokens(user).filter(user=user)[:50])
        context["can_create_scim_token"] = can_create_scim_token(user)
        context["now"] = timezone.now()
        return context


KEY_NOT_TOUCHED = "Insert or touch your security key and enter its PIN when your browser asks"


class SecurityKeyAddView(PolicyMixin, ServiceFormView):
    """Add a security key: name it, then touch it and set or enter its PIN."""

    template_name = "accounts/key_add.html"
    form_class = SecurityKeyAddForm
    permission = can_manage_own_security_keys

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "http_request": self.request}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["key_roles"] = security_keys.roles_requiring_key(self.request.user)
        context["has_key"] = security_keys.keys_for(self.request.user).exists()
        return context

    def checks(self, data, *, valid):
        # With other mistakes, a missing answer from the key is reported beside them; alone, the
        # service refuses it (and records the failure).
        if not valid and not (self.request.POST.get("key_registration") or "").strip():
            return {"key_registration": KEY_NOT_TOUCHED}
        return {}

    def perform(self, form):
        security_keys.register_key(
            self.request.user,
            request=self.request,
            name=form.cleaned_data["name"],
            answer=form.cleaned_data["key_registration"],
        )
        return reverse("two_factor:profile"), "Security key added. You will use it to sign in."


class SecurityKeyRemoveView(PolicyMixin, ServiceFormView):
    """Remove one of your keys, after confirming it is you (a key or a new code)."""

    template_name = "accounts/key_remove.html"
    form_class = SecurityKeyRemoveForm
    permission = can_remove_security_key
    refusal_message = "You can only remove your own security keys."

    def get_permission_object(self):
        if not hasattr(self, "key"):
            self.key = get_object_or_404(WebAuthnCredential, pk=self.kwargs["pk"], confirmed=True)
        return self.key

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "http_request": self.request}

    def get_context_data(self, **kwargs):
        return super().get_context_data(key=self.key, **kwargs)

    def perform(self, form):
        security_keys.remove_key(self.key, by=self.request.user, request=self.request, **form.fresh_verification())
        return reverse(
            "two_factor:profile"
        ), f"Security key \N{LEFT SINGLE QUOTATION MARK}{self.key.name}\N{RIGHT SINGLE QUOTATION MARK} removed."


@never_cache
@login_not_required
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Sign out (POST only, so a link or image cannot sign anyone out).

    Someone who signed in through the identity provider is signed out there too (RP-initiated logout).
    """
    provider_logout = sso.end_session_url(request)
    sso.forget_session(request.session.session_key)
    logout(request)
    if provider_logout:
        return HttpResponseRedirect(provider_logout)
    messages.success(request, "You have signed out.")
    return redirect("two_factor:login")


# --- personal API tokens -------------------------------------------------------------


class ApiTokenCreateView(PolicyMixin, FormView):
    """Create a token after a fresh one-time code; the key is shown on the next page, once."""

    permission = can_hold_tokens
    form_class = ApiTokenForm
    template_name = "accounts/api_token_form.html"
    scim = False

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "http_request": self.request}

    def form_valid(self, form):
        data, fresh = form.cleaned_data, form.fresh_verification()
        try:
            issued = api_tokens.create_token(
                self.request.user,
                by=self.request.user,
                description=data["description"],
                expires_on=data["expires_on"],
                write_enabled=data["write_enabled"],
                allowed_ips=data["allowed_ips"],
                code=fresh["token"],
                key_assertion=fresh["key_assertion"],
                request=self.request,
                scim=self.scim,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        response = render(self.request, "accounts/api_token_created.html", {"issued": issued})
        add_never_cache_headers(response)
        return response


class ScimTokenCreateView(ApiTokenCreateView):
    """An administrator creates the token the identity provider provisions people with; shown once, audited.

    The token is the administrator's own, made after the same fresh verification as any
    token, and opens only the SCIM endpoint (``core.scim_auth``).
    """

    permission = can_create_scim_token
    form_class = ScimTokenForm
    template_name = "accounts/scim_token_form.html"
    scim = True


class ApiTokenRevokeView(PolicyMixin, TemplateView):
    """Confirm, then revoke one of one's own tokens (administrators revoke any in the admin)."""

    permission = can_revoke_token
    template_name = "accounts/api_token_revoke.html"

    def get_permission_object(self):
        if not hasattr(self, "token"):
            self.token = get_object_or_404(visible_tokens(self.request.user), pk=self.kwargs["pk"])
        return self.token

    def get_context_data(self, **kwargs):
        return super().get_context_data(token=self.token, **kwargs)

    def post(self, request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        api_tokens.revoke_token(self.token, by=request.user, request=request)
        messages.success(request, f"Token {self.token.key} revoked. It no longer works.")
        return redirect("two_factor:profile")
