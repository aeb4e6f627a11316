"""Sign-in and second-factor pages, in django-two-factor-auth's ``two_factor`` namespace.

Listed here rather than included from the package so that its "disable two-factor"
page does not exist: a second factor is mandatory for everyone.
"""

from django.urls import path

from governance.core.views import accounts

app_name = "two_factor"

urlpatterns = [
    path("login/", accounts.PortalLoginView.as_view(), name="login"),
    path("two-factor/setup/", accounts.PortalSetupView.as_view(), name="setup"),
    path("two-factor/qrcode/", accounts.PortalQRGeneratorView.as_view(), name="qr"),
    path("two-factor/setup/complete/", accounts.BackupCodesAfterSetupView.as_view(), name="setup_complete"),
    path("two-factor/backup-codes/", accounts.PortalBackupTokensView.as_view(), name="backup_tokens"),
    path("security/", accounts.AccountSecurityView.as_view(), name="profile"),
    path("security/api-tokens/new/", accounts.ApiTokenCreateView.as_view(), name="api_token_create"),
    path("security/scim-tokens/new/", accounts.ScimTokenCreateView.as_view(), name="scim_token_create"),
    path("security/api-tokens/<int:pk>/revoke/", accounts.ApiTokenRevokeView.as_view(), name="api_token_revoke"),
    path("security/keys/add/", accounts.SecurityKeyAddView.as_view(), name="key_add"),
    path("security/keys/<int:pk>/remove/", accounts.SecurityKeyRemoveView.as_view(), name="key_remove"),
]
