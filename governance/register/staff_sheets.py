"""The HR extract: joiners created, movers updated, leavers deactivated, all or nothing.

Columns: staff_number, name, email, business_area (code), line_manager (staff
number), data_handler (yes/no), leaver_date. A line manager may be a joiner in the
same file: line managers are set once every row is in.
"""

from __future__ import annotations

from django import forms

from governance.core.models import BusinessArea, User
from governance.core.tabular import ImportDateField, Importer, YesNoImportField
from governance.register import people as people_service

STAFF_COLUMNS = ("staff_number", "name", "email", "business_area", "line_manager", "data_handler", "leaver_date")
# As long as the person's record allows (an identity provider's ids, sent as staff numbers, are long).
STAFF_NUMBER_LENGTH: int = User._meta.get_field("staff_number").max_length or 64


def staff_number_field(what: str, **kwargs) -> forms.CharField:
    too_long = f"{what} must be {STAFF_NUMBER_LENGTH} characters or fewer"
    return forms.CharField(max_length=STAFF_NUMBER_LENGTH, error_messages={"max_length": too_long}, **kwargs)


class StaffRowForm(forms.Form):
    staff_number = staff_number_field("Staff number")
    name = forms.CharField(max_length=300)
    email = forms.EmailField()
    business_area = forms.CharField()
    line_manager = staff_number_field("The line manager's staff number", required=False)
    data_handler = YesNoImportField(required=False)
    leaver_date = ImportDateField(required=False)

    def __init__(self, *args, user=None, file_staff_numbers=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.file_staff_numbers = file_staff_numbers

    def clean_business_area(self):
        value = self.cleaned_data["business_area"]
        area = BusinessArea.objects.filter(code__iexact=value).first()
        if area is None:
            raise forms.ValidationError(f"There is no business area with the code {value}")
        return area

    def clean_line_manager(self):
        value = self.cleaned_data["line_manager"].strip().upper()
        if (
            value
            and value not in self.file_staff_numbers
            and not User.objects.filter(staff_number__iexact=value).exists()
        ):
            raise forms.ValidationError(f"No member of staff has the staff number {value}, here or in the file")
        return value

    def clean(self):
        data = super().clean() or self.cleaned_data
        if data.get("line_manager") and data.get("line_manager") == (data.get("staff_number") or "").upper():
            self.add_error("line_manager", "Nobody can be their own line manager")
        return data


class StaffImporter(Importer):
    columns = STAFF_COLUMNS
    required_columns = ("staff_number", "name", "email", "business_area")
    form_class = StaffRowForm

    def run(self, rows, *, dry_run):
        self.file_staff_numbers = frozenset(r.get("staff_number", "").strip().upper() for r in rows)
        return super().run(rows, dry_run=dry_run)

    def make_form(self, row):
        return self.form_class(data=row, user=self.user, file_staff_numbers=self.file_staff_numbers)

    def key(self, cleaned):
        return (cleaned["staff_number"].upper(),)

    def apply(self, cleaned) -> bool:
        first, _, last = cleaned["name"].strip().rpartition(" ")
        _user, created = people_service.upsert_staff(
            staff_number=cleaned["staff_number"].upper(),
            first_name=first or cleaned["name"].strip(),
            last_name=last if first else "",
            email=cleaned["email"],
            business_area=cleaned["business_area"],
            is_data_handler=bool(cleaned["data_handler"]),
            leaver_date=cleaned["leaver_date"],
            by=self.user,
        )
        return created

    def finish(self, rows) -> None:
        for cleaned in rows:
            people_service.set_line_manager(
                cleaned["staff_number"].upper(), cleaned["line_manager"] or None, by=self.user
            )
