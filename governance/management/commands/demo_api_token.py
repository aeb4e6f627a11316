"""Create an API token for a demo user, as the Account security page would. Development only."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.core.api_tokens import create_token
from governance.core.audit import acting_as, correlation
from governance.core.models import User


class Command(BaseCommand):
    help = "Create an API token for a demo user and print it (it is shown only once). Development only."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--write", action="store_true", help="Allow the token to change records.")
        parser.add_argument("--days", type=int, default=1, help="Days until the token expires (default 1).")
        parser.add_argument("--scim", action="store_true", help="A SCIM provisioning token (administrators only).")

    def handle(self, *args, username, write, days, scim=False, **options):
        if not settings.DEBUG:
            raise CommandError("demo_api_token stands in for a person's one-time code and only runs when DEBUG is on.")
        user = User.objects.filter(username=username).first()
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() if user else None
        if user is None or device is None:
            raise CommandError(f"No user with an authenticator app called {username}")
        # The next step's code when this step's was used already (a second token within 30 s;
        # the device accepts one step ahead and never a code twice).
        ahead = 1 if device.last_t >= TOTP(device.bin_key, device.step, device.t0, device.digits).t() else 0
        code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + ahead)
        # The person creates their own token, as on the Account security page: the audit entry names them.
        with correlation(), acting_as(user):
            issued = create_token(
                user,
                by=user,
                description="Demo token (manage.py demo_api_token)",
                expires_on=timezone.localdate() + datetime.timedelta(days=days),
                write_enabled=write,
                code=f"{code:0{device.digits}d}",
                scim=scim,
            )
        self.stdout.write(issued.plaintext)
