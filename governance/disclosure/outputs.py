"""Output clearance ("safe outputs"): automatic checks on researchers' results before they leave the secure setting.

The public face of ``output_tables`` (reading long-form tables), ``output_checks`` (the table
checks, findings and settings) and ``output_models`` (fitted models). Plain Python, no database:
the portal reads the uploaded file into a header and rows, calls ``parse_table`` or
``parse_model``, then ``check_table`` or ``check_model``, and stores the findings and the table
(``to_dict``) as JSON, so that later tables of the same contract can be checked for
differencing against the cleared ones (``OutputTable.from_dict``).
"""

from governance.disclosure.output_checks import (
    CHECK_NAMES,
    FAIL,
    MAX_FINDINGS_PER_CHECK,
    REVIEW,
    Finding,
    OutputRules,
    check_table,
    summarise,
)
from governance.disclosure.output_models import MAX_TERMS, ModelResult, check_model, parse_model
from governance.disclosure.output_tables import (
    MAX_CATEGORY_COLUMNS,
    MAX_ROWS,
    OutputCell,
    OutputFormatError,
    OutputTable,
    parse_table,
)

__all__ = [
    "CHECK_NAMES",
    "FAIL",
    "MAX_CATEGORY_COLUMNS",
    "MAX_FINDINGS_PER_CHECK",
    "MAX_ROWS",
    "MAX_TERMS",
    "REVIEW",
    "Finding",
    "ModelResult",
    "OutputCell",
    "OutputFormatError",
    "OutputRules",
    "OutputTable",
    "check_model",
    "check_table",
    "parse_model",
    "parse_table",
    "summarise",
]
