"""Output clearance for fitted models: a table of coefficients with the model's degrees of freedom.

The coefficients arrive as the header and rows of a CSV file split into text, with a ``term``
column, an ``estimate`` (or ``coefficient``) column and a ``standard_error`` (or ``std_error``,
``se``; R's ``std.error`` and Stata's ``Std. Err.`` read the same) column; other columns, such as
p-values, are ignored. The residual degrees of freedom and the number of observations are
given separately, as the researcher reports them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from governance.disclosure.output_checks import FAIL, REVIEW, Finding, FindingList, OutputRules
from governance.disclosure.output_tables import MAX_LABEL_LENGTH, NUMBER, OutputFormatError, plural

MAX_TERMS = 10_000
TERM_NAMES = ("term",)
ESTIMATE_NAMES = ("estimate", "coefficient", "coef")
ERROR_NAMES = ("standard_error", "std_error", "se", "std_err")


@dataclass(frozen=True)
class ModelResult:
    coefficients: tuple[tuple[str, float, float], ...]  # (term, estimate, standard error)
    residual_df: int
    observations: int

    def to_dict(self) -> dict:
        return {
            "coefficients": [[term, estimate, error] for term, estimate, error in self.coefficients],
            "residual_df": self.residual_df,
            "observations": self.observations,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ModelResult:
        """A model from ``to_dict`` output. Raises ValueError if it is malformed."""
        try:
            return cls(
                coefficients=tuple((str(t), float(e), float(s)) for t, e, s in data["coefficients"]),
                residual_df=int(data["residual_df"]),
                observations=int(data["observations"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"Malformed model result: {exc!r}") from exc


def _column_name(name: str) -> str:
    """'Std. Error', 'std.error' and 'standard error' all read as 'std_error' / 'standard_error'."""
    return re.sub(r"[\s._-]+", "_", name.strip().casefold()).strip("_")


def _position(names: list[str], wanted: tuple[str, ...], describe: str, problems: list[str]) -> int | None:
    found = [i for i, name in enumerate(names) if name in wanted]
    if not found:
        problems.append(f"The header row needs {describe}.")
        return None
    if len(found) > 1:
        problems.append(f"The header row has more than one column for {describe}; keep one.")
        return None
    return found[0]


def _read_float(text: str, what: str, where: str, problems: list[str]) -> float | None:
    if not text:
        problems.append(f"{where}: the {what} is empty.")
    elif not NUMBER.fullmatch(text) or not math.isfinite(float(text)):
        problems.append(f'{where}: {what} "{text}" is not a number (leave out a term the model could not estimate).')
    else:
        return float(text)
    return None


def parse_model(
    header: Sequence[str], rows: Sequence[Sequence[str]], *, residual_df: int, observations: int
) -> ModelResult:
    """Read a model's coefficients, or raise OutputFormatError listing every problem found."""
    problems: list[str] = []
    if not isinstance(residual_df, int) or isinstance(residual_df, bool) or residual_df < 0:
        problems.append("The residual degrees of freedom must be a whole number, 0 or more.")
    if not isinstance(observations, int) or isinstance(observations, bool) or observations < 1:
        problems.append("The number of observations must be a whole number, 1 or more.")
    if len(rows) > MAX_TERMS:
        problems.append(f"The model has {len(rows):,} rows; the most that can be checked is {MAX_TERMS:,}.")
        raise OutputFormatError(problems)
    names = [_column_name(str(name)) for name in header]
    term = _position(names, TERM_NAMES, 'a "term" column', problems)
    estimate = _position(names, ESTIMATE_NAMES, 'an "estimate" (or "coefficient") column', problems)
    error = _position(names, ERROR_NAMES, 'a "standard_error" (or "std_error", "se") column', problems)
    if term is None or estimate is None or error is None:
        raise OutputFormatError(problems)
    needed = max(term, estimate, error) + 1
    coefficients: list[tuple[str, float, float]] = []
    seen_rows = False
    first_row: dict[str, int] = {}
    for number, raw in enumerate(rows, start=2):
        values = ["" if text is None else str(text).strip() for text in raw]
        if not any(values):
            continue
        seen_rows = True
        where = f"Row {number}"
        if len(values) < needed:
            columns = plural(len(header), "column")
            problems.append(f"{where} has {plural(len(values), 'value')}; the header names {columns}.")
            continue
        name = values[term]
        if not name:
            problems.append(f"{where}: the term is empty; name the term each row is for.")
        elif len(name) > MAX_LABEL_LENGTH:
            problems.append(f"{where}: the term is longer than {MAX_LABEL_LENGTH} characters.")
        elif name in first_row:
            problems.append(f'{where}: the term "{name}" is already on row {first_row[name]}.')
        else:
            first_row[name] = number
        value = _read_float(values[estimate], "estimate", where, problems)
        spread = _read_float(values[error], "standard error", where, problems)
        if spread is not None and spread < 0:
            problems.append(f'{where}: standard error "{values[error]}" is negative.')
        if value is not None and spread is not None:
            coefficients.append((name, value, spread))
    if not seen_rows:
        problems.append("The model has no terms under the header.")
    if problems:
        raise OutputFormatError(problems)
    return ModelResult(
        coefficients=tuple(coefficients),
        residual_df=residual_df,
        observations=observations,
    )


def check_model(model: ModelResult, *, rules: OutputRules = OutputRules()) -> list[Finding]:  # noqa: B008 (frozen)
    """Too few residual degrees of freedom or observations (fail); zero standard errors or a perfect fit (review)."""
    problems = rules.validate()
    if problems:
        raise ValueError("; ".join(problems))
    found = FindingList()
    df = model.residual_df
    if df < rules.minimum_residual_df:
        found.add(
            "residual_df",
            FAIL,
            f"The model has {plural(df, 'residual degree', 'residual degrees')} of freedom; "
            f"at least {rules.minimum_residual_df:,} are needed.",
        )
    if model.observations < rules.threshold:
        found.add(
            "threshold",
            FAIL,
            f"The model uses {plural(model.observations, 'observation')}, "
            f"fewer than the minimum of {rules.threshold:,}.",
        )
    if df == 0:
        found.add(
            "perfect_fit",
            REVIEW,
            "The model has no residual degrees of freedom: it fits its data exactly, "
            "so its fitted values are the observations themselves.",
        )
    for term, _estimate, error in model.coefficients:
        if error == 0:
            found.add(
                "perfect_fit",
                REVIEW,
                f'The term "{term}" has a standard error of 0: the model may fit some observations exactly '
                "(for example a category holding one person); the checker must look.",
                term,
            )
    if len(model.coefficients) + df > model.observations:
        found.add(
            "format",
            REVIEW,
            f"The model reports {plural(len(model.coefficients), 'term')} and {plural(df, 'residual degree')} "
            f"of freedom, more than its {plural(model.observations, 'observation')} allow; "
            "the checker must confirm the figures.",
        )
    return found.all()


__all__ = ["ModelResult", "check_model", "parse_model"]
