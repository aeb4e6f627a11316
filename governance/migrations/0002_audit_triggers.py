"""The keyed audit chain's PostgreSQL functions and triggers (nothing on SQLite).

Frozen SQL: this file imports nothing from the application, so a later change to the code
cannot change what this migration did. It builds what the earlier history (its audit chain
and keyed audit chain migrations, with the guards the research contract and statistical release
migrations added) left in the database:

* ``governance_audit_order`` (deferred to commit): gives the committing transaction's entries the
  next chain positions, under the advisory lock that orders commits (727274, ``SEAL_LOCK``). The
  links themselves are HMACs the portal computes just after commit, under a key the database
  never holds.
* ``governance_audit_guard`` (BEFORE UPDATE OR DELETE) on the audit entries, access events,
  security events, status histories, contract status and retention date histories and
  disclosure rule versions: refuses any UPDATE except filling in an audit entry's chain columns
  once, and any DELETE except audit entries deleted by ``governance_prune_audit``.
* ``governance_prune_audit(bigint)``: deletes a prefix of the chain only when a checkpoint records
  its last link; runs as the tables' owner (SECURITY DEFINER) and is executable by no one until
  ``setup_db_roles`` grants it to the pruner role.
* ``governance_audit_no_truncate`` (BEFORE TRUNCATE) on the audit entries, access events, security
  events and status histories: refuses TRUNCATE except to a superuser (Django's test flush).

The audit entry table is created empty in 0001 and nothing writes to it before these triggers
exist, so there are no earlier entries to hash or renumber here: the portal seals every entry.
"""

from django.db import migrations

FUNCTIONS_SQL = """
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
"""

TRIGGERS_SQL = """
CREATE CONSTRAINT TRIGGER governance_audit_order AFTER INSERT ON governance_auditentry
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.chain_index IS NULL)
  EXECUTE FUNCTION governance_audit_order();

CREATE TRIGGER governance_auditentry_guard BEFORE UPDATE OR DELETE ON governance_auditentry
  FOR EACH ROW EXECUTE FUNCTION governance_audit_guard();
CREATE TRIGGER governance_accessevent_guard BEFORE UPDATE OR DELETE ON governance_accessevent
  FOR EACH ROW EXECUTE FUNCTION governance_audit_guard();
CREATE TRIGGER governance_securityevent_guard BEFORE UPDATE OR DELETE ON governance_securityevent
  FOR EACH ROW EXECUTE FUNCTION governance_audit_guard();
CREATE TRIGGER governance_statuschange_guard BEFORE UPDATE OR DELETE ON governance_statuschange
  FOR EACH ROW EXECUTE FUNCTION governance_audit_guard();
CREATE TRIGGER governance_contractstatuschange_guard BEFORE UPDATE OR DELETE ON governance_contractstatuschange
  FOR EACH ROW EXECUTE FUNCTION governance_audit_guard();
CREATE TRIGGER governance_retentiondatechange_guard BEFORE UPDATE OR DELETE ON governance_retentiondatechange
  FOR EACH ROW EXECUTE FUNCTION governance_audit_guard();
CREATE TRIGGER governance_disclosureruleset_guard BEFORE UPDATE OR DELETE ON governance_disclosureruleset
  FOR EACH ROW EXECUTE FUNCTION governance_audit_guard();

CREATE TRIGGER governance_auditentry_no_truncate BEFORE TRUNCATE ON governance_auditentry
  FOR EACH STATEMENT EXECUTE FUNCTION governance_audit_no_truncate();
CREATE TRIGGER governance_accessevent_no_truncate BEFORE TRUNCATE ON governance_accessevent
  FOR EACH STATEMENT EXECUTE FUNCTION governance_audit_no_truncate();
CREATE TRIGGER governance_securityevent_no_truncate BEFORE TRUNCATE ON governance_securityevent
  FOR EACH STATEMENT EXECUTE FUNCTION governance_audit_no_truncate();
CREATE TRIGGER governance_statuschange_no_truncate BEFORE TRUNCATE ON governance_statuschange
  FOR EACH STATEMENT EXECUTE FUNCTION governance_audit_no_truncate();
"""

UNDO_SQL = """
DROP TRIGGER IF EXISTS governance_auditentry_no_truncate ON governance_auditentry;
DROP TRIGGER IF EXISTS governance_accessevent_no_truncate ON governance_accessevent;
DROP TRIGGER IF EXISTS governance_securityevent_no_truncate ON governance_securityevent;
DROP TRIGGER IF EXISTS governance_statuschange_no_truncate ON governance_statuschange;
DROP TRIGGER IF EXISTS governance_auditentry_guard ON governance_auditentry;
DROP TRIGGER IF EXISTS governance_accessevent_guard ON governance_accessevent;
DROP TRIGGER IF EXISTS governance_securityevent_guard ON governance_securityevent;
DROP TRIGGER IF EXISTS governance_statuschange_guard ON governance_statuschange;
DROP TRIGGER IF EXISTS governance_contractstatuschange_guard ON governance_contractstatuschange;
DROP TRIGGER IF EXISTS governance_retentiondatechange_guard ON governance_retentiondatechange;
DROP TRIGGER IF EXISTS governance_disclosureruleset_guard ON governance_disclosureruleset;
DROP TRIGGER IF EXISTS governance_audit_order ON governance_auditentry;
DROP FUNCTION IF EXISTS governance_prune_audit(bigint);
DROP FUNCTION IF EXISTS governance_audit_no_truncate();
DROP FUNCTION IF EXISTS governance_audit_guard();
DROP FUNCTION IF EXISTS governance_audit_order();
"""


def _execute(schema_editor, sql):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:  # no parameters: the SQL holds literal % signs
            cursor.execute(sql)


def install(apps, schema_editor):
    _execute(schema_editor, FUNCTIONS_SQL + TRIGGERS_SQL)


def remove(apps, schema_editor):
    _execute(schema_editor, UNDO_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(install, remove),
    ]
