"""Statistical releases: sources, output tables, disclosure checks, sign-off and release.

Every write path (pages, admin, tasks) comes through here, so the rules hold
everywhere:

* a table is checked when it is uploaded, and again whenever the rules change;
* any change to a table, a source or the rules voids a live sign-off, because
  what was signed is no longer what would be published;
* a release is marked released only when every table has passed with the current
  rules and a live sign-off by a second person covers exactly those tables.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from decimal import Decimal
from typing import cast

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from governance.core.audit import system_user
from governance.core.models import User
from governance.core.notifications import notify
from governance.core.permissions import refuse_unless
from governance.core.queue import enqueue
from governance.core.security import verify_fresh_second_factor
from governance.core.uploads import safe_original_name
from governance.disclosure import CheckResult, Extract, Rules, Table, TableError, check_table, parse_table
from governance.disclosure.apriori import AprioriError, read_apriori, to_apriori, with_apriori
from governance.disclosure.checks import ENGINE_VERSION, check_pattern
from governance.disclosure.differencing import Published, newcomer_problems
from governance.disclosure.jj import JJError, from_jj, pattern_from, problem_of, to_jj
from governance.disclosure.linked import LinkedTable, audit_release, same_population
from governance.disclosure.rules import SecondaryCost
from governance.disclosure.tables import MAX_TABLE_BYTES, parse_hrc, with_hierarchy
from governance.register.models import InformationAsset
from governance.releases.models import (
    DisclosureRuleSet,
    ExtractType,
    OutputTable,
    ReleaseSignOff,
    ReleaseSource,
    StatisticalRelease,
)
from governance.releases.policy import (
    can_check,
    can_create,
    can_edit,
    can_manage_rules,
    can_mark_released,
    can_sign_off,
    can_tune_protection,
    is_chief_statistician,
    table_publishable,
)

Status = StatisticalRelease.Status
RELEASE_FIELDS = ("title", "summary", "planned_release_date")
EDIT_REFUSAL = "Only the release's author can change it, and only before it is released."


def _lock(release: StatisticalRelease) -> StatisticalRelease:
    """The release row, locked: concurrent sign-off, release and edits happen one after another."""
    return StatisticalRelease.objects.select_for_update().get(pk=release.pk)


# --- rules ---------------------------------------------------------------------------------


def current_rule_set() -> DisclosureRuleSet:
    """The rules in force. The first call creates version 1 with the defaults, as the system account.

    Secondary suppression's cost starts as ``DISCLOSURE_SECONDARY_COST`` (value, cells or weight);
    disclosure control changes it, with every other rule, on the rules page.
    """
    latest = DisclosureRuleSet.objects.order_by("-version").first()
    if latest is not None:
        return latest
    defaults = Rules(secondary_cost=settings.DISCLOSURE_SECONDARY_COST)
    with transaction.atomic():
        latest = DisclosureRuleSet.objects.select_for_update().order_by("-version").first()
        if latest is None:
            latest = DisclosureRuleSet.objects.create(
                version=1,
                parameters=defaults.to_json(),
                digest=defaults.digest,
                note="Initial settings",
                created_by=system_user(),
            )
    return latest


def rules_of(rule_set: DisclosureRuleSet) -> Rules:
    return Rules.from_json(rule_set.parameters)


@transaction.atomic
def save_rules(rules: Rules, *, by: User, note: str) -> DisclosureRuleSet:
    """Publish a new version of the rules; live sign-offs are voided and every unreleased table is re-checked."""
    refuse_unless(can_manage_rules(by), "Only the disclosure-control role can change the rules.")
    problems = rules.validate()
    if problems:
        raise ValidationError(problems)
    current = DisclosureRuleSet.objects.select_for_update().get(pk=current_rule_set().pk)  # one change at a time
    if current.digest == rules.digest:
        raise ValidationError("These are the rules already in force: change a setting, or cancel.")
    version = (DisclosureRuleSet.objects.aggregate(top=Max("version"))["top"] or 0) + 1
    rule_set = DisclosureRuleSet.objects.create(
        version=version, parameters=rules.to_json(), digest=rules.digest, note=note, created_by=by
    )
    signed = StatisticalRelease.objects.filter(sign_offs__voided_at__isnull=True).values("pk")
    for release in StatisticalRelease.objects.select_for_update().filter(pk__in=signed).exclude(status=Status.RELEASED):
        _void_sign_off(release, "The disclosure rules changed after sign-off.")
    enqueue("governance.releases.tasks.recheck_release_tables")
    return rule_set


def recheck_unreleased() -> int:
    """Enqueue a check, with the current rules, of every table of every unreleased release checked under older ones.

    One task per table (``check_output_table``), each locking its release only to read the
    table and store the result: no single long transaction solves every stale table while
    holding a release's lock, and a table replaced meanwhile is checked by its own upload's task.
    Returns the number of checks enqueued; running again before they finish enqueues them again,
    which is harmless (a check that finds its table already current does nothing).
    """
    rule_set = current_rule_set()
    stale = OutputTable.objects.exclude(release__status=Status.RELEASED).exclude(rules=rule_set).order_by("pk")
    enqueued = 0
    for table_id, digest in list(stale.values_list("pk", "table_digest")):
        enqueue("governance.releases.tasks.check_output_table", table_id, digest)
        enqueued += 1
    return enqueued


# --- releases and their sources -------------------------------------------------------------


@transaction.atomic
def create_release(*, by: User, **fields) -> StatisticalRelease:
    refuse_unless(can_create(by), "Only statisticians can register a statistical release.")
    release = StatisticalRelease(author=by, **{name: fields[name] for name in RELEASE_FIELDS if name in fields})
    release.full_clean()
    release.save()
    return release


@transaction.atomic
def update_release(release: StatisticalRelease, *, by: User, **fields) -> StatisticalRelease:
    release = _lock(release)
    refuse_unless(can_edit(by, release), EDIT_REFUSAL)
    for name in RELEASE_FIELDS:
        if name in fields:
            setattr(release, name, fields[name])
    release.full_clean()
    release.save()
    return release


@transaction.atomic
def add_source(
    release: StatisticalRelease,
    *,
    by: User,
    asset: InformationAsset,
    extract_type: str,
    sampling_weight: Decimal | None = None,
) -> ReleaseSource:
    release = _lock(release)
    refuse_unless(can_edit(by, release), EDIT_REFUSAL)
    if ReleaseSource.objects.filter(release=release, asset=asset).exists():
        raise ValidationError({"asset": "This asset is already a source of the release"})
    _check_weight(extract_type, sampling_weight)
    source = ReleaseSource(
        release=release,
        asset=asset,
        extract_type=extract_type,
        sampling_weight=sampling_weight if extract_type == ExtractType.SAMPLE else None,
    )
    source.full_clean()
    source.save()
    _void_sign_off(release, f"A source was added: {asset.name}.")
    return source


@transaction.atomic
def update_source(
    source: ReleaseSource, *, by: User, extract_type: str, sampling_weight: Decimal | None = None
) -> ReleaseSource:
    """Change the extract type or weight; the source's tables are checked again straight away."""
    release = _lock(source.release)
    refuse_unless(can_edit(by, release), EDIT_REFUSAL)
    _check_weight(extract_type, sampling_weight)
    source.extract_type = extract_type
    source.sampling_weight = sampling_weight if extract_type == ExtractType.SAMPLE else None
    source.full_clean()
    source.save()
    rule_set = current_rule_set()
    for table in OutputTable.objects.filter(source=source).select_related("source"):
        _check_or_defer(table, rule_set)
        table.save(update_fields=["result", "rules", "checked_at", "passed"])
        _defer_if_large(table)
    _void_sign_off(release, f"The extract of {source.asset.name} changed.")
    return source


def _check_weight(extract_type: str, sampling_weight: Decimal | None) -> None:
    """A sample's grossing weight is at least 1: a sample stands for at least as many as it holds."""
    if extract_type == ExtractType.SAMPLE and (sampling_weight is None or sampling_weight < 1):
        raise ValidationError({"sampling_weight": "Enter a sampling weight of 1 or more"})


@transaction.atomic
def remove_source(source: ReleaseSource, *, by: User) -> None:
    release = _lock(source.release)
    refuse_unless(can_edit(by, release), EDIT_REFUSAL)
    if OutputTable.objects.filter(source=source).exists():
        raise ValidationError("Remove or move the tables drawn from this source first.")
    name = source.asset.name
    source.delete()
    _void_sign_off(release, f"A source was removed: {name}.")


# --- output tables ------------------------------------------------------------------------------


MAX_HIERARCHY_BYTES = 1024 * 1024


def read_upload(upload, hierarchy: tuple[str, File] | None = None) -> Table:
    """Parse an uploaded table (with a hierarchy file for one column, if given), every problem one form error."""
    table = _read_table(upload)
    if hierarchy is None:
        return table
    column, hierarchy_upload = hierarchy
    hierarchy_upload.seek(0)
    data = hierarchy_upload.read(MAX_HIERARCHY_BYTES + 1)
    if len(data) > MAX_HIERARCHY_BYTES:
        raise ValidationError({"hierarchy_file": "The hierarchy file must be smaller than 1 MB"})
    try:
        return with_hierarchy(table, column, parse_hrc(data.decode("utf-8-sig")))
    except UnicodeDecodeError as exc:
        raise ValidationError({"hierarchy_file": "The hierarchy file could not be read as UTF-8 text"}) from exc
    except TableError as exc:
        raise ValidationError({"hierarchy_file": list(exc.errors)}) from exc


def _read_table(upload) -> Table:
    if upload is None:
        raise ValidationError({"file": "Select a CSV or XLSX file"})
    if upload.size > MAX_TABLE_BYTES:
        raise ValidationError({"file": f"The selected file must be smaller than {MAX_TABLE_BYTES // (1024 * 1024)} MB"})
    upload.seek(0)
    data = upload.read(MAX_TABLE_BYTES + 1)
    try:
        return parse_table(data, upload.name or "")
    except TableError as exc:
        raise ValidationError({"file": list(exc.errors)}) from exc


def _source_of(release: StatisticalRelease, source: ReleaseSource) -> ReleaseSource:
    if source.release_id != release.pk:
        raise ValidationError({"source": "Choose one of this release's sources"})
    return source


def table_errors(
    release: StatisticalRelease,
    *,
    title: str | None,
    source: ReleaseSource | None,
    table: OutputTable | None = None,
) -> dict[str, str]:
    """A table's title is unique within its release, and it is drawn from one of the release's sources.

    Checked when the table is saved and, through the table form, with its own fields
    (the file among them), so a clash shows on the first submit. ``table`` is the one
    being replaced, which may keep its own title.
    """
    errors = {}
    if title:
        clash = OutputTable.objects.filter(release=release, title=title)
        if table is not None:
            clash = clash.exclude(pk=table.pk)
        if clash.exists():
            errors["title"] = "The release already has a table with this title"
    if source is not None and source.release_id != release.pk:
        errors["source"] = "Choose one of this release's sources"
    return errors


@transaction.atomic
def add_table(
    release: StatisticalRelease, *, by: User, title: str, source: ReleaseSource, upload, hierarchy=None
) -> OutputTable:
    """Store a new output table and check it with the current rules, all or nothing.

    ``hierarchy`` is (column name, .hrc upload) to declare how one column's labels add up.
    """
    release = _lock(release)
    refuse_unless(can_edit(by, release), EDIT_REFUSAL)
    table_data = read_upload(upload, hierarchy)
    errors = table_errors(release, title=title, source=source)
    if errors:
        raise ValidationError(errors)
    table = OutputTable(
        release=release,
        source=_source_of(release, source),
        title=title,
        uploaded_by=by,
        checked_by=by,
    )
    _store(table, table_data, upload)
    table.full_clean()
    table.save()
    _defer_if_large(table)
    _void_sign_off(release, f"A table was added: {title}.")
    return table


@transaction.atomic
def replace_table(
    table: OutputTable, *, by: User, title: str, source: ReleaseSource, upload=None, hierarchy=None
) -> OutputTable:
    """Rename, move or re-upload a table. A new upload or source is checked again and voids the sign-off."""
    release = _lock(table.release)
    refuse_unless(can_edit(by, release), EDIT_REFUSAL)
    table = OutputTable.objects.select_for_update().get(pk=table.pk)
    errors = table_errors(release, title=title, source=source, table=table)
    if errors:
        raise ValidationError(errors)
    changed_content = upload is not None or source.pk != table.source_id
    table.title = title
    table.source = _source_of(release, source)
    if upload is not None:
        table.uploaded_by = table.checked_by = by
        _store(table, read_upload(upload, hierarchy), upload)
    elif changed_content:
        table.checked_by = by
        _check_or_defer(table, current_rule_set())
    table.full_clean()
    table.save()
    _defer_if_large(table)
    if changed_content:
        _void_sign_off(release, f"The table {title} changed.")
    return table


@transaction.atomic
def remove_table(table: OutputTable, *, by: User) -> None:
    release = _lock(table.release)
    refuse_unless(can_edit(by, release), EDIT_REFUSAL)
    title = table.title
    table.delete()
    _void_sign_off(release, f"A table was removed: {title}.")


TUNE_REFUSAL = "Only disclosure control changes how a table is protected, and only before its release is out."


@transaction.atomic
def set_secondary_cost(table: OutputTable, *, by: User, cost: str) -> OutputTable:
    """What this table's secondary suppression minimises ("" for what the rules say); the table is
    checked again straight away (or in the background) and a live sign-off is voided. Who changes it
    has checked the table, and no longer signs the release off."""
    release = _lock(table.release)
    refuse_unless(can_tune_protection(by, release), TUNE_REFUSAL)
    table = OutputTable.objects.select_for_update().select_related("source").get(pk=table.pk)
    if table.secondary_cost == cost:
        return table
    table.secondary_cost = cost
    table.checked_by = by
    table.full_clean()
    _check_or_defer(table, current_rule_set())
    table.save(update_fields=["secondary_cost", "result", "rules", "checked_at", "checked_by", "passed"])
    _defer_if_large(table)
    _void_sign_off(release, f"What secondary suppression minimises in {table.title} changed.")
    return table


@transaction.atomic
def check_again(table: OutputTable, *, by: User) -> OutputTable:
    """Run the check with the current rules (after a rule change, before the nightly re-check)."""
    release = _lock(table.release)
    refuse_unless(can_check(by, release), EDIT_REFUSAL)
    table = OutputTable.objects.select_for_update().select_related("source").get(pk=table.pk)  # as it is now
    table.checked_by = by
    _check_or_defer(table, current_rule_set())
    table.save(update_fields=["result", "rules", "checked_at", "checked_by", "passed"])
    _defer_if_large(table)
    return table


def runs_in_background(table: OutputTable) -> bool:
    """Tables above ``DISCLOSURE_BACKGROUND_CELLS`` are checked by a task, so the upload answers at once."""
    return table.cell_count > settings.DISCLOSURE_BACKGROUND_CELLS


def is_waiting(table: OutputTable) -> bool:
    """Whether the table's check is queued or running (no result yet)."""
    return table.result is None and table.passed is None


def _check_or_defer(table: OutputTable, rule_set: DisclosureRuleSet, table_data: Table | None = None) -> None:
    """Check now, or clear the result so the page shows the check as under way (the task fills it in)."""
    if runs_in_background(table):
        table.result, table.rules, table.checked_at, table.passed = None, None, None, None
    else:
        _run_check(table, rule_set, table_data)


def _defer_if_large(table: OutputTable) -> None:
    if is_waiting(table) and runs_in_background(table):
        enqueue("governance.releases.tasks.check_output_table", table.pk, table.table_digest)


def run_background_check(table_id: int, digest: str) -> bool:
    """The task's work: check the table if it is still the upload named and has no current check.

    Idempotent: a duplicated or retried task finds the check done (or the table replaced, whose
    own task will check it) and does nothing. Returns whether a check ran.
    """
    with transaction.atomic():
        table = OutputTable.objects.filter(pk=table_id).select_related("release").first()
        if table is None:
            return False
        _lock(table.release)
        table = OutputTable.objects.select_for_update().select_related("source").get(pk=table_id)
        if table.table_digest != digest or (table.result is not None and is_current(table)):
            return False
    # The check itself runs outside any lock (it can take a while); the result is stored only
    # if the table is still the one checked, under the same lock as uploads.
    rule_set = current_rule_set()
    _run_check(table, rule_set)
    with transaction.atomic():
        _lock(table.release)
        fresh = OutputTable.objects.select_for_update().get(pk=table_id)
        if fresh.table_digest != digest:
            return False
        fresh.result, fresh.rules, fresh.checked_at, fresh.passed = (
            table.result,
            table.rules,
            table.checked_at,
            table.passed,
        )
        fresh.save(update_fields=["result", "rules", "checked_at", "passed"])
    return True


def _store(table: OutputTable, table_data: Table, upload) -> None:
    table.data = table_data.to_json()
    table.table_digest = table_data.digest
    table.cell_count = len(table_data.cells)
    table.original_name = safe_original_name(upload.name)
    table.uploaded_at = timezone.now()
    _check_or_defer(table, current_rule_set(), table_data)


def _rules_for(table: OutputTable, rule_set: DisclosureRuleSet) -> Rules:
    """The rules a table is checked with: the rule set's, with its source's sampling weight for a sample
    and the table's own secondary suppression cost when disclosure control chose one."""
    rules = rules_of(rule_set)
    source = table.source
    if source.extract_type == ExtractType.SAMPLE and source.sampling_weight:
        rules = dataclasses.replace(rules, sampling_weight=source.sampling_weight)
    if table.secondary_cost:
        rules = dataclasses.replace(rules, secondary_cost=SecondaryCost(table.secondary_cost))
    return rules


def _run_check(table: OutputTable, rule_set: DisclosureRuleSet, table_data: Table | None = None) -> CheckResult:
    """Check ``table`` (unsaved) with ``rule_set``; the source's sampling weight is the default weight."""
    table_data = table_data or Table.from_json(table.data)
    source = table.source
    rules = _rules_for(table, rule_set)
    result = check_table(table_data, Extract(source.extract_type), rules, scope=f"asset:{source.asset_id}")
    table.result = result.to_json()
    table.rules = rule_set
    table.checked_at = timezone.now()
    table.passed = result.passed
    return result


def jj_export(table: OutputTable) -> str:
    """The table's protection problem in the JJ format, with the last check's pattern when it is current.

    Statuses and protection levels are those of the rules in force; the secondary cells of a current
    check are marked ``m``, so tau-ARGUS or sdcTable can audit the very pattern that would be published.
    """
    rule_set = current_rule_set()
    result = result_of(table)
    hidden = None
    if result is not None and is_current(table, rule_set):
        hidden = [cell.suppressed for cell in result.cells]
    table_data = Table.from_json(table.data)
    sample = table.source.extract_type == ExtractType.SAMPLE
    return to_jj(problem_of(table_data, _rules_for(table, rule_set), sample=sample, hidden=hidden))


MAX_JJ_UPLOAD_BYTES = 20 * 1024 * 1024
PATTERN_FALLS_SHORT = "The pattern in the file does not protect the table, so nothing changed:"


@transaction.atomic
def apply_jj_pattern(table: OutputTable, *, by: User, upload) -> OutputTable:
    """Replace a table's check by a pattern of hidden cells from a JJ file (chosen or changed in
    tau-ARGUS or sdcTable), all or nothing.

    The file must be this table's problem (same cells and values, same relations); the cells it marks
    ``u`` or ``m`` are hidden and the result goes through the same verification as any check here: every
    unsafe cell hidden, no line giving a cell away, the LP audit with insiders. Any problem refuses the
    file with every problem listed. Who uploads the pattern has prepared the table, and no longer signs
    the release off; a live sign-off is voided. A later check (a rule change, "check again") chooses
    the pattern afresh.
    """
    release = _lock(table.release)
    refuse_unless(can_tune_protection(by, release), TUNE_REFUSAL)
    table = OutputTable.objects.select_for_update().select_related("source").get(pk=table.pk)
    text = _read_jj(upload)
    rule_set = current_rule_set()
    rules = _rules_for(table, rule_set)
    table_data = Table.from_json(table.data)
    extract = Extract(table.source.extract_type)
    try:
        expected = problem_of(table_data, rules, sample=extract == Extract.SAMPLE)
        hidden = pattern_from(from_jj(text), expected)
    except JJError as exc:
        raise ValidationError({"file": exc.errors}) from exc
    result = check_pattern(table_data, extract, rules, hidden, scope=f"asset:{table.source.asset_id}")
    if not result.passed:
        raise ValidationError({"file": [PATTERN_FALLS_SHORT, *result.problems]})
    table.result = result.to_json()
    table.rules = rule_set
    table.checked_at = timezone.now()
    table.checked_by = by
    table.passed = True
    table.save(update_fields=["result", "rules", "checked_at", "checked_by", "passed"])
    _void_sign_off(release, f"The pattern of hidden cells of {table.title} was replaced from a JJ file.")
    return table


MAX_APRIORI_UPLOAD_BYTES = 5 * 1024 * 1024


@transaction.atomic
def apply_apriori(table: OutputTable, *, by: User, upload) -> OutputTable:
    """State, from an a-priori file (tau-ARGUS's .hst), what the rules cannot know about the table's cells:
    unsafe, safe or protected cells, their costs, protection levels and the bounds every reader knows.

    The file replaces every earlier statement, all or nothing: any problem refuses it with every problem
    listed by line. The table is then checked again under the statements (the audit's intruder knows
    the bounds too), a live sign-off is voided, and who stated them no longer signs the release off.
    """
    release = _lock(table.release)
    refuse_unless(can_tune_protection(by, release), TUNE_REFUSAL)
    table = OutputTable.objects.select_for_update().select_related("source").get(pk=table.pk)
    text = _read_text(upload, "a-priori", MAX_APRIORI_UPLOAD_BYTES, "Select an a-priori file")
    try:
        stated = read_apriori(text, Table.from_json(table.data), sample=is_from_sample(table))
    except AprioriError as exc:
        raise ValidationError({"file": exc.errors}) from exc
    return _restate(table, stated, by=by, why=f"The a-priori statements about {table.title} changed.")


@transaction.atomic
def remove_apriori(table: OutputTable, *, by: User) -> OutputTable:
    """Withdraw every a-priori statement about the table's cells; the rules alone decide again."""
    release = _lock(table.release)
    refuse_unless(can_tune_protection(by, release), TUNE_REFUSAL)
    table = OutputTable.objects.select_for_update().select_related("source").get(pk=table.pk)
    plain = with_apriori(Table.from_json(table.data), {})
    return _restate(table, plain, by=by, why=f"The a-priori statements about {table.title} were withdrawn.")


def apriori_text(table: OutputTable) -> str:
    """The table's a-priori statements as a file (empty if there are none)."""
    return to_apriori(Table.from_json(table.data))


def is_from_sample(table: OutputTable) -> bool:
    """Whether the table is made from a sample extract (its published numbers are estimates)."""
    return table.source.extract_type == ExtractType.SAMPLE


def stated_cells(table: OutputTable) -> int:
    """How many of the table's cells have an a-priori statement."""
    return sum(1 for cell in (table.data or {}).get("cells", ()) if cell.get("apriori"))


def _restate(table: OutputTable, table_data: Table, *, by: User, why: str) -> OutputTable:
    if table_data.digest == table.table_digest:
        return table
    table.data = table_data.to_json()
    table.table_digest = table_data.digest
    table.checked_by = by
    _check_or_defer(table, current_rule_set(), table_data)
    table.save(update_fields=["data", "table_digest", "result", "rules", "checked_at", "checked_by", "passed"])
    _defer_if_large(table)
    _void_sign_off(table.release, why)
    return table


def _read_text(upload, what: str, limit: int, missing: str) -> str:
    """An uploaded file's text, within ``limit`` bytes; ``what`` names the kind of file in the messages."""
    if upload is None:
        raise ValidationError({"file": missing})
    if upload.size > limit:
        raise ValidationError({"file": f"The {what} file must be smaller than {limit // (1024 * 1024)} MB"})
    upload.seek(0)
    data = upload.read(limit + 1)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError({"file": f"The {what} file could not be read as text"}) from exc


def _read_jj(upload) -> str:
    return _read_text(upload, "JJ", MAX_JJ_UPLOAD_BYTES, "Select a JJ file")


def result_of(table: OutputTable) -> CheckResult | None:
    return CheckResult.from_json(table.result) if table.result else None


def protected_rows(table: OutputTable) -> list[list[str]]:
    """The protected table (header first) for download: no raw values, weights, contributors or reasons."""
    result = result_of(table)
    if not table_publishable(result, is_current(table)):
        raise ValidationError(
            "This table has not passed its disclosure check with the current rules, so there is no protected table."
        )
    return result.protected_rows(Table.from_json(table.data))


def raw_rows(table: OutputTable) -> list[list[str]]:
    """The table as uploaded, for the disclosure-control role."""
    data = Table.from_json(table.data)
    header = [*data.category_columns, data.value_column]
    has_weight = any(cell.weight is not None for cell in data.cells)
    has_contributors = any(cell.contributors for cell in data.cells)
    has_cost = any(cell.cost is not None for cell in data.cells)
    header += ["weight"] if has_weight else []
    header += ["contributors"] if has_contributors else []
    header += ["cost"] if has_cost else []
    rows = [header]
    for cell in data.cells:
        row = [*cell.key, str(cell.value)]
        if has_weight:
            row.append("" if cell.weight is None else str(cell.weight))
        if has_contributors:
            row.append(";".join(str(value) for value in cell.contributors))
        if has_cost:
            row.append("" if cell.cost is None else str(cell.cost))
        rows.append(row)
    return rows


# --- readiness, sign-off and release ------------------------------------------------------------------


@dataclasses.dataclass
class Readiness:
    """What stands between a release and its sign-off, as sentences for the page."""

    tables: list[OutputTable]
    rule_set: DisclosureRuleSet
    problems: list[str]
    stale: list[OutputTable] = dataclasses.field(default_factory=list)
    # For each table, the published tables of earlier releases from its source asset it is checked against.
    earlier: dict[int, list[OutputTable]] = dataclasses.field(default_factory=dict)

    @property
    def earlier_releases(self) -> list[StatisticalRelease]:
        """The earlier releases the differencing check takes into account, oldest first, each once."""
        seen: dict[int, StatisticalRelease] = {}
        for others in self.earlier.values():
            for other in others:
                seen.setdefault(other.release_id, other.release)
        return sorted(seen.values(), key=lambda release: (release.released_at, release.pk))

    @property
    def ready(self) -> bool:
        return not self.problems


def readiness(release: StatisticalRelease, *, remembered: bool = False) -> Readiness:
    """What keeps the release from sign-off.

    ``remembered``: the joint audit's findings may come from the cache, for a page that shows them; the
    sign-off and the release itself (the control) always audit again."""
    rule_set = current_rule_set()
    tables = list(OutputTable.objects.filter(release=release).select_related("source__asset").order_by("title", "pk"))
    problems = []
    if not tables:
        problems.append("Add at least one output table.")
    stale = [table for table in tables if not is_current(table, rule_set)]
    for table in tables:
        if is_waiting(table):
            problems.append(f"{table.title}: the disclosure check is still running.")
        elif table in stale:
            problems.append(f"{table.title}: check it again with the current rules.")
        elif not table.passed:
            problems.append(f"{table.title}: the disclosure check failed. Change the table and upload it again.")
    earlier = earlier_tables(release, tables) if tables else {}
    if not problems and (len(tables) > 1 or any(earlier.values())):
        problems += linked_problems(tables, rule_set, earlier, remembered=remembered)
    if not problems:
        found, _ = earlier_release_problems(release, tables, rule_set, earlier)
        problems += [problem for table in tables for problem in found[table.pk]]
    return Readiness(tables=tables, rule_set=rule_set, problems=problems, stale=stale, earlier=earlier)


@dataclasses.dataclass
class _JointGroup:
    """One population's tables for the joint audit: this release's from one source, and the earlier ones joined."""

    own: list[OutputTable]  # this release's tables from the source
    earlier: list[OutputTable]  # the earlier releases' tables counting the same people
    tables: list[LinkedTable]  # both, as the audit reads them (this release's first)
    rules: Rules


def _joint_groups(
    tables: list[OutputTable], rule_set: DisclosureRuleSet, earlier: dict[int, list[OutputTable]]
) -> list[_JointGroup]:
    """The release's tables by source, each with the earlier published tables that count the same people.

    Tables are tied by their source: those of one source of this release are one population; an
    earlier release's 100% extract of the same asset is joined when it counts the same people
    (``same_population``: no shared number differs, every line across them adds up).
    """
    by_source: dict[int, list[OutputTable]] = {}
    for table in tables:
        by_source.setdefault(table.source_id, []).append(table)
    rules = rules_of(rule_set)
    groups = []
    for group in by_source.values():
        source = group[0].source
        group_rules = rules
        if source.extract_type == ExtractType.SAMPLE and source.sampling_weight:
            # As each table was checked.
            group_rules = dataclasses.replace(rules, sampling_weight=source.sampling_weight)
        linked = [_linked(table, table.title) for table in group]
        joined: list[OutputTable] = []
        if source.extract_type == ExtractType.FULL:
            candidates = [
                other
                for other in {other.pk: other for table in group for other in earlier.get(table.pk, [])}.values()
                if other.source.extract_type == ExtractType.FULL and other.result
            ]
            by_name = {earlier_name(other): other for other in candidates}
            published = same_population(linked, [_linked(other, name) for name, other in by_name.items()], group_rules)
            linked += published
            joined = [by_name[item.name] for item in published]
        groups.append(_JointGroup(group, joined, linked, group_rules))
    return groups


JOINT_AUDIT_KEPT_SECONDS = 7 * 24 * 3600


def _joint_audit_key(group: _JointGroup, combining: str) -> str:
    """The cache key of a group's joint audit: a digest of everything the audit reads (each table's cells,
    its check's pattern, its source and extract, the rules, the engine) and of how its findings read."""
    parts = [ENGINE_VERSION, repr(group.rules), combining]
    for linked in group.tables:
        result = hashlib.sha256(json.dumps(linked.result.to_json(), sort_keys=True, default=str).encode()).hexdigest()
        parts.append(f"{linked.name}|{linked.source}|{linked.extract.value}|{linked.table.digest}|{result}")
    return "release-joint-audit:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _joint_findings(group: _JointGroup, combining: str, *, remembered: bool) -> list[str]:
    """The group's joint audit findings (the first ten). A page may show them from the cache, kept under
    the digest of what was audited, so a release with large earlier tables is not audited again on every
    view; sign-off and release audit again whatever the cache holds."""
    key = _joint_audit_key(group, combining) if remembered else None
    found = cache.get(key) if key else None
    if not isinstance(found, list):
        found = audit_release(group.tables, group.rules, combining).narrowed[:10]
        if key:
            cache.set(key, found, JOINT_AUDIT_KEPT_SECONDS)
    return found


def linked_problems(
    tables: list[OutputTable],
    rule_set: DisclosureRuleSet,
    earlier: dict[int, list[OutputTable]] | None = None,
    *,
    remembered: bool = False,
) -> list[str]:
    """The release's passed tables audited together, since a cell shared by two tables is one unknown; and with
    them the tables of earlier releases (``earlier_tables``) that count the same people, which an intruder holds.

    ``remembered``: findings from the cache are enough (``_joint_findings``)."""
    problems = []
    for group in _joint_groups(tables, rule_set, earlier or {}):
        if len(group.tables) < 2:
            continue
        combining = "combining the release's tables"
        if group.earlier:
            named = [earlier_name(other) for other in group.earlier]
            more = f" and {len(named) - 3:,} more" if len(named) > 3 else ""
            combining += f" with {', '.join(named[:3])}{more}"
        problems += _joint_findings(group, combining, remembered=remembered)
    return problems


def audited_with_earlier(
    tables: list[OutputTable], rule_set: DisclosureRuleSet, earlier: dict[int, list[OutputTable]]
) -> dict[int, list[OutputTable]]:
    """For each table, the earlier releases' tables the joint audit took as counting the same people."""
    return {table.pk: group.earlier for group in _joint_groups(tables, rule_set, earlier) for table in group.own}


def _linked(table: OutputTable, name: str) -> LinkedTable:
    """A passed, checked table as the joint audit reads it: every table of an asset shares the asset's unknowns."""
    return LinkedTable(
        name=name,
        source=f"asset:{table.source.asset_id}",
        table=Table.from_json(table.data),
        result=CheckResult.from_json(cast(dict, table.result)),  # every table here passed its check
        extract=Extract(table.source.extract_type),
    )


def earlier_tables(release: StatisticalRelease, tables: list[OutputTable]) -> dict[int, list[OutputTable]]:
    """For each table, the tables of released releases (other than this one) drawn from the same source asset.

    An intruder holds every published table of every earlier release; those from the same asset
    count (at least in part) the same people or businesses. One query, whatever the number of tables.
    """
    assets = {table.source.asset_id for table in tables}
    published = list(
        OutputTable.objects.filter(release__status=Status.RELEASED, source__asset_id__in=assets, passed=True)
        .exclude(release=release)
        .select_related("release", "source", "rules")
        .order_by("release__released_at", "release_id", "title", "pk")
    )
    return {
        table.pk: [other for other in published if other.source.asset_id == table.source.asset_id] for table in tables
    }


def _published(table: OutputTable, rules: Rules, name: str) -> Published:
    """A checked table as a reader holds it (callers pass only tables with a stored check)."""
    return Published(
        name=name, table=Table.from_json(table.data), result=CheckResult.from_json(table.result or {}), rules=rules
    )


def earlier_name(table: OutputTable) -> str:
    """'"Claimant counts, May" (released 4 May 2026), table "By region"': how a message names an earlier table."""
    released = timezone.localtime(table.release.released_at)
    return f'"{table.release.title}" (released {released.day} {released:%B %Y}), table "{table.title}"'


def earlier_release_problems(
    release: StatisticalRelease,
    tables: list[OutputTable],
    rule_set: DisclosureRuleSet,
    considered: dict[int, list[OutputTable]] | None = None,
) -> tuple[dict[int, list[str]], dict[int, list[OutputTable]]]:
    """Differencing against earlier releases: each passed table against every published table of a released
    release from the same source asset, and which earlier tables each table was checked against.

    A release drawn from nearly the same population as an earlier one gives its newcomers away
    when one table is subtracted from the other (``differencing.newcomer_problems``); the earlier
    tables' published figures are those of their own check, under the rules they were released with.
    """
    if considered is None:
        considered = earlier_tables(release, tables)
    problems: dict[int, list[str]] = {table.pk: [] for table in tables}
    for table in tables:
        if not table.passed or not table.result or not considered[table.pk]:
            continue
        mine = _published(table, _rules_for(table, rule_set), f'"{table.title}"')
        for other in considered[table.pk]:
            if other.rules is None or not other.result:
                continue
            earlier = _published(other, rules_of(other.rules), earlier_name(other))
            problems[table.pk] += [f"{table.title}: {problem}" for problem in newcomer_problems(mine, earlier)]
    return problems, considered


def is_current(table: OutputTable, rule_set: DisclosureRuleSet | None = None) -> bool:
    """Whether the stored check is of this very table under the rules in force."""
    rule_set = rule_set or current_rule_set()
    result = table.result or {}
    return table.rules_id == rule_set.pk and result.get("table_digest") == table.table_digest


def fingerprint(tables: list[OutputTable], rule_set: DisclosureRuleSet) -> str:
    """A digest of exactly what would be published: every table, its source's extract and the rules."""
    parts = [f"rules:{rule_set.digest}"]
    for table in sorted(tables, key=lambda row: row.pk):
        source = table.source
        checked = (table.result or {}).get("table_digest", "")
        parts.append(
            f"table:{table.pk}:{table.table_digest}:{checked}:{table.passed}:"
            f"{source.asset_id}:{source.extract_type}:{source.sampling_weight}"
            + (f":{table.secondary_cost}" if table.secondary_cost else "")  # older sign-offs keep their fingerprint
        )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def live_sign_off(release: StatisticalRelease) -> ReleaseSignOff | None:
    return (
        ReleaseSignOff.objects.filter(release=release, voided_at__isnull=True)
        .select_related("signed_by", "rules")
        .first()
    )


SIGN_OFF_REFUSAL = (
    "Only the Chief Statistician or a disclosure-control officer who did not prepare the release, upload its "
    "tables or check them can sign it off."
)


def sign_off(
    release: StatisticalRelease,
    *,
    by: User,
    token: str = "",
    key_assertion: str = "",
    comments: str = "",
    request: HttpRequest | None = None,
) -> ReleaseSignOff:
    """A second person confirms the disclosure control, with fresh strong verification.

    A signer with a security key answers a new user-verified assertion; others give a
    fresh one-time code. The verification is checked (and a refusal recorded) before
    the sign-off's own transaction, whose rules are then checked again under the lock.
    """
    refuse_unless(can_sign_off(by, release), SIGN_OFF_REFUSAL)
    _check_can_sign(release)  # so nobody is asked for a key or code for a release that cannot be signed
    verify_fresh_second_factor(by, request=request, token=token, key_assertion=key_assertion)
    return _sign_off_verified(release, by=by, comments=comments, request=request)


def _check_can_sign(release: StatisticalRelease) -> Readiness:
    if live_sign_off(release) is not None:
        raise ValidationError("The release is already signed off.")
    state = readiness(release)
    if not state.ready:
        raise ValidationError(state.problems)
    return state


@transaction.atomic
def _sign_off_verified(
    release: StatisticalRelease, *, by: User, comments: str, request: HttpRequest | None
) -> ReleaseSignOff:
    release = _lock(release)
    refuse_unless(can_sign_off(by, release), SIGN_OFF_REFUSAL)
    state = _check_can_sign(release)
    ip_address = (request.META.get("REMOTE_ADDR") or None) if request is not None else None
    return _record_sign_off(release, state, by=by, comments=comments, ip_address=ip_address)


def _record_sign_off(
    release: StatisticalRelease, state: Readiness, *, by: User, comments: str, ip_address: str | None
) -> ReleaseSignOff:
    """Write the sign-off once every check has passed (the demo data uses this to skip the one-time code)."""
    signed = ReleaseSignOff.objects.create(
        release=release,
        release_author_id=release.author_id,
        signed_by=by,
        signed_as="Chief Statistician" if is_chief_statistician(by) else "Disclosure control officer",
        rules=state.rule_set,
        fingerprint=fingerprint(state.tables, state.rule_set),
        comments=comments,
        ip_address=ip_address,
    )
    release.status = Status.SIGNED_OFF
    release.save(update_fields=["status"])
    notify(
        release.author,
        key=f"release-signed-off:{signed.pk}",
        subject=f"Signed off: {release.title}",
        template="emails/release_signed_off.txt",
        context={"release": release, "sign_off": signed},
    )
    return signed


@transaction.atomic
def mark_released(release: StatisticalRelease, *, by: User) -> StatisticalRelease:
    """Record publication: only with a live sign-off covering exactly the tables and rules in force now."""
    release = _lock(release)
    refuse_unless(can_mark_released(by, release), "Only the release's author or the Chief Statistician can release it.")
    signed = live_sign_off(release)
    if signed is None:
        raise ValidationError("The release has not been signed off by a second person.")
    state = readiness(release)
    if not state.ready or fingerprint(state.tables, state.rule_set) != signed.fingerprint:
        changed = "The tables or the rules have changed since sign-off: it must be checked and signed off again."
        raise ValidationError([changed, *state.problems])
    release.status = Status.RELEASED
    release.released_at = timezone.now()
    release.released_by = by
    release.save(update_fields=["status", "released_at", "released_by"])
    return release


def _void_sign_off(release: StatisticalRelease, reason: str) -> ReleaseSignOff | None:
    """Void the live sign-off (kept as evidence) and return the release to preparation."""
    signed = ReleaseSignOff.objects.select_for_update().filter(release=release, voided_at__isnull=True).first()
    if signed is None:
        return None
    signed.voided_at = timezone.now()
    signed.voided_reason = reason[:300]
    signed.save(update_fields=["voided_at", "voided_reason"])
    if release.status == Status.SIGNED_OFF:
        release.status = Status.DRAFT
        release.save(update_fields=["status"])
    notify(
        release.author,
        key=f"release-sign-off-voided:{signed.pk}",
        subject=f"Sign-off voided: {release.title}",
        template="emails/release_sign_off_voided.txt",
        context={"release": release, "sign_off": signed, "reason": reason},
    )
    return signed
