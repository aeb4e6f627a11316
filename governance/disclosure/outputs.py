"""Checks on researchers' outputs (tables and model results) before they leave: a minimal stand-in.

Only the interface the portal's safe-outputs pages use, with the simplest checks (a threshold on
counts, a minimum of residual degrees of freedom); the full engine replaces this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Finding:
    code: str
    outcome: str  # "fail" or "review"
    message: str
    cells: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {**asdict(self), "cells": list(self.cells)}

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        return cls(data["code"], data["outcome"], data["message"], tuple(data.get("cells", ())))


@dataclass(frozen=True)
class OutputRules:
    threshold: int = 10
    min_residual_df: int = 10


class OutputFormatError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class OutputTable:
    columns: list[str]
    rows: list[dict[str, str]]
    name: str = ""

    def to_dict(self) -> dict:
        return {"columns": list(self.columns), "rows": [dict(row) for row in self.rows], "name": self.name}

    @classmethod
    def from_dict(cls, data: dict) -> OutputTable:
        return cls(list(data["columns"]), [dict(row) for row in data["rows"]], data.get("name", ""))


@dataclass
class ModelResult:
    terms: list[tuple[str, float, float]] = field(default_factory=list)
    residual_df: int = 0
    observations: int = 0


def parse_table(header: list[str], rows: list[list[str]]) -> OutputTable:
    columns = [str(name).strip().lower() for name in header]
    if "count" not in columns and "value" not in columns:
        raise OutputFormatError(["The first row must name a 'count' or a 'value' column"])
    problems, parsed = [], []
    number = columns.index("count") if "count" in columns else columns.index("value")
    for n, values in enumerate(rows, start=2):
        row = {columns[i]: str(v).strip() for i, v in enumerate(values) if i < len(columns)}
        try:
            float(row.get(columns[number], ""))
        except ValueError:
            problems.append(f"Row {n}: '{row.get(columns[number], '')}' is not a number")
        parsed.append(row)
    if not parsed:
        problems.append("The table has no rows")
    if problems:
        raise OutputFormatError(problems)
    return OutputTable(columns, parsed)


def check_table(
    table: OutputTable, *, rules: OutputRules = OutputRules(), earlier: Sequence[OutputTable] = ()
) -> list[Finding]:
    if "count" not in table.columns:
        return []
    findings = []
    labels = [c for c in table.columns if c not in ("count", "value", "contributor", "statistic")]
    for row in table.rows:
        count = float(row["count"])
        if 0 < count < rules.threshold:
            cell = ", ".join(row.get(c, "") for c in labels)
            findings.append(
                Finding("threshold", "fail", f"The count for {cell} is {count:g}, below {rules.threshold}", (cell,))
            )
    return findings


def parse_model(header: list[str], rows: list[list[str]], *, residual_df: int, observations: int) -> ModelResult:
    columns = [str(name).strip().lower() for name in header]
    missing = [c for c in ("term", "estimate", "standard_error") if c not in columns]
    if missing:
        raise OutputFormatError([f"The first row must name the columns. Missing: {', '.join(missing)}"])
    problems, terms = [], []
    for n, values in enumerate(rows, start=2):
        row = dict(zip(columns, values, strict=False))
        try:
            terms.append((row["term"], float(row["estimate"]), float(row["standard_error"])))
        except (KeyError, ValueError):
            problems.append(f"Row {n}: the estimate and standard error must be numbers")
    if problems:
        raise OutputFormatError(problems)
    return ModelResult(terms, residual_df, observations)


def check_model(model: ModelResult, *, rules: OutputRules = OutputRules()) -> list[Finding]:
    if model.residual_df < rules.min_residual_df:
        return [
            Finding(
                "residual_df",
                "fail",
                f"The model has {model.residual_df} residual degrees of freedom; at least "
                f"{rules.min_residual_df} are needed",
            )
        ]
    return []


def summarise(findings: Sequence[Finding]) -> str:
    if not findings:
        return "No problems found."
    fails = sum(1 for f in findings if f.outcome == "fail")
    return f"{fails} failed, {len(findings) - fails} to review."
