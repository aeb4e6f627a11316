"""Sign-in and second-factor pages, in django-two-factor-auth's ``two_factor`` namespace.

Listed here rather than included from the package so that its "disable two-factor"
page does not exist: a second factor is mandatory for everyone.
"""

from django.urls import path
from two_factor.views import QRGeneratorView

from governance.views import accounts

app_name = "two_factor"

urlpatterns = [
    path("login/", accounts.PortalLoginView.as_view(), name="login"),
    path("two-factor/setup/", accounts.PortalSetupView.as_view(), name="setup"),
    path("two-factor/qrcode/", QRGeneratorView.as_view(), name="qr"),
    path("two-factor/setup/complete/", accounts.BackupCodesAfterSetupView.as_view(), name="setup_complete"),
    path("two-factor/backup-codes/", accounts.PortalBackupTokensView.as_view(), name="backup_tokens"),
    path("security/", accounts.AccountSecurityView.as_view(), name="profile"),
]
