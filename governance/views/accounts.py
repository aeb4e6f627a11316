"""Sign-in, second-factor set-up, backup codes and sign-out.

The flows are django-two-factor-auth's; these subclasses add what the policy
needs: GOV.UK wording, a record of every failure, enrolment and backup-code
issue in ``SecurityEvent``, and backup codes shown straight after set-up.
Disabling the second factor is not offered anywhere.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticToken
from two_factor.views import BackupTokensView, LoginView, SetupCompleteView, SetupView

from governance.models import SecurityEvent
from governance.services.security import issue_backup_codes, record_event

CODE_LABEL = "Code from your authenticator app"
WRONG_CODE_MESSAGE = "The code is not right. Check the time on your phone and try again."
CODE_HINT = "The 6-digit code shown in the app. It changes every 30 seconds."


class PortalLoginView(LoginView):
    template_name = "accounts/login.html"

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
        ):
            record_event(SecurityEvent.Kind.TOKEN_FAILED, request=self.request, user=self.get_user() or None)
        return super().render(form, **kwargs)


class PortalSetupView(SetupView):
    """Set up an authenticator app; then always show the backup codes, whatever ``next`` says."""

    template_name = "accounts/setup.html"

    def get_redirect_url(self):
        return ""

    def get_form(self, step=None, **kwargs):
        form = super().get_form(step=step, **kwargs)
        if "token" in form.fields:
            form.fields["token"].label = CODE_LABEL
            form.fields["token"].help_text = "Enter the 6-digit code the app shows after you add the account."
            form.fields["token"].widget.attrs.update({"class": "govuk-input--width-5"})
            form.error_messages["invalid_token"] = WRONG_CODE_MESSAGE
        return form

    def done(self, form_list, **kwargs):
        response = super().done(form_list, **kwargs)
        record_event(SecurityEvent.Kind.DEVICE_ENROLLED, request=self.request, user=self.request.user)
        return response


class BackupCodesAfterSetupView(SetupCompleteView):
    """Straight after set-up: issue backup codes and show them once."""

    template_name = "accounts/setup_complete.html"

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        if not StaticToken.objects.filter(device__user=request.user).exists():
            context["codes"] = issue_backup_codes(request.user, request=request)
        return self.render_to_response(context)


class PortalBackupTokensView(BackupTokensView):
    """List the remaining backup codes, or replace them all."""

    template_name = "accounts/backup_tokens.html"
    success_url = "two_factor:backup_tokens"

    def form_valid(self, form):
        issue_backup_codes(self.request.user, request=self.request)
        messages.success(self.request, "New backup codes issued. Your old codes no longer work.")
        return redirect(self.success_url)


class AccountSecurityView(TemplateView):
    """The user's second factor, backup codes and recent sign-in history."""

    template_name = "accounts/security.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["has_device"] = user_has_device(user, confirmed=True)
        context["backup_codes_left"] = StaticToken.objects.filter(device__user=user).count()
        context["events"] = SecurityEvent.objects.filter(user=user)[:20]
        return context


@never_cache
@login_not_required
@require_POST
def logout_view(request):
    """Sign out (POST only, so a link or image cannot sign anyone out)."""
    logout(request)
    messages.success(request, "You have signed out.")
    return redirect("two_factor:login")
