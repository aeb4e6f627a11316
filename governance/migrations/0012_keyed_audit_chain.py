"""The keyed audit chain: HMAC links the database cannot compute, pruning only through a function
owned by the tables' owner, and TRUNCATE refused.

PostgreSQL triggers after this migration:

* ``governance_audit_order`` (deferred to commit): gives the committing transaction's entries the
  next chain positions, under the advisory lock that orders commits. The links themselves are
  HMACs the portal computes just after commit (``governance.core.models.audit.seal_pending``).
* ``governance_audit_guard`` on the audit entries, access events, security events and status
  histories: refuses any UPDATE except filling in an entry's chain columns once, and any DELETE
  except audit entries deleted by ``governance_prune_audit`` (which runs as the tables' owner,
  needs a matching checkpoint, and is executable only by the pruner role: ``setup_db_roles``).
  No setting a session can make opens it.
* ``governance_audit_no_truncate``: refuses TRUNCATE of those tables (a superuser excepted: Django's
  test flush truncates, and a superuser can drop any trigger anyway; the keyed chain and the
  exported checkpoints are what catch a superuser).

Existing entries are re-hashed under the current key and renumbered 1..n, oldest first.
"""

from django.db import migrations, models

GUARDED = ("governance_auditentry", "governance_accessevent", "governance_securityevent", "governance_statuschange")

ORDER_SQL = """
CREATE OR REPLACE FUNCTION governance_audit_order() RETURNS trigger AS $$
DECLARE
  next_index bigint;
  r record;
BEGIN
  -- Deferred to commit: the first call places every entry this transaction wrote, in id order,
  -- behind an advisory lock held to the end of the commit, so positions follow commit order.
  IF NOT EXISTS (SELECT 1 FROM governance_auditentry WHERE id = NEW.id AND chain_index IS NULL) THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock(727274);
  SELECT coalesce(max(chain_index), 0) INTO next_index FROM governance_auditentry;
  FOR r IN SELECT id FROM governance_auditentry WHERE chain_index IS NULL ORDER BY id LOOP
    next_index := next_index + 1;
    UPDATE governance_auditentry SET chain_index = next_index WHERE id = r.id;
  END LOOP;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION governance_audit_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    -- Only the pruning function deletes: it runs as the tables' owner and sets the marker itself.
    IF TG_TABLE_NAME = 'governance_auditentry'
       AND current_setting('custodian.pruning', true) = 'on'
       AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'Audit records cannot be deleted (%)', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_TABLE_NAME <> 'governance_auditentry' THEN  -- (the other tables have no chain columns)
    RAISE EXCEPTION 'Audit records cannot be changed (%)', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.digest = ''
     AND (OLD.chain_index IS NULL OR OLD.chain_index = NEW.chain_index)
     AND (OLD.key_id, OLD.content_hash, OLD.timestamp, OLD.content_type_id, OLD.object_pk, OLD.object_id,
          OLD.object_repr, OLD.action, OLD.changes, OLD.changes_text, OLD.actor_id, OLD.actor_email,
          OLD.remote_addr, OLD.remote_port, OLD.serialized_data, OLD.cid, OLD.scope, OLD.business_area_id, OLD.reason,
          OLD.additional_data)
         IS NOT DISTINCT FROM
         (NEW.key_id, NEW.content_hash, NEW.timestamp, NEW.content_type_id, NEW.object_pk, NEW.object_id,
          NEW.object_repr, NEW.action, NEW.changes, NEW.changes_text, NEW.actor_id, NEW.actor_email,
          NEW.remote_addr, NEW.remote_port, NEW.serialized_data, NEW.cid, NEW.scope, NEW.business_area_id, NEW.reason,
          NEW.additional_data) THEN
    -- Sealing: an entry's place and link are filled in once, leaving its content as it was.
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'Audit records cannot be changed (%)', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION governance_audit_no_truncate() RETURNS trigger AS $$
BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'Audit records cannot be truncated (%)', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION governance_prune_audit(upto bigint) RETURNS bigint
  SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  pruned bigint;
BEGIN
  -- A prefix of the chain goes only once a checkpoint records where it was cut and what its last
  -- link was, so the rest still verifies and an auditor can see what was pruned.
  IF NOT EXISTS (
    SELECT 1 FROM governance_auditcheckpoint c JOIN governance_auditentry e ON e.chain_index = c.last_chain_index
     WHERE c.last_chain_index = upto AND e.digest = c.last_digest AND e.digest <> ''
  ) THEN
    RAISE EXCEPTION 'No checkpoint records chain index %: nothing is pruned', upto
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM set_config('custodian.pruning', 'on', true);
  DELETE FROM governance_auditentry WHERE chain_index <= upto;
  GET DIAGNOSTICS pruned = ROW_COUNT;
  PERFORM set_config('custodian.pruning', 'off', true);
  RETURN pruned;
END $$ LANGUAGE plpgsql;
REVOKE ALL ON FUNCTION governance_prune_audit(bigint) FROM PUBLIC;

CREATE CONSTRAINT TRIGGER governance_audit_order AFTER INSERT ON governance_auditentry
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.chain_index IS NULL)
  EXECUTE FUNCTION governance_audit_order();
"""
GUARD_SQL = "".join(
    f"CREATE TRIGGER {table}_guard BEFORE UPDATE OR DELETE ON {table} "
    f"FOR EACH ROW EXECUTE FUNCTION governance_audit_guard();\n"
    f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION governance_audit_no_truncate();\n"
    for table in GUARDED
)
DROP_OLD_SQL = "".join(f"DROP TRIGGER IF EXISTS {table}_guard ON {table};\n" for table in GUARDED) + (
    "DROP TRIGGER IF EXISTS governance_audit_seal ON governance_auditentry;\n"
    "DROP FUNCTION IF EXISTS governance_audit_seal();\n"
    "DROP SEQUENCE IF EXISTS governance_audit_chain_seq;\n"
)
DROP_NEW_SQL = (
    "".join(
        f"DROP TRIGGER IF EXISTS {table}_guard ON {table};\nDROP TRIGGER IF EXISTS {table}_no_truncate ON {table};\n"
        for table in GUARDED
    )
    + """
DROP TRIGGER IF EXISTS governance_audit_order ON governance_auditentry;
DROP FUNCTION IF EXISTS governance_audit_order();
DROP FUNCTION IF EXISTS governance_audit_no_truncate();
DROP FUNCTION IF EXISTS governance_prune_audit(bigint);
"""
)


def _execute(schema_editor, sql: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:  # no parameters: the SQL holds literal % signs
            cursor.execute(sql)


def rekey(apps, schema_editor):
    """Hash and link every existing entry under the current key, renumbered 1..n in chain order."""
    from governance.core.audit_hashing import CONTENT_FIELDS, canonical, current_key_id, keyed, link

    _execute(schema_editor, DROP_OLD_SQL)
    AuditEntry = apps.get_model("governance", "AuditEntry")
    key_id = current_key_id()
    prev = ""
    ordered = AuditEntry.objects.order_by(models.F("chain_index").asc(nulls_last=True), "pk")
    pks = list(ordered.values_list("pk", flat=True))
    for index, pk in enumerate(pks, start=1):
        if (index - 1) % 2000 == 0:
            batch = AuditEntry.objects.in_bulk(pks[index - 1 : index + 1999])
        entry = batch[pk]
        content_hash = keyed(key_id, canonical({name: getattr(entry, name) for name in CONTENT_FIELDS}))
        digest = link(key_id, index, content_hash, prev)
        AuditEntry.objects.filter(pk=entry.pk).update(
            key_id=key_id, content_hash=content_hash, chain_index=-index, prev_digest=prev, digest=digest
        )
        prev = digest
    # Negative first, then flipped: renumbering in place would collide with the unique index.
    AuditEntry.objects.filter(chain_index__lt=0).update(chain_index=-models.F("chain_index"))
    _execute(schema_editor, ORDER_SQL + GUARD_SQL)


def unkeyed(apps, schema_editor):
    """Back to the plain SHA-256 chain's triggers (entries keep their keyed hashes: re-run 0006's seal)."""
    import importlib

    _execute(schema_editor, DROP_NEW_SQL)
    previous = importlib.import_module("governance.migrations.0006_audit_chain")
    previous.seal_existing(apps, schema_editor)
    previous.install_triggers(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0010_leaver_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="key_id",
            field=models.CharField(
                blank=True, default="", help_text="The id of the chain key it was hashed under.", max_length=40
            ),
        ),
        migrations.AlterField(
            model_name="securityevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("login", "Signed in"),
                    ("logout", "Signed out"),
                    ("password_failed", "Wrong username or password"),
                    ("token_failed", "Wrong one-time code"),
                    ("locked_out", "Locked out after repeated failures"),
                    ("account_locked", "Account locked after repeated failures from several addresses"),
                    ("device_enrolled", "Authenticator app set up"),
                    ("backup_codes_issued", "Backup codes issued"),
                    ("backup_code_used", "Backup code used"),
                ],
                max_length=30,
            ),
        ),
        migrations.RunPython(rekey, unkeyed),
    ]
