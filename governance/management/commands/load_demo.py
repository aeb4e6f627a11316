from django.conf import settings
from django.core.management.base import CommandError
from django.test.utils import override_settings

from governance.management.base import AuditedCommand
from governance.seeding.demo.load import DEMO_PASSWORD, load_demo
from governance.trends.snapshots import take_snapshot


class Command(AuditedCommand):
    help = "Load the demonstration organisation (one person per role). Refuses to run when DEBUG is off."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo data is for development only (DEBUG is off).")
        # The demo's own notifications (IAM nominations, decisions) are recorded but not printed.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            people = load_demo()
        # The compliance page charts daily snapshots: take today's now, from the data just loaded,
        # so a fresh install shows its figures at once, not after the next morning's scheduled run.
        # (Idempotent: loading again the same day keeps the day's snapshot.)
        take_snapshot()
        self.stdout.write(self.style.SUCCESS("Demo data loaded.\n"))
        self.stdout.write(f"Every demo user's password is: {DEMO_PASSWORD}\n")
        width = max(len(p.username) for p in people)
        for person in people:
            self.stdout.write(f"  {person.username:<{width}}  {person.role}")
        self.stdout.write(
            "\nFor a user's current one-time code run:  .venv/bin/python manage.py demo_otp <username>"
            "\n(nia.newstarter has no authenticator app yet: sign in to see the set-up journey.)"
        )
