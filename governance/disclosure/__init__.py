"""Statistical disclosure control for tables released from governed data (pure Python, no database).

``parse_table`` reads an uploaded CSV or XLSX table, ``Rules`` holds the confidential settings,
and ``check_table`` protects the table and verifies the protection; ``CheckResult.protected_rows``
is what may be released.
"""

from governance.disclosure.checks import (
    SUPPRESSED_MARK,
    CellResult,
    CheckResult,
    Extract,
    Flag,
    check_table,
    verify_protection,
)
from governance.disclosure.rules import Method, Rules, TotalsPolicy
from governance.disclosure.tables import (
    MAX_CELLS,
    MAX_TABLE_BYTES,
    TOTAL_LABEL,
    Cell,
    Table,
    TableError,
    parse_table,
)

__all__ = [
    "MAX_CELLS",
    "MAX_TABLE_BYTES",
    "SUPPRESSED_MARK",
    "TOTAL_LABEL",
    "Cell",
    "CellResult",
    "CheckResult",
    "Extract",
    "Flag",
    "Method",
    "Rules",
    "Table",
    "TableError",
    "TotalsPolicy",
    "check_table",
    "parse_table",
    "verify_protection",
]
