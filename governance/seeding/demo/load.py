"""Demonstration organisation: one person per role, each with an authenticator app.

Used by ``manage.py load_demo`` (the first-run command) and by browser tests.
Never loaded in production.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from governance.core import roles
from governance.core.audit import system_user
from governance.core.models import BusinessArea, OfficeHolder, User
from governance.register.organisation import appoint_office_holder, set_deputy_siro
from governance.seeding.demo.access import load_access
from governance.seeding.demo.contracts import load_contracts
from governance.seeding.demo.outputs import USERNAME as RESEARCHER
from governance.seeding.demo.outputs import load_outputs
from governance.seeding.demo.processing import load_processing
from governance.seeding.demo.register import load_register
from governance.seeding.demo.releases import load_releases
from governance.seeding.demo.training import load_training

DEMO_PASSWORD = "custodian-demo-2026"

AREAS = [
    ("Data as Statistics", "das"),
    ("Working Age Benefits", "wab"),
    ("Retirement Services", "ret"),
    ("Work and Health Services", "whs"),
    ("Digital Group", "dig"),
    ("Finance Group", "fin"),
]


@dataclass
class DemoPerson:
    username: str
    first_name: str
    last_name: str
    role: str
    area: str
    staff_number: str
    groups: tuple[str, ...] = ()
    data_handler: bool = False
    is_staff: bool = False
    deputy_of: tuple[str, ...] = ()
    office: str = ""
    line_manager: str = ""
    device: bool = True
    extra: dict = field(default_factory=dict)


PEOPLE = [
    DemoPerson("sam.staff", "Sam", "Patel", "Staff", "wab", "D100001", line_manager="deepa.deputy"),
    DemoPerson(
        "dana.handler",
        "Dana",
        "Okafor",
        "Data handler",
        "das",
        "D100002",
        data_handler=True,
        line_manager="ian.manager",
    ),
    DemoPerson(
        "ian.manager",
        "Ian",
        "Roberts",
        "Information Asset Manager (IAM)",
        "das",
        "D100003",
        data_handler=True,
        line_manager="deepa.deputy",
    ),
    DemoPerson("deepa.deputy", "Deepa", "Shah", "Deputy SIRO", "das", "D100004", deputy_of=("das",)),
    DemoPerson("simon.siro", "Simon", "Reid", "SIRO", "dig", "D100005", office=OfficeHolder.Office.SIRO),
    DemoPerson(
        "carla.contracts",
        "Carla",
        "Jones",
        "Research contract manager",
        "das",
        "D100006",
        groups=(roles.CONTRACT_MANAGERS,),
        line_manager="deepa.deputy",
    ),
    DemoPerson("alex.auditor", "Alex", "Turner", "Auditor", "fin", "D100007", groups=(roles.AUDITORS,)),
    DemoPerson(
        "ada.admin", "Ada", "Hughes", "Administrator", "dig", "D100008", groups=(roles.ADMINISTRATORS,), is_staff=True
    ),
    DemoPerson(
        "chris.statistician",
        "Chris",
        "Morgan",
        "Chief Statistician",
        "das",
        "D100009",
        groups=(roles.STATISTICIANS,),
        office=OfficeHolder.Office.CHIEF_STATISTICIAN,
    ),
    DemoPerson(
        "sara.statistician",
        "Sara",
        "Lewis",
        "Statistician",
        "wab",
        "D100015",
        groups=(roles.STATISTICIANS,),
        line_manager="chris.statistician",
    ),
    DemoPerson(
        "olu.disclosure",
        "Olu",
        "Adeyemi",
        "Disclosure control officer",
        "das",
        "D100016",
        groups=(roles.DISCLOSURE_CONTROL,),
        line_manager="chris.statistician",
    ),
    DemoPerson(
        "dee.dpo",
        "Dee",
        "Franklin",
        "Data Protection Officer",
        "dig",
        "D100017",
        office=OfficeHolder.Office.DATA_PROTECTION_OFFICER,
    ),
    DemoPerson("wendy.deputy", "Wendy", "Clarke", "Deputy SIRO", "wab", "D100010", deputy_of=("wab", "ret")),
    DemoPerson("hassan.deputy", "Hassan", "Ali", "Deputy SIRO", "whs", "D100011", deputy_of=("whs", "dig", "fin")),
    DemoPerson(
        "priya.iam",
        "Priya",
        "Nair",
        "Information Asset Manager (IAM)",
        "wab",
        "D100013",
        data_handler=True,
        line_manager="wendy.deputy",
    ),
    DemoPerson(
        "tom.iam",
        "Tom",
        "Baker",
        "Information Asset Manager (IAM)",
        "whs",
        "D100014",
        data_handler=True,
        line_manager="hassan.deputy",
    ),
    DemoPerson(
        "nia.newstarter",
        "Nia",
        "Evans",
        "Staff (no authenticator app yet)",
        "wab",
        "D100012",
        device=False,
        line_manager="wendy.deputy",
    ),
]


# Outside the department: invited by the manager of DWP-RES-2025-007, sees only that contract's outputs.
RESEARCHER_PERSON = DemoPerson(RESEARCHER, "Rosa", "Lind", "Researcher (contract DWP-RES-2025-007)", "", "")


@transaction.atomic
def load_demo() -> list[DemoPerson]:
    """Create or refresh the demonstration organisation. Safe to run again."""
    system = system_user()
    areas = {}
    for name, code in AREAS:
        area, _ = BusinessArea.objects.get_or_create(code=code, defaults={"name": name})
        areas[code] = area

    users: dict[str, User] = {}
    for person in PEOPLE:
        user = User.objects.filter(username=person.username).first()
        if user is None:
            user = User(username=person.username)
            user.set_password(DEMO_PASSWORD)
        user.first_name = person.first_name
        user.last_name = person.last_name
        user.email = f"{person.username}@statistics.example.gov.uk"
        user.staff_number = person.staff_number
        user.business_area = areas[person.area]
        user.is_data_handler = person.data_handler
        user.is_staff = person.is_staff
        user.save()
        for group_name in person.groups:
            user.groups.add(Group.objects.get(name=group_name))
        if person.device and not TOTPDevice.objects.filter(user=user).exists():
            TOTPDevice.objects.create(user=user, name="default", confirmed=True)
        users[person.username] = user

    for person in PEOPLE:
        user = users[person.username]
        if person.line_manager and user.line_manager_id != users[person.line_manager].pk:
            user.line_manager = users[person.line_manager]
            user.save(update_fields=["line_manager"])
        for code in person.deputy_of:
            set_deputy_siro(areas[code], user, by=system)
        if person.office:
            appoint_office_holder(person.office, user, by=system)

    load_register(system)
    load_training(system)
    load_access(system)

    load_contracts(system)
    load_processing(system)

    load_releases(system)
    load_outputs(DEMO_PASSWORD)
    return [*PEOPLE, RESEARCHER_PERSON]
