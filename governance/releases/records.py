"""The disclosure record of a table and of a release: what was checked, by which rules and engine, and how it came out.

Machine-readable (JSON), so a reviewer or a later audit can re-run or compare checks. It
names the rule-set version and digest but not the parameters, and no cell values: it is
still methodology, so only disclosure control and auditors may read it
(``policy.can_see_disclosure_record``).
"""

from __future__ import annotations

from governance.releases.models import OutputTable, StatisticalRelease
from governance.releases.workflow import (
    audited_with_earlier,
    current_rule_set,
    earlier_release_problems,
    is_current,
    result_of,
)

RECORD_FORMAT = "custodian-disclosure-record/1"


def table_record(table: OutputTable, earlier: dict | None = None) -> dict:
    """The record of one table's latest check (``checked`` is False while it waits for one).

    ``earlier`` is what the checks against earlier releases took into account (``release_record``
    works it out for every table at once); without it, it is worked out for this table alone.
    """
    if earlier is None:
        earlier = _earlier_releases(table.release, [table])[table.pk]
    result = result_of(table)
    record: dict = {
        "format": RECORD_FORMAT,
        "release": table.release_id,
        "table": {"id": table.pk, "title": table.title, "digest": table.table_digest, "cells": table.cell_count},
        "source": {"asset": table.source.asset_id, "extract": table.source.extract_type},
        "checked": result is not None,
    }
    if table.secondary_cost:  # the table's own choice, in place of the rule set's
        record["table"]["secondary_cost"] = table.secondary_cost
    if result is None:
        return record
    rules = table.rules
    audit = dict(result.audit)
    record |= {
        "checked_at": table.checked_at.isoformat() if table.checked_at else None,
        "rule_set": {"version": rules.version, "digest": rules.digest} if rules else None,
        "current": is_current(table),
        "engine": audit.pop("engine", "1"),
        "method": result.method,
        "checks": {
            "primary_rules": _primary_checks(table, result),
            "secondary_suppression": audit.pop("pattern", {}),
            "lp_audit": audit,
            "verifier": "independent LP audit of the published table" if audit else "line and exact-recovery checks",
            "differencing_with_earlier_releases": earlier["differencing"],
            "joint_audit_with_earlier_releases": earlier["joint_audit"],
        },
        "counts": dict(result.counts),
        "outcome": {"passed": result.passed, "problems": len(result.problems)},
    }
    return record


def _earlier_releases(release: StatisticalRelease, tables: list[OutputTable]) -> dict[int, dict]:
    """For each table, what the checks against earlier releases took into account: the earlier releases (and their
    tables) it was compared with and how many cells it gave away by differencing; and those of them the joint
    audit read as counting the same people.

    Named even when nothing was found, so the record shows what the checks took into account.
    """
    rule_set = current_rule_set()
    problems, considered = earlier_release_problems(release, tables, rule_set)
    checked = [table for table in tables if table.passed and table.result]
    together = audited_with_earlier(checked, rule_set, considered) if checked else {}
    return {
        table.pk: {
            "differencing": {
                "earlier_tables": [_named(other) for other in considered[table.pk]],
                "problems": len(problems[table.pk]),
            },
            "joint_audit": {"earlier_tables": [_named(other) for other in together.get(table.pk, [])]},
        }
        for table in tables
    }


def _named(other: OutputTable) -> dict:
    return {
        "release": other.release_id,
        "title": other.release.title,
        "released_at": other.release.released_at.isoformat() if other.release.released_at else None,
        "table": other.pk,
        "table_title": other.title,
    }


def _primary_checks(table: OutputTable, result) -> list[str]:
    data_kind = (table.data or {}).get("kind")
    if result.method == "perturbation":
        return ["consistent perturbation"]
    if result.method == "sample grossing":
        checks = ["grossing by weight", "low sample"]
        if data_kind == "magnitude":
            checks += ["p% dominance", "(n,k) dominance"]
        return [*checks, "rounding"]
    if data_kind == "magnitude":
        return ["minimum contributors", "p% dominance", "(n,k) dominance", "margins by the same rules", "rounding"]
    return ["threshold", "rounding"]


def release_record(release: StatisticalRelease) -> dict:
    """Every table's record, and whether the release as a whole has passed under the rules in force."""
    rule_set = current_rule_set()
    tables = list(OutputTable.objects.filter(release=release).select_related("source", "rules").order_by("title", "pk"))
    earlier = _earlier_releases(release, tables)
    records = [table_record(table, earlier[table.pk]) for table in tables]
    return {
        "format": RECORD_FORMAT,
        "release": {"id": release.pk, "title": release.title, "status": release.status},
        "rule_set": {"version": rule_set.version, "digest": rule_set.digest},
        "tables": records,
        "outcome": {
            "passed": bool(records)
            and all(r.get("current") and r["outcome"]["passed"] for r in records if r["checked"])
            and all(r["checked"] for r in records),
        },
    }
