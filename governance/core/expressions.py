"""SQL expressions the ORM lacks, for the pages that read hundreds of rows by id."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import BooleanField, Expression, F
from django.db.models.lookups import In


class AmongIds(Expression):
    """``column IN (ids)`` as a filter, sent to PostgreSQL as one array: ``column = ANY(%s)``.

    ``filter(pk__in=ids)`` sends one parameter per id; for the 500 grants an access review's page
    once listed, psycopg spent longer quoting them into the statement than PostgreSQL spent answering it.
    Other databases get Django's own ``IN`` lookup.
    """

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str, ids: Iterable[Any]):
        super().__init__()
        self.column = F(column)
        self.ids = list(ids)

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, exprs):
        (self.column,) = exprs

    def as_sql(self, compiler, connection):
        return In(self.column, self.ids).as_sql(compiler, connection)

    def as_postgresql(self, compiler, connection):
        sql, params = compiler.compile(self.column)
        return f"{sql} = ANY(%s)", (*params, self.ids)
