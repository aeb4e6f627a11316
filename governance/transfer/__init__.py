"""Bulk transfer of records: spreadsheet imports (all-or-nothing, row-level errors) and exports."""
