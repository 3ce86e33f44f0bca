"""landing page cache: NOTIFY menpai_houses when a row feeding a doorplate's public card changes

Revision ID: 7c3e9a1f5b20
Revises: 1a2ad4d1562c
Create Date: 2026-12-03 10:00:00.000000

PostgreSQL only (backend/doorplates/pagecache.py listens; SQLite has no listeners and no cache). Statement-level
triggers with transition tables: one notification per statement, the distinct house ids it touched, or '*' when a
statement touches more than 100 rows (an import, a campaign) so bulk writes stay cheap.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '7c3e9a1f5b20'
down_revision = '1a2ad4d1562c'
branch_labels = None
depends_on = None

FUNCTION = """
CREATE FUNCTION menpai_notify_houses() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  col text := TG_ARGV[0];
  n bigint;
  ids text;
BEGIN
  IF col = '*' THEN
    PERFORM pg_notify('menpai_houses', '*');
    RETURN NULL;
  END IF;
  EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM changed LIMIT 101) s') INTO n;
  IF n = 0 THEN
    RETURN NULL;
  ELSIF n > 100 THEN
    ids := '*';
  ELSE
    EXECUTE format('SELECT string_agg(DISTINCT %1$I::text, '','') FROM changed WHERE %1$I IS NOT NULL', col)
      INTO ids;
  END IF;
  IF ids IS NOT NULL THEN
    PERFORM pg_notify('menpai_houses', ids);
  END IF;
  RETURN NULL;
END
$$
"""
# table → the column holding the house id ('*': any change empties every cache; addresses only when the text
# shown on the page changes, and that is an import).
TABLES = {"houses": "id", "doorplates": "house_id", "fire_notices": "house_id", "obligations": "house_id"}
EVENTS = {"insert": "NEW", "update": "NEW", "delete": "OLD"}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION)
    for table, column in TABLES.items():
        for event, which in EVENTS.items():
            op.execute(
                f"CREATE TRIGGER menpai_notify_{event} AFTER {event.upper()} ON {table} "
                f"REFERENCING {which} TABLE AS changed FOR EACH STATEMENT "
                f"EXECUTE FUNCTION menpai_notify_houses('{column}')"
            )
    op.execute(
        "CREATE TRIGGER menpai_notify_text AFTER UPDATE OF full_text ON addresses "
        "FOR EACH STATEMENT EXECUTE FUNCTION menpai_notify_houses('*')"
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER menpai_notify_text ON addresses")
    for table in TABLES:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER menpai_notify_{event} ON {table}")
    op.execute("DROP FUNCTION menpai_notify_houses()")
