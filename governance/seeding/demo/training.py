"""Demonstration training: both courses, and a realistic mix of current, due, overdue and unsigned staff."""

from __future__ import annotations

import datetime

from django.utils import timezone

from governance.core.models import User
from governance.training.courses import create_course, publish_version, record_historic_signoff
from governance.training.models import Course

SECURITY = "Information security and responsible handling"
DATA_PROTECTION = "Data protection for data handlers"

SECURITY_DECLARATION = (
    "I have completed this year's information security training. I understand my responsibilities for "
    "protecting the department's information, including how to handle OFFICIAL-SENSITIVE material, how to "
    "report a security incident, and that misuse of information may lead to disciplinary action."
)
DATA_PROTECTION_DECLARATION = (
    "I have received training on the Data Protection Act 2018 and the UK GDPR, including the confidentiality "
    "of personal information. I will only access personal data I am authorised to use, for the purpose it was "
    "given, and I will never attempt to identify an individual from statistical data."
)

# Days ago each person last signed (None: never). Expiry is 12 months after signing.
SIGNED_DAYS_AGO = {
    SECURITY: {
        "sam.staff": 40,
        "dana.handler": 350,
        "ian.manager": 100,
        "deepa.deputy": 200,
        "simon.siro": 20,
        "carla.contracts": 380,
        "alex.auditor": 60,
        "ada.admin": 10,
        "chris.statistician": 355,
        "wendy.deputy": 90,
        "hassan.deputy": 410,
        "priya.iam": 120,
        "tom.iam": 30,
    },
    DATA_PROTECTION: {"dana.handler": 390, "ian.manager": 60, "priya.iam": 340, "tom.iam": 15},
}


def load_training(system: User) -> None:
    if Course.objects.filter(title__in=[SECURITY, DATA_PROTECTION]).exists():
        return
    long_ago = timezone.now() - datetime.timedelta(days=900)
    security = create_course(
        by=system,
        title=SECURITY,
        audience=Course.Audience.ALL_STAFF,
        renewal_months=12,
        content_url="https://learning.example.gov.uk/courses/information-security",
        description="Annual information security training for all staff.",
        clears_personal_data=False,
        is_active=True,
    )
    data_protection = create_course(
        by=system,
        title=DATA_PROTECTION,
        audience=Course.Audience.DATA_HANDLERS,
        renewal_months=12,
        content_url="https://learning.example.gov.uk/courses/data-protection",
        description="Data Protection Act training for staff who handle personal data.",
        clears_personal_data=True,
        is_active=True,
    )
    versions = {}
    for course, text in ((security, SECURITY_DECLARATION), (data_protection, DATA_PROTECTION_DECLARATION)):
        version = publish_version(course, by=system, declaration_text=text, changes_summary="First version")
        version.published_at = long_ago  # published long ago, for a realistic history
        version.save(update_fields=["published_at"])
        versions[course.title] = version
    users = {u.username: u for u in User.objects.filter(is_system=False)}
    now = timezone.now()
    for title, people in SIGNED_DAYS_AGO.items():
        for username, days in people.items():
            if username in users:
                record_historic_signoff(
                    users[username], versions[title], now - datetime.timedelta(days=days), by=system
                )
