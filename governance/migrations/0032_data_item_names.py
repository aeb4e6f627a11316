"""The distinct names of the data items, kept by the database for the search, and an index of the names.

A department's data dictionaries repeat themselves: 5,000 assets each hold an item named
"benefit_type", described alike. Whether a data item matches the words typed in the search box,
and how well, depends on its name and description alone, so the search ranks the distinct names
(``search/item_names.py``) instead of reading, ranking and counting every one of the 5,000 items
to show five.

* ``search_data_item_names`` (PostgreSQL only): one row per distinct name and description, with
  how many items have them. It is derived data, like an index: kept by the database's own
  triggers on every insert, change of name or description, delete and truncate of the data items,
  whatever path writes them (the portal, an import, the admin, a bulk load), and never written by
  the portal. The data items themselves are audited as before; this table is not a record of
  anything. Its trigram and words indexes are those of the data items' own (0011_search,
  0020_explorer, 0024_search), so a large dictionary's names are found by index too.
* ``data_item_by_name``: the items of one name, found by index (a rare name's few items, without
  reading the table). A common name's items are read by walking the assets in name order.

Frozen SQL: this file imports nothing from the application.
"""

from django.db import migrations, models

CREATE_SQL = """
CREATE TABLE search_data_item_names (
  name varchar(120) NOT NULL,
  description varchar(500) NOT NULL,
  items integer NOT NULL CHECK (items > 0),
  PRIMARY KEY (name, description)
);
CREATE INDEX search_data_item_names_trgm ON search_data_item_names
  USING gin (name gin_trgm_ops) WITH (gin_pending_list_limit = 64);
CREATE INDEX search_data_item_names_words ON search_data_item_names
  USING gin (to_tsvector('simple'::regconfig, COALESCE(name, '') || ' ' || COALESCE(description, '')))
  WITH (gin_pending_list_limit = 64);

CREATE FUNCTION search_data_item_names_count() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE search_data_item_names SET items = items - 1
      WHERE name = OLD.name AND description = OLD.description AND items > 1;
    IF NOT FOUND THEN
      DELETE FROM search_data_item_names WHERE name = OLD.name AND description = OLD.description;
    END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO search_data_item_names AS kept (name, description, items) VALUES (NEW.name, NEW.description, 1)
      ON CONFLICT (name, description) DO UPDATE SET items = kept.items + 1;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION search_data_item_names_clear() RETURNS trigger AS $$
BEGIN
  DELETE FROM search_data_item_names;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER search_data_item_names_added AFTER INSERT OR DELETE ON governance_dataitem
  FOR EACH ROW EXECUTE FUNCTION search_data_item_names_count();
CREATE TRIGGER search_data_item_names_renamed AFTER UPDATE OF name, description ON governance_dataitem
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.description IS DISTINCT FROM NEW.description)
  EXECUTE FUNCTION search_data_item_names_count();
CREATE TRIGGER search_data_item_names_truncated AFTER TRUNCATE ON governance_dataitem
  FOR EACH STATEMENT EXECUTE FUNCTION search_data_item_names_clear();

INSERT INTO search_data_item_names (name, description, items)
  SELECT name, description, COUNT(*) FROM governance_dataitem GROUP BY name, description;
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS search_data_item_names_truncated ON governance_dataitem;
DROP TRIGGER IF EXISTS search_data_item_names_renamed ON governance_dataitem;
DROP TRIGGER IF EXISTS search_data_item_names_added ON governance_dataitem;
DROP FUNCTION IF EXISTS search_data_item_names_clear();
DROP FUNCTION IF EXISTS search_data_item_names_count();
DROP TABLE IF EXISTS search_data_item_names;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_SQL)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0031_asset_manager_area"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="dataitem",
            index=models.Index(fields=["name"], name="data_item_by_name"),
        ),
        migrations.RunPython(create, drop),
    ]
