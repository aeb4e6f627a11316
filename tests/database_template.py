"""One migrated test database per run, copied for each pytest-xdist worker.

Migrating costs each worker a good part of half a minute. Under xdist the first worker to take
the lock migrates its own test database exactly as pytest-django does, then leaves a copy; the
other workers start from that copy:

* SQLite (in memory): the copy is a file, loaded into each worker's in-memory database with
  SQLite's backup (as Django's own parallel test runner does);
* PostgreSQL: the copy is a template database; each worker's is ``CREATE DATABASE ... TEMPLATE``.

A copy holds everything migrating wrote: the schema, PostgreSQL's audit triggers and functions,
and the rows written by the migrations and their post_migrate handlers (the role groups and
their permissions, content types, the system account). Without xdist, with ``--reuse-db``,
``--create-db`` or ``--no-migrations``, or where a test needs serialized rollback, the databases
are set up as pytest-django always does. The xdist controller removes the copies at the end.
On PostgreSQL, ``TEST_DATABASE_TEMPLATE`` names a database migrated before the run, which the
workers copy instead (CI prepares it while the SQLite pass runs).

On PostgreSQL, the flush that empties the database after each transactional test (live server,
browser and real-worker tests) deletes the rows instead of truncating: ``TRUNCATE`` of the hundred
tables gives each a new file (seconds, mostly waiting for the disk), ``DELETE`` of the few rows a
test wrote takes milliseconds. It runs with ``session_replication_role = replica``, which turns off
the triggers (the audit tables' guards refuse deletes, as they refuse a truncate to anyone but a
superuser) and the foreign keys' checks, in the flush's own transaction: only as a superuser,
which the test database's owner is here; anyone else gets Django's ``TRUNCATE``.

The same flush then puts back the rows migrating wrote (content types, permissions, the role groups,
the system account), copied aside once per worker when its database is ready, instead of Django's
``post_migrate`` signal writing them again after every transactional test: that signal asks about
every model's content type and permission and re-creates them, most of a second each time, where
putting back a few hundred rows takes milliseconds and gives them back their ids.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

FOLDER_KEY = "custodian_test_database_folder"


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """On the xdist controller: one scratch folder per run, where the workers meet."""
    config = node.config
    folder = getattr(config, "_custodian_test_database_folder", None)
    if folder is None:
        folder = tempfile.mkdtemp(prefix="custodian-test-db-")
        config._custodian_test_database_folder = folder
    node.workerinput[FOLDER_KEY] = folder


def pytest_unconfigure(config) -> None:
    folder = getattr(config, "_custodian_test_database_folder", None)
    if folder is None:
        return
    template = Path(folder, "postgresql-template")
    if template.exists():
        _drop_postgresql_template(template.read_text())
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_use_migrations,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """pytest-django's ``django_db_setup``, but migrating once per run under xdist."""
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

    verbosity = request.config.option.verbose
    workerinput = getattr(request.config, "workerinput", {})
    folder = workerinput.get(FOLDER_KEY)
    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    shared = (
        folder is not None
        and django_db_use_migrations
        and not django_db_keepdb
        and not serialized_aliases
        and aliases == {"default"}
    )

    if not django_db_use_migrations:
        _disable_migrations()
    keepdb = {"keepdb": True} if django_db_keepdb and not django_db_createdb else {}

    with django_db_blocker.unblock():
        if not shared:
            db_cfg = setup_databases(
                verbosity=verbosity,
                interactive=False,
                aliases=aliases,
                serialized_aliases=serialized_aliases,
                **keepdb,
            )
        else:
            with _locked(Path(folder)):
                _adopt_prepared_template(Path(folder))
                if Path(folder, "ready").exists():
                    db_cfg = _from_copy(Path(folder))
                else:
                    db_cfg = setup_databases(
                        verbosity=verbosity, interactive=False, aliases=aliases, serialized_aliases=set()
                    )
                    if workerinput.get("workercount", 2) > 1:
                        _leave_copy(Path(folder))
                    Path(folder, "ready").touch()
        restore_flush = _delete_instead_of_truncate()  # asked of the test database, now it exists

    yield

    restore_flush()
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            try:
                teardown_databases(db_cfg, verbosity=verbosity)
            except Exception as exc:  # as pytest-django: a warning, not an error
                request.node.warn(pytest.PytestWarning(f"Error when trying to teardown test databases: {exc!r}"))


def _delete_instead_of_truncate() -> Callable[[], None]:
    """On PostgreSQL as a superuser: the test flush deletes rows rather than truncating tables.

    Returns what puts Django's own flush back.
    """
    from django.db import connection
    from django.db.backends.postgresql.operations import DatabaseOperations

    if connection.vendor != "postgresql":
        return lambda: None
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        (superuser,) = cursor.fetchone()
    if not superuser:
        return lambda: None
    from django.core.management.commands import flush

    truncate = DatabaseOperations.sql_flush
    post_migrate = flush.emit_post_migrate_signal
    kept = _keep_migrated_rows(connection)

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        # The names are Django's own tables, quoted.
        deletes = " ".join(f"DELETE FROM {self.quote_name(table)};" for table in tables)  # noqa: S608
        restores = " ".join(kept[table] for table in tables if table in kept)
        # Django's execute_sql_flush runs these in one transaction: SET LOCAL ends with it.
        return ["SET LOCAL session_replication_role = replica", f"DO $$ BEGIN {deletes} {restores} END $$"]

    def emit_post_migrate_signal(verbosity, interactive, db, **kwargs):
        """After a flush that put the migrated rows back there is nothing left for the signal to write."""
        if db != connection.alias:
            post_migrate(verbosity, interactive, db, **kwargs)

    DatabaseOperations.sql_flush = sql_flush
    flush.emit_post_migrate_signal = emit_post_migrate_signal

    def restore() -> None:
        DatabaseOperations.sql_flush = truncate
        flush.emit_post_migrate_signal = post_migrate

    return restore


KEPT_SCHEMA = "custodian_migrated_rows"


def _keep_migrated_rows(connection) -> dict[str, str]:
    """Copy aside the rows of every table that holds any now (what migrating and its post_migrate
    handlers wrote), in a schema of their own outside the search path; return, for each such table,
    the statement that puts them back. Generated columns are left to PostgreSQL."""
    from psycopg import sql

    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    kept: dict[str, str] = {}
    with connection.cursor() as cursor:
        schema = sql.Identifier(KEPT_SCHEMA)
        cursor.execute(sql.SQL("DROP SCHEMA IF EXISTS {0} CASCADE; CREATE SCHEMA {0}").format(schema))
        for table in tables:
            cursor.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(table)))
            if not cursor.fetchone()[0]:
                continue
            cursor.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position",
                [table],
            )
            columns = sql.SQL(", ").join(sql.Identifier(name) for (name,) in cursor.fetchall())
            source, copy = sql.Identifier(table), sql.Identifier(KEPT_SCHEMA, table)
            cursor.execute(sql.SQL("CREATE TABLE {} AS SELECT {} FROM {}").format(copy, columns, source))
            restore = sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {};").format(source, columns, columns, copy)
            kept[table] = restore.as_string(cursor.connection)
    return kept


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    with open(folder / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _adopt_prepared_template(folder: Path) -> None:
    """Start from a PostgreSQL database migrated before the run (``TEST_DATABASE_TEMPLATE``).

    CI migrates it while the SQLite pass runs (``manage.py migrate``, which creates what the test
    database's creation does: the schema, triggers and functions, and the migrations' and their
    post_migrate handlers' rows), so the PostgreSQL pass's workers copy it instead of one migrating
    while the others wait. The run does not drop it: whoever made it does.
    """
    from django.db import connection

    prepared = os.environ.get("TEST_DATABASE_TEMPLATE", "")
    if not prepared or connection.vendor != "postgresql" or Path(folder, "ready").exists():
        return
    Path(folder, "prepared-template").write_text(prepared)
    Path(folder, "ready").touch()


def _leave_copy(folder: Path) -> None:
    """After migrating this worker's database: a copy for the other workers to start from."""
    from django.db import connection

    if connection.vendor == "sqlite":
        if not connection.is_in_memory_db():
            raise NotImplementedError("A file SQLite test database: run without xdist, or give each worker its own")
        connection.ensure_connection()
        partial = folder / "sqlite-template.partial"
        target = sqlite3.connect(partial)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        partial.rename(folder / "sqlite-template.sqlite3")
    elif connection.vendor == "postgresql":
        source = connection.settings_dict["NAME"]
        template = f"{source}_template"
        connection.close()  # a template must have no one connected to it
        (folder / "postgresql-template").write_text(template)
        with connection._nodb_cursor() as cursor:
            quote = connection.ops.quote_name
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(template)}")
            cursor.execute(f"CREATE DATABASE {quote(template)} WITH TEMPLATE {quote(source)}")
    else:
        raise NotImplementedError(f"No test database copy for {connection.vendor}")


def _from_copy(folder: Path) -> list:
    """This worker's test database, from the copy another worker left: ``setup_databases``' answer."""
    from django.conf import settings
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation._get_test_db_name()
    if connection.vendor == "postgresql":
        prepared = folder / "prepared-template"
        template = (prepared if prepared.exists() else folder / "postgresql-template").read_text()
        with connection._nodb_cursor() as cursor:
            quote = connection.ops.quote_name
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(test_name)}")
            cursor.execute(f"CREATE DATABASE {quote(test_name)} WITH TEMPLATE {quote(template)}")
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = test_name
    connection.settings_dict["NAME"] = test_name
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        source = sqlite3.connect(f"file:{folder / 'sqlite-template.sqlite3'}?mode=ro", uri=True)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    return [(connection, old_name, True)]


def _drop_postgresql_template(template: str) -> None:
    """On the xdist controller, whose settings name the same server as the workers'."""
    import psycopg
    from django.conf import settings
    from psycopg import sql

    server = settings.DATABASES["default"]
    params = {key.lower(): server[key] for key in ("HOST", "PORT", "USER", "PASSWORD") if server.get(key)}
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(template)))
    except psycopg.Error as error:  # reported, not fatal: the next run's first worker drops it first
        print(f"Could not drop the test database template {template}: {error}", file=sys.stderr)
