"""doorplate scan counts: kept by triggers on scans, filled from the history

Revision ID: c7e2a9d4b1f6
Revises: b5d1c0e7a3f2
Create Date: 2026-12-03 20:20:00.000000

The house card showed count(*) of the plate's scans on every read: a busy door's thousands of rows each time
(the card by scan ran at 0.07 of a bare route once the bench's doors had ~2,000 scans each). The count is now a
row per plate, moved by triggers on scans (statement-level with transition tables on PostgreSQL, so a COPY batch
is one upsert; row-level on SQLite). Scans are never deleted by the app; a DELETE moves the count back anyway.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c7e2a9d4b1f6"
down_revision = "b5d1c0e7a3f2"
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE FUNCTION menpai_scan_counts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  sign int := CASE TG_OP WHEN 'DELETE' THEN -1 ELSE 1 END;
BEGIN
  -- Ordered by plate, so two statements upserting the same plates lock them in the same order.
  INSERT INTO doorplate_scan_counts (doorplate_id, scans)
  SELECT doorplate_id, sign * count(*) FROM changed WHERE doorplate_id IS NOT NULL
  GROUP BY doorplate_id ORDER BY doorplate_id
  ON CONFLICT (doorplate_id) DO UPDATE SET scans = doorplate_scan_counts.scans + excluded.scans;
  RETURN NULL;
END
$$
"""
BACKFILL = """
INSERT INTO doorplate_scan_counts (doorplate_id, scans)
SELECT doorplate_id, count(*) FROM scans WHERE doorplate_id IS NOT NULL GROUP BY doorplate_id
"""


def upgrade():
    op.create_table(
        "doorplate_scan_counts",
        sa.Column("doorplate_id", sa.Integer(), nullable=False),
        sa.Column("scans", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["doorplate_id"],
            ["doorplates.id"],
            name=op.f("fk_doorplate_scan_counts_doorplate_id_doorplates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("doorplate_id", name=op.f("pk_doorplate_scan_counts")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for event, which in (("INSERT", "NEW"), ("DELETE", "OLD")):
            op.execute(
                f"CREATE TRIGGER menpai_scan_counts_{event.lower()} AFTER {event} ON scans "
                f"REFERENCING {which} TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION menpai_scan_counts()"
            )
    else:
        op.execute(
            "CREATE TRIGGER menpai_scan_counts_insert AFTER INSERT ON scans WHEN NEW.doorplate_id IS NOT NULL BEGIN "
            "INSERT OR IGNORE INTO doorplate_scan_counts (doorplate_id, scans) VALUES (NEW.doorplate_id, 0); "
            "UPDATE doorplate_scan_counts SET scans = scans + 1 WHERE doorplate_id = NEW.doorplate_id; END"
        )
        op.execute(
            "CREATE TRIGGER menpai_scan_counts_delete AFTER DELETE ON scans WHEN OLD.doorplate_id IS NOT NULL BEGIN "
            "UPDATE doorplate_scan_counts SET scans = scans - 1 WHERE doorplate_id = OLD.doorplate_id; END"
        )
    op.execute(BACKFILL)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for event in ("insert", "delete"):
            op.execute(f"DROP TRIGGER menpai_scan_counts_{event} ON scans")
        op.execute("DROP FUNCTION menpai_scan_counts()")
    else:
        for event in ("insert", "delete"):
            op.execute(f"DROP TRIGGER menpai_scan_counts_{event}")
    op.drop_table("doorplate_scan_counts")
