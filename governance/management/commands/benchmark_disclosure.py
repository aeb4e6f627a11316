"""Time the disclosure check on synthetic tables, and compare it with the field's tools.

Targets: a 10,000-cell table checked, LP audit included, in under 5 seconds; a 50,000-cell table
(``--large``) as the background task checks it in under 60 seconds.

``--compare`` runs the comparison set instead (``governance.disclosure.comparison``): per table
shape and kind, this engine's secondaries, value hidden, CPU time and audit verdict beside
tau-ARGUS OPT's on the same protection problem (when pytauargus is installed), and the ratios.
``--acro 10000,50000`` times ACRO's primary checks on tables of those sizes (when acro is
installed) against this engine's whole check; ``--determinism`` checks one table twice, the
second time beside busy processes, and says whether the patterns are the same.

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

from governance.disclosure import (
    Cell,
    CheckResult,
    Extract,
    Method,
    Rules,
    Table,
    check_table,
    comparison,
    parse_table,
    verify_protection,
)
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
        parser.add_argument(
            "--compare", action="store_true", help="Run the comparison set against tau-ARGUS OPT instead."
        )
        parser.add_argument(
            "--tables",
            default="",
            help="With --compare: the shapes to run, comma-separated (default all: "
            + ", ".join(comparison.SHAPES)
            + ").",
        )
        parser.add_argument("--kind", choices=["", "frequency", "magnitude"], default="", help="Only this kind.")
        parser.add_argument(
            "--limit", type=float, default=300.0, help="Seconds any one run may take before it is stopped."
        )
        parser.add_argument("--no-peer", action="store_true", help="With --compare: leave tau-ARGUS out.")
        parser.add_argument(
            "--acro", default="", help="Table sizes (cells, comma-separated) to time against ACRO's primary checks."
        )
        parser.add_argument(
            "--determinism",
            default="",
            help="A shape to check twice, the second time under load (kinds as --kind); the patterns must match.",
        )
        parser.add_argument("--busy", type=int, default=2, help="Busy processes beside the second determinism run.")

    def handle(self, *args, cells, repeat, large=0, only="", **options):
        if options.get("compare") or options.get("acro") or options.get("determinism"):
            self._comparison(**options)
            return
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
            timings: list[float] = []
            result: CheckResult  # set by the runs below: --repeat is at least 1
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

    # --- the comparison set ----------------------------------------------------------------------

    def _comparison(self, *, compare=False, tables="", kind="", limit=300.0, no_peer=False, **options) -> None:
        if limit <= 0:
            raise CommandError("--limit must be more than 0 seconds.")
        names = [name.strip() for name in tables.split(",") if name.strip()] or list(comparison.SHAPES)
        unknown = [name for name in names if name not in comparison.SHAPES]
        if unknown:
            raise CommandError(f"Unknown shapes: {', '.join(unknown)}. Known: {', '.join(comparison.SHAPES)}.")
        if compare:
            self._compare(names, kind, limit, no_peer)
        if options.get("acro"):
            self._against_acro(options["acro"], kind, limit)
        if options.get("determinism"):
            self._determinism(options["determinism"], kind, limit, options.get("busy", 2))

    def _compare(self, names: list[str], kind: str, limit: float, no_peer: bool) -> None:
        peer = not no_peer and comparison.peer_available()
        self.stdout.write(
            f"Comparison set (seed {comparison.SEED}), each run in its own process, stopped after {limit:.0f} s; "
            "CPU seconds; value hidden = sum of the secondary cells; short = primaries an outsider narrows below "
            "their protection (or cells recovered exactly) / insiders' / under FREQ(10,30); verified = CPU to a "
            "pattern that has passed the LP audit, insiders included (this engine's check includes it; tau-ARGUS's "
            "pattern is then audited by it); OPT completed = OPT's pattern with the cells this engine's repairs "
            "add until it passes that audit (and its clean-up), CPU OPT's and the completion's."
        )
        if not peer:
            reason = "left out (--no-peer)" if no_peer else "pytauargus is not installed (pip install pytauargus)"
            self.stdout.write(f"tau-ARGUS OPT: {reason}; its columns are empty.")
        self.stdout.write(
            "| table | kind | cells | primaries | secondaries C / OPT | value hidden C / OPT (ratio) "
            "| CPU s C / OPT (ratio) | verified, CPU s C / OPT (ratio) | audit C / OPT | short C / OPT "
            "| OPT completed: secondaries, value hidden C / it (ratio), CPU s C / it (ratio), audit | load 1 min |"
        )
        self.stdout.write("|---|---|---:|---:|---:|---:|---:|---:|---|---|---|---:|")
        for name in names:
            shape = comparison.SHAPES[name]
            frequency, magnitude = comparison.tables(shape, comparison.microdata(shape))
            for table in (frequency, magnitude):
                if kind and table.kind != kind:
                    continue
                rules = comparison.rules_for(table.kind)
                mine = comparison.bounded(comparison.run_custodian, (table, rules), limit, "custodian")
                theirs = comparison.Outcome("tau-ARGUS OPT", note="not run")
                if peer:
                    theirs = comparison.bounded(
                        comparison.run_tau_argus, (table, rules, int(limit)), limit + 30, "tau-ARGUS OPT"
                    )
                self.stdout.write(self._row(name, table, mine, theirs))
                for outcome in (mine, theirs):
                    if outcome.note and outcome.note != "not run":
                        self.stdout.write(f"    {outcome.engine}: {outcome.note}")

    def _row(self, name: str, table: Table, mine: comparison.Outcome, theirs: comparison.Outcome) -> str:
        both = theirs.ran
        cells = f"{len(table.cells):,}"
        primaries = mine.primaries or theirs.primaries
        secondaries = f"{mine.secondaries} / {theirs.secondaries if both else '-'}"
        value = f"{mine.value_hidden:,.0f} / " + (
            f"{theirs.value_hidden:,.0f} ({comparison.ratio(mine.value_hidden, theirs.value_hidden)})" if both else "-"
        )
        cpu = f"{mine.cpu_seconds:.2f} / " + (
            f"{theirs.cpu_seconds:.2f} ({comparison.ratio(mine.cpu_seconds, theirs.cpu_seconds)})" if both else "-"
        )
        verified_theirs = theirs.cpu_seconds + theirs.audit_seconds
        verified = f"{mine.cpu_seconds:.2f} / " + (
            f"{verified_theirs:.2f} ({comparison.ratio(mine.cpu_seconds, verified_theirs)})" if both else "-"
        )

        def verdict(outcome: comparison.Outcome) -> str:
            if outcome.note and not outcome.hidden:
                return "-" if outcome.note == "not run" else outcome.note.split(":")[0]
            return "passed" if outcome.passed else "failed"

        def short(outcome: comparison.Outcome) -> str:
            if not outcome.hidden:
                return "-"
            ranged = "" if outcome.short_range is None else f" / {outcome.short_range}"
            return f"{outcome.short} / {outcome.insiders}{ranged}"

        done = theirs.completed if both else None
        completed = "-"
        if done is not None:
            completed = (
                f"{done.secondaries}, {mine.value_hidden:,.0f} / {done.value_hidden:,.0f} "
                f"({comparison.ratio(mine.value_hidden, done.value_hidden)}), {mine.cpu_seconds:.2f} / "
                f"{done.cpu_seconds:.2f} ({comparison.ratio(mine.cpu_seconds, done.cpu_seconds)}), "
                f"{'passed' if done.passed else 'failed'}"
            )
        load = max(mine.load, theirs.load if both else 0.0)
        return (
            f"| {name} | {table.kind} | {cells} | {primaries} | {secondaries} | {value} | {cpu} | {verified} "
            f"| {verdict(mine)} / {verdict(theirs)} | {short(mine)} · {short(theirs)} | {completed} | {load:.1f} |"
        )

    def _against_acro(self, sizes: str, kind: str, limit: float) -> None:
        try:
            wanted = [int(size.replace("_", "")) for size in sizes.split(",") if size.strip()]
        except ValueError as exc:
            raise CommandError("--acro takes cell counts, such as 10000,50000.") from exc
        if not comparison.acro_available():
            self.stdout.write("ACRO: acro is not installed (pip install acro); no ratios.")
            return
        self.stdout.write(
            "Against ACRO's primary checks (crosstab with suppression, from the microdata) on the same tables; "
            "this engine's whole check (primary and secondary suppression, LP audit) of the built table. CPU seconds."
        )
        self.stdout.write("| cells | kind | this engine | ACRO | ratio (target below 1) | load 1 min |")
        self.stdout.write("|---:|---|---:|---:|---:|---:|")
        for size in wanted:
            shape = comparison.shape_for_cells(size)
            units = comparison.microdata(shape, largest=30)
            frequency, magnitude = comparison.tables(shape, units)
            for table in (frequency, magnitude):
                if kind and table.kind != kind:
                    continue
                rules = Rules()  # ACRO's primary checks are the threshold's, p% and (n,k): the default levels
                theirs = comparison.bounded(comparison.run_acro, (shape, units, table.kind), limit, "ACRO")
                mine = comparison.bounded(comparison.run_custodian, (table, rules), limit, "custodian")
                if mine.note.startswith("over"):
                    figure, quotient = f"over {limit:.0f} s", "-"
                else:
                    figure = f"{mine.cpu_seconds:.2f}" + (" (refused)" if not mine.passed else "")
                    quotient = comparison.ratio(mine.cpu_seconds, theirs.cpu_seconds) if theirs.ran else "-"
                acro_figure = f"{theirs.cpu_seconds:.2f}" if theirs.ran else theirs.note
                load = max(mine.load, theirs.load)
                self.stdout.write(
                    f"| {len(table.cells):,} | {table.kind} | {figure} | {acro_figure} | {quotient} | {load:.1f} |"
                )

    def _determinism(self, name: str, kind: str, limit: float, busy: int) -> None:
        if name not in comparison.SHAPES:
            raise CommandError(f"Unknown shape {name}. Known: {', '.join(comparison.SHAPES)}.")
        shape = comparison.SHAPES[name]
        frequency, magnitude = comparison.tables(shape, comparison.microdata(shape))
        self.stdout.write(f"Determinism: each table checked quietly, then beside {busy} busy processes.")
        for table in (frequency, magnitude):
            if kind and table.kind != kind:
                continue
            repeat = comparison.repeatable(name, table, comparison.rules_for(table.kind), busy=busy, seconds=limit)
            verdict = "same pattern" if repeat.same else "DIFFERENT PATTERNS"
            self.stdout.write(
                f"  {name} {table.kind}: {verdict}; secondaries {repeat.secondaries[0]} and {repeat.secondaries[1]}; "
                f"{repeat.seconds[0]:.2f} s quiet (load {repeat.load[0]:.1f}), {repeat.seconds[1]:.2f} s under load "
                f"(load {repeat.load[1]:.1f})"
            )
