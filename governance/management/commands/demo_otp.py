from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current one-time code of demo users' authenticator apps. Development only."

    def add_arguments(self, parser):
        parser.add_argument("usernames", nargs="*", help="Users to show (default: everyone with an app).")

    def handle(self, *args, usernames, **options):
        if not settings.DEBUG:
            raise CommandError("demo_otp reveals one-time codes and only runs when DEBUG is on.")
        devices = TOTPDevice.objects.filter(confirmed=True).select_related("user").order_by("user__username")
        if usernames:
            devices = devices.filter(user__username__in=usernames)
            missing = set(usernames) - {d.user.username for d in devices}
            if missing:
                raise CommandError(f"No authenticator app for: {', '.join(sorted(missing))}")
        for device in devices:
            code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
            self.stdout.write(f"{device.user.username}: {code:0{device.digits}d}")
