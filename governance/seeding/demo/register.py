"""Demonstration asset register: a few dozen datasets across the business areas."""

from __future__ import annotations

import datetime

from django.utils import timezone

from governance.core.models import BusinessArea, User
from governance.register.assets import create_asset, save_data_item
from governance.register.models import DataItem, InformationAsset

A = InformationAsset
S = DataItem.Sensitivity

# Reusable data items: name -> (description, sensitivity)
ITEMS = {
    "nino": ("National Insurance number", S.DIRECT_IDENTIFIER),
    "full_name": ("Full name of the claimant", S.DIRECT_IDENTIFIER),
    "address": ("Residential address", S.DIRECT_IDENTIFIER),
    "date_of_birth": ("Date of birth", S.PERSONAL),
    "postcode_district": ("Postcode district (outward code)", S.PERSONAL),
    "sex": ("Sex as recorded on the claim", S.PERSONAL),
    "ethnicity": ("Self-declared ethnic group", S.SPECIAL_CATEGORY),
    "health_condition": ("Main health condition", S.SPECIAL_CATEGORY),
    "disability_flag": ("Whether a disability is declared", S.SPECIAL_CATEGORY),
    "claim_start_date": ("Date the claim started", S.PERSONAL),
    "claim_end_date": ("Date the claim ended", S.PERSONAL),
    "award_amount": ("Weekly award amount in pounds", S.PERSONAL),
    "household_type": ("Household composition", S.PERSONAL),
    "pseudo_id": ("Pseudonymised person identifier", S.PERSONAL),
    "local_authority": ("Local authority of residence", S.NON_PERSONAL),
    "benefit_type": ("Benefit claimed", S.NON_PERSONAL),
    "region": ("Region (ITL1)", S.NON_PERSONAL),
    "count": ("Number of people in the cell", S.NON_PERSONAL),
    "payment_date": ("Date of payment", S.PERSONAL),
    "bank_sort_code": ("Sort code of the receiving account", S.DIRECT_IDENTIFIER),
    "employer_name": ("Employer's name", S.NON_PERSONAL),
    "grant_amount": ("Grant awarded in pounds", S.PERSONAL),
    "assessment_outcome": ("Outcome of the health assessment", S.SPECIAL_CATEGORY),
    "debt_balance": ("Outstanding debt in pounds", S.PERSONAL),
    "staff_number": ("Staff number", S.DIRECT_IDENTIFIER),
    "page_views": ("Page views per day", S.NON_PERSONAL),
}

# (area code, name, identifiability, extract, classification, special category, days to review, items)
ASSETS = [
    (
        "das",
        "Universal Credit claims (full extract)",
        "identifiable",
        "full",
        "official_sensitive",
        True,
        40,
        [
            "nino",
            "date_of_birth",
            "postcode_district",
            "sex",
            "ethnicity",
            "disability_flag",
            "claim_start_date",
            "award_amount",
            "household_type",
        ],
    ),
    (
        "das",
        "Benefit caseload statistics extract",
        "pseudonymised",
        "full",
        "official_sensitive",
        False,
        120,
        ["pseudo_id", "benefit_type", "date_of_birth", "sex", "local_authority", "claim_start_date"],
    ),
    (
        "das",
        "Family Resources Survey",
        "pseudonymised",
        "sample",
        "official_sensitive",
        True,
        15,
        ["pseudo_id", "household_type", "health_condition", "region", "award_amount"],
    ),
    (
        "das",
        "Households Below Average Income",
        "anonymised",
        "sample",
        "official",
        False,
        160,
        ["household_type", "region", "count"],
    ),
    (
        "das",
        "Stat-Xplore published tables",
        "anonymised",
        "full",
        "official",
        False,
        90,
        ["benefit_type", "local_authority", "count"],
    ),
    (
        "das",
        "Longitudinal benefit histories",
        "pseudonymised",
        "full",
        "official_sensitive",
        False,
        -12,
        ["pseudo_id", "benefit_type", "claim_start_date", "claim_end_date", "postcode_district"],
    ),
    (
        "wab",
        "Jobseeker's Allowance claims",
        "identifiable",
        "full",
        "official_sensitive",
        False,
        70,
        ["nino", "full_name", "address", "date_of_birth", "claim_start_date", "award_amount"],
    ),
    (
        "wab",
        "Employment and Support Allowance assessments",
        "identifiable",
        "full",
        "official_sensitive",
        True,
        -30,
        ["nino", "date_of_birth", "health_condition", "assessment_outcome", "claim_start_date"],
    ),
    (
        "wab",
        "Housing Benefit claims",
        "identifiable",
        "full",
        "official_sensitive",
        False,
        200,
        ["nino", "address", "household_type", "award_amount", "local_authority"],
    ),
    (
        "wab",
        "Child Maintenance cases",
        "identifiable",
        "full",
        "official_sensitive",
        False,
        25,
        ["nino", "full_name", "household_type", "payment_date"],
    ),
    (
        "ret",
        "State Pension payments",
        "identifiable",
        "full",
        "official_sensitive",
        False,
        140,
        ["nino", "date_of_birth", "award_amount", "payment_date", "bank_sort_code"],
    ),
    (
        "ret",
        "Pension Credit claims",
        "identifiable",
        "full",
        "official_sensitive",
        False,
        10,
        ["nino", "address", "household_type", "award_amount"],
    ),
    (
        "ret",
        "Winter Fuel Payments",
        "pseudonymised",
        "full",
        "official",
        False,
        180,
        ["pseudo_id", "date_of_birth", "region", "payment_date"],
    ),
    (
        "ret",
        "Pension Tracing Service requests",
        "identifiable",
        "full",
        "official_sensitive",
        False,
        -3,
        ["full_name", "date_of_birth", "employer_name"],
    ),
    (
        "whs",
        "Access to Work grants",
        "identifiable",
        "full",
        "official_sensitive",
        True,
        55,
        ["nino", "disability_flag", "employer_name", "grant_amount"],
    ),
    (
        "whs",
        "Personal Independence Payment assessments",
        "identifiable",
        "full",
        "official_sensitive",
        True,
        80,
        ["nino", "date_of_birth", "health_condition", "assessment_outcome", "award_amount"],
    ),
    (
        "whs",
        "Work and Health Programme referrals",
        "pseudonymised",
        "full",
        "official_sensitive",
        True,
        130,
        ["pseudo_id", "health_condition", "region", "claim_start_date"],
    ),
    (
        "whs",
        "Disability Confident employers",
        "anonymised",
        "full",
        "official",
        False,
        170,
        ["employer_name", "region", "count"],
    ),
    (
        "dig",
        "Customer Information System",
        "identifiable",
        "full",
        "official_sensitive",
        False,
        45,
        ["nino", "full_name", "address", "date_of_birth", "sex"],
    ),
    ("dig", "Staff directory", "identifiable", "full", "official", False, 150, ["staff_number", "full_name"]),
    ("dig", "Web analytics", "anonymised", "full", "official", False, 100, ["page_views", "region"]),
    (
        "fin",
        "Fraud and error sample",
        "pseudonymised",
        "sample",
        "official_sensitive",
        False,
        20,
        ["pseudo_id", "benefit_type", "award_amount", "debt_balance"],
    ),
    (
        "fin",
        "Debt recovery cases",
        "identifiable",
        "full",
        "official_sensitive",
        False,
        110,
        ["nino", "full_name", "address", "debt_balance"],
    ),
    (
        "fin",
        "Payment reconciliation ledger",
        "pseudonymised",
        "full",
        "official",
        False,
        60,
        ["pseudo_id", "payment_date", "award_amount"],
    ),
]

# The IAM of each area's assets; one asset in Work and Health is left without an IAM.
AREA_IAMS = {
    "das": "ian.manager",
    "wab": "priya.iam",
    "ret": "priya.iam",
    "whs": "tom.iam",
    "dig": "tom.iam",
    "fin": "tom.iam",
}
WITHOUT_IAM = {"Disability Confident employers"}


def load_register(system: User) -> int:
    """Create the demonstration assets (once). Returns how many were created."""
    today = timezone.localdate()
    areas = {area.code: area for area in BusinessArea.objects.all()}
    people = {user.username: user for user in User.objects.filter(username__in=AREA_IAMS.values())}
    created = 0
    for code, name, ident, extract, classification, special, days, items in ASSETS:
        area = areas[code]
        if InformationAsset.objects.filter(business_area=area, name=name).exists():
            continue
        personal = ident != "anonymised"  # anonymised data is no longer personal data
        asset = create_asset(
            manager=None if name in WITHOUT_IAM else people[AREA_IAMS[code]],
            by=system,
            name=name,
            description=f"{name}: held by {area.name} for operational and statistical purposes.",
            business_area=area,
            technical_contact=None,
            classification=classification,
            contains_personal_data=personal,
            special_category=special,
            identifiability=ident,
            extract_type=extract,
            lawful_basis=A.LawfulBasis.PUBLIC_TASK if personal else "",
            storage_location="Analytical secure environment" if ident != "identifiable" else "Operational data centre",
            retention_rule="Seven years after the case closes" if personal else "Kept while in use",
            next_review_date=today + datetime.timedelta(days=days),
        )
        for item in items:
            description, sensitivity = ITEMS[item]
            save_data_item(asset, by=system, name=item, description=description, sensitivity=sensitivity)
        created += 1
    return created
