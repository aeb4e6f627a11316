"""Time the disclosure check on synthetic tables.

Targets: a 10,000-cell table checked, LP audit included, in under 5 seconds; a 50,000-cell table
(``--large``) as the background task checks it in under 60 seconds.

The tables are built in memory with a fixed seed, so runs are comparable: a 2-D frequency
table with row and column totals and a few small and zero cells, and a magnitude table of
the same shape whose interior cells have 3 to 8 contributors each. No database is used.
"""

from __future__ import annotations

import csv
import io
import math
import random
import statistics
import time
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError

from governance.disclosure import Cell, Extract, Method, Rules, Table, check_table, parse_table, verify_protection
from governance.disclosure.secondary import forget_audits
from governance.disclosure.tables import FREQUENCY, MAGNITUDE, TOTAL_LABEL

TARGET_SECONDS = 5.0
LARGE_TARGET_SECONDS = 60.0
SEED = 20_240_601


def _shape(cells: int) -> int:
    """Rows (and columns) of a square table whose interior plus margins holds at most ``cells`` cells."""
    return max(1, math.isqrt(cells) - 1)


def _with_margins(interior: dict[tuple[str, str], Decimal], side: int) -> list[tuple[tuple[str, str], Decimal]]:
    """The interior cells row by row, each row followed by its total, then the row of column totals."""
    rows = [f"R{r:04d}" for r in range(side)]
    columns = [f"C{c:04d}" for c in range(side)]
    ordered = []
    for row in rows:
        for column in columns:
            ordered.append(((row, column), interior[row, column]))
        ordered.append(((row, TOTAL_LABEL), sum((interior[row, c] for c in columns), Decimal(0))))
    for column in columns:
        ordered.append(((TOTAL_LABEL, column), sum((interior[r, column] for r in rows), Decimal(0))))
    ordered.append(((TOTAL_LABEL, TOTAL_LABEL), sum(interior.values(), Decimal(0))))
    return ordered


def frequency_table(cells: int, rng: random.Random) -> Table:
    """Counts: about 2% zeros, 1% small counts (so most need secondary suppression), the rest 10 to 400."""
    side = _shape(cells)
    interior = {}
    for r in range(side):
        for c in range(side):
            draw = rng.random()
            count = 0 if draw < 0.02 else rng.randint(1, 9) if draw < 0.03 else rng.randint(10, 400)
            interior[f"R{r:04d}", f"C{c:04d}"] = Decimal(count)
    return Table(
        category_columns=("Region", "Occupation"),
        value_column="count",
        kind=FREQUENCY,
        cells=tuple(Cell(key=key, value=value) for key, value in _with_margins(interior, side)),
    )


def magnitude_table(cells: int, rng: random.Random) -> Table:
    """Amounts: each interior cell the sum of 3 to 8 contributors with skewed values."""
    side = _shape(cells)
    contributors: dict[tuple[str, str], tuple[Decimal, ...]] = {}
    for r in range(side):
        for c in range(side):
            count = rng.randint(3, 8)
            values = tuple(Decimal(str(round(rng.lognormvariate(6, 0.8), 2))) for _ in range(count))
            contributors[f"R{r:04d}", f"C{c:04d}"] = values
    interior = {key: sum(values, Decimal(0)) for key, values in contributors.items()}
    return Table(
        category_columns=("Region", "Industry"),
        value_column="turnover",
        kind=MAGNITUDE,
        cells=tuple(
            Cell(key=key, value=value, contributors=contributors.get(key, ()))
            for key, value in _with_margins(interior, side)
        ),
    )


def as_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*table.category_columns, "count"])
    for cell in table.cells:
        writer.writerow([*cell.key, cell.value])
    return out.getvalue().encode()


class Command(BaseCommand):
    help = (
        "Time check_table on synthetic 2-D tables (frequency and magnitude) for full extracts with "
        "suppression, full extracts with perturbation, and sample extracts. Uses no database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cells", type=int, default=10_000, help="About how many cells each table has.")
        parser.add_argument("--repeat", type=int, default=5, help="Timed runs per case.")
        parser.add_argument(
            "--large", type=int, default=0, help="Also time a table of this many cells as the background task would."
        )
        parser.add_argument("--only", default="", help="Run only the cases whose label contains this text.")

    def handle(self, *args, cells, repeat, large=0, only="", **options):
        if cells < 4 or repeat < 1:
            raise CommandError("--cells must be at least 4 and --repeat at least 1.")
        rng = random.Random(SEED)  # noqa: S311 - reproducible test data, not a secret
        frequency, magnitude = frequency_table(cells, rng), magnitude_table(cells, rng)
        suppression = Rules()
        perturbation = Rules(method=Method.PERTURBATION, perturbation_key="benchmark-key")
        self.stdout.write(f"Disclosure check, {repeat} runs per case (target {TARGET_SECONDS:.1f} s):")
        self._time_parse(frequency, repeat)
        for label, table, extract, rules in [
            ("frequency, full, suppression", frequency, Extract.FULL, suppression),
            ("frequency, full, perturbation", frequency, Extract.FULL, perturbation),
            ("frequency, sample", frequency, Extract.SAMPLE, suppression),
            ("magnitude, full, suppression", magnitude, Extract.FULL, suppression),
            ("magnitude, full, perturbation", magnitude, Extract.FULL, perturbation),
            ("magnitude, sample", magnitude, Extract.SAMPLE, suppression),
        ]:
            if only and only not in label:
                continue
            timings, result = [], None
            for _ in range(repeat):
                forget_audits()  # each run audits afresh, as a new upload would
                started = time.perf_counter()
                result = check_table(table, extract, rules, scope="benchmark")
                timings.append(time.perf_counter() - started)
            forget_audits()
            started = time.perf_counter()
            verify_protection(table, result.cells, rules, extract)
            audit_seconds = time.perf_counter() - started
            counts, pattern = result.counts, result.audit.get("pattern", {})
            detail = (
                f"suppressed {counts['suppressed']:,} (primary {counts['primary']:,}, "
                f"secondary {counts['secondary']:,}), perturbed {counts['perturbed']:,}, "
                f"pattern {pattern.get('method', '-')}, LP audit alone {audit_seconds:.2f} s "
                f"({result.audit.get('programs', 0):,} programs), {'passed' if result.passed else 'failed'}"
            )
            self._report(label, len(table.cells), timings, detail)
        if large:
            big = frequency_table(large, random.Random(SEED))  # noqa: S311 - reproducible test data
            forget_audits()
            started = time.perf_counter()
            result = check_table(big, Extract.FULL, suppression, scope="benchmark")
            seconds = time.perf_counter() - started
            verdict = "met" if seconds < LARGE_TARGET_SECONDS else "missed"
            self.stdout.write(
                f"  {'frequency, full, background task':<31} {len(big.cells):>7,} cells  {seconds:.3f} s  "
                f"suppressed {result.counts['suppressed']:,}, {'passed' if result.passed else 'failed'}  "
                f"target {LARGE_TARGET_SECONDS:.0f} s: {verdict}"
            )

    def _time_parse(self, table: Table, repeat: int) -> None:
        data = as_csv(table)
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            parse_table(data, "benchmark.csv")
            timings.append(time.perf_counter() - started)
        self._report("frequency, parse CSV", len(table.cells), timings, f"{len(data) / 1024:,.0f} KB")

    def _report(self, label: str, cells: int, timings: list[float], detail: str) -> None:
        worst = max(timings)
        verdict = "met" if worst < TARGET_SECONDS else "missed"
        self.stdout.write(
            f"  {label:<31} {cells:>7,} cells  median {statistics.median(timings):.3f} s  max {worst:.3f} s  "
            f"{detail}  target {TARGET_SECONDS:.1f} s: {verdict}"
        )
