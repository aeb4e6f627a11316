"""Create (or bring up to date) the three PostgreSQL roles the portal runs under.

* the **owner** owns every table and the audit functions, and runs migrations;
* the **application** role (the web processes and workers) may SELECT, INSERT,
  UPDATE and DELETE, except: no UPDATE, DELETE or TRUNCATE of audit entries,
  access events, security events, status histories and pruning checkpoints (it
  may only fill in an audit entry's chain columns, once, as sealing does), and no
  EXECUTE of the pruning function;
* the **pruner** (``prune_audit``'s connection) may only EXECUTE the pruning
  function, which runs as the owner (``SECURITY DEFINER``).

Run it as a superuser after ``migrate``, and again after later migrations: every
statement is idempotent. Passwords are not set here; set them with ``ALTER ROLE``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction
from psycopg import sql

APPEND_ONLY = (
    "governance_auditentry",
    "governance_accessevent",
    "governance_securityevent",
    "governance_statuschange",
    "governance_auditcheckpoint",
)
SEAL_COLUMNS = ("chain_index", "prev_digest", "digest")
PRUNE_FUNCTION = "governance_prune_audit(bigint)"
AUDIT_FUNCTIONS = (
    "governance_audit_order()",
    "governance_audit_guard()",
    "governance_audit_no_truncate()",
    PRUNE_FUNCTION,
)


def statements(owner: str, app: str, pruner: str, database: str) -> list[sql.Composable]:
    """The statements, in order, that make the roles what the module docstring says."""
    o, a, p, db = (sql.Identifier(name) for name in (owner, app, pruner, database))
    out: list[sql.Composable] = []
    for role in (o, a, p):
        out.append(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(db, role))
        out.append(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role))
    # Nobody but the owner may act as the owner or the pruner.
    for member in (a, p):
        for group in (o, a, p):
            if member != group:
                out.append(sql.SQL("REVOKE {} FROM {}").format(group, member))
    out.append(sql.SQL("GRANT CREATE ON SCHEMA public TO {}").format(o))
    out.append(sql.SQL("REVOKE CREATE ON SCHEMA public FROM {}, {}").format(a, p))
    # Everything the application may do, then what it may not.
    out.append(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(a))
    out.append(sql.SQL("REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {}").format(a))
    out.append(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(a))
    for table in APPEND_ONLY:
        out.append(sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(sql.Identifier(table), a))
    columns = sql.SQL(", ").join(sql.Identifier(column) for column in SEAL_COLUMNS)
    out.append(sql.SQL("GRANT UPDATE ({}) ON governance_auditentry TO {}").format(columns, a))
    # Tables later migrations create get the same grants (the append-only ones are listed above).
    out.append(
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
        ).format(o, a)
    )
    out.append(
        sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {}").format(
            o, a
        )
    )
    out.append(sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC").format(o))
    # Pruning: only the pruner executes the function, which runs as the owner.
    out.append(sql.SQL(f"REVOKE ALL ON FUNCTION {PRUNE_FUNCTION} FROM PUBLIC"))
    out.append(sql.SQL(f"REVOKE ALL ON FUNCTION {PRUNE_FUNCTION} FROM {{}}").format(a))
    out.append(sql.SQL(f"GRANT EXECUTE ON FUNCTION {PRUNE_FUNCTION} TO {{}}").format(p))
    return out


def _ensure_role(cursor, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
    if cursor.fetchone():
        return False
    cursor.execute(sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE").format(sql.Identifier(name)))
    return True


def _hand_over(cursor, owner: str) -> int:
    """Make ``owner`` the owner of every table (their sequences follow) and of the audit functions."""
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') ORDER BY c.relname"
    )
    tables = [row[0] for row in cursor.fetchall()]
    for table in tables:
        cursor.execute(sql.SQL("ALTER TABLE {} OWNER TO {}").format(sql.Identifier(table), sql.Identifier(owner)))
    for function in AUDIT_FUNCTIONS:
        cursor.execute(sql.SQL(f"ALTER FUNCTION {function} OWNER TO {{}}").format(sql.Identifier(owner)))
    return len(tables)


def setup_roles(*, owner: str, app: str, pruner: str, using: str = "default") -> list[str]:
    """Create the roles if missing and set every ownership and grant; returns what was done, in words."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise CommandError("Database roles are PostgreSQL's: this database is not PostgreSQL.")
    if len({owner, app, pruner}) != 3:
        raise CommandError("The owner, application and pruner roles must be three different roles.")
    done = []
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for name in (owner, app, pruner):
            if _ensure_role(cursor, name):
                done.append(f"created role {name}")
        done.append(f"{owner} owns {_hand_over(cursor, owner)} tables and the audit functions")
        for statement in statements(owner, app, pruner, connection.settings_dict["NAME"]):
            cursor.execute(statement)
        done.append(f"{app}: read and write, audit tables append-only, no pruning")
        done.append(f"{pruner}: may only run the pruning function")
        # Search's word similarity priced at what it costs (migration 0023_search_speed): the
        # function belongs to pg_trgm's installer, so a migrating owner may not have set it.
        cursor.execute("SELECT to_regprocedure('word_similarity_commutator_op(text, text)') IS NOT NULL")
        if cursor.fetchone()[0]:
            cursor.execute("ALTER FUNCTION word_similarity_commutator_op(text, text) COST 100")
            done.append("word similarity priced for the search's plans")
    return done


class Command(BaseCommand):
    help = (
        "Create or update the PostgreSQL owner, application and pruner roles and their grants (idempotent). "
        "Run as a superuser after migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument("--owner", default="custodian_owner")
        parser.add_argument("--app", default="custodian_app")
        parser.add_argument("--pruner", default="custodian_pruner")
        parser.add_argument("--database", default="default")

    def handle(self, *args, owner, app, pruner, database, **options):
        for line in setup_roles(owner=owner, app=app, pruner=pruner, using=database):
            self.stdout.write(line)
