"""card and session caches: NOTIFY menpai_houses for tenancies and people, menpai_sessions for sign-ins

Revision ID: b5d1c0e7a3f2
Revises: 83f8f8fd5937
Create Date: 2026-12-03 19:00:00.000000

PostgreSQL only (backend/doorplates/pagecache.py listens; SQLite has no listeners and no cache).
- The house card at the door is cached per plate like the landing page, so the rows only the card shows also
  notify `menpai_houses`: tenancies (by house_id, with the function of migration 7c3e9a1f5b20) and people (the
  houses the changed people occupy or occupied: a corrected name must leave every card it is on).
- Signed-in requests read their session from a per-process cache: `menpai_sessions` carries 's<ids>' for changed
  user_sessions rows, 'u<ids>' for changed users, '*' when regions change (a scope's code or parent).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "b5d1c0e7a3f2"
down_revision = "83f8f8fd5937"
branch_labels = None
depends_on = None

PEOPLE_FUNCTION = """
CREATE FUNCTION menpai_notify_people() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
  ids text;
BEGIN
  SELECT count(*) INTO n FROM (SELECT 1 FROM changed LIMIT 101) s;
  IF n = 0 THEN
    RETURN NULL;
  ELSIF n > 100 THEN
    ids := '*';
  ELSE
    SELECT string_agg(DISTINCT t.house_id::text, ',') INTO ids
      FROM tenancies t JOIN changed c ON c.id = t.person_id;
  END IF;
  IF ids IS NOT NULL THEN
    PERFORM pg_notify('menpai_houses', ids);
  END IF;
  RETURN NULL;
END
$$
"""

SESSIONS_FUNCTION = """
CREATE FUNCTION menpai_notify_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  prefix text := TG_ARGV[0];
  n bigint;
  ids text;
BEGIN
  IF prefix = '*' THEN
    PERFORM pg_notify('menpai_sessions', '*');
    RETURN NULL;
  END IF;
  SELECT count(*) INTO n FROM (SELECT 1 FROM changed LIMIT 101) s;
  IF n = 0 THEN
    RETURN NULL;
  ELSIF n > 100 THEN
    ids := '*';
  ELSE
    SELECT prefix || string_agg(DISTINCT id::text, ',') INTO ids FROM changed;
  END IF;
  PERFORM pg_notify('menpai_sessions', ids);
  RETURN NULL;
END
$$
"""

EVENTS = {"update": "NEW", "delete": "OLD"}


def _trigger(name, event, table, which, call):
    return (
        f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} REFERENCING {which} TABLE AS changed "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {call}"
    )


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(PEOPLE_FUNCTION)
    op.execute(SESSIONS_FUNCTION)
    for event, which in {"insert": "NEW", **EVENTS}.items():
        op.execute(_trigger(f"menpai_notify_{event}", event, "tenancies", which, "menpai_notify_houses('house_id')"))
    for event, which in EVENTS.items():
        op.execute(_trigger(f"menpai_notify_{event}", event, "people", which, "menpai_notify_people()"))
        op.execute(_trigger(f"menpai_sessions_{event}", event, "user_sessions", which, "menpai_notify_sessions('s')"))
        op.execute(_trigger(f"menpai_sessions_{event}", event, "users", which, "menpai_notify_sessions('u')"))
    op.execute(
        "CREATE TRIGGER menpai_sessions_regions AFTER UPDATE OR DELETE ON regions "
        "FOR EACH STATEMENT EXECUTE FUNCTION menpai_notify_sessions('*')"
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER menpai_sessions_regions ON regions")
    for event in ("insert", *EVENTS):
        op.execute(f"DROP TRIGGER menpai_notify_{event} ON tenancies")
    for event in EVENTS:
        op.execute(f"DROP TRIGGER menpai_notify_{event} ON people")
        op.execute(f"DROP TRIGGER menpai_sessions_{event} ON user_sessions")
        op.execute(f"DROP TRIGGER menpai_sessions_{event} ON users")
    op.execute("DROP FUNCTION menpai_notify_sessions()")
    op.execute("DROP FUNCTION menpai_notify_people()")
