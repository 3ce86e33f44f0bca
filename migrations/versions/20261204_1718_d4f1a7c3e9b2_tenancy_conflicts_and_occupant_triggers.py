"""tenancy conflicts and end reasons; houses.occupants kept by triggers on tenancies

Revision ID: d4f1a7c3e9b2
Revises: c7e2a9d4b1f6
Create Date: 2026-12-04 17:18:00.000000

- A check-in that presents a stored ID number with another name or phone no longer re-seals the person: the
  tenancy carries `conflict` and what was presented, sealed (`presented_name_enc`, `presented_phone_enc`).
- `end_reason`: why a tenancy ended without its tenant or landlord (`house_closed`: 取缔).
- `houses.occupants` (pending + active tenancies) was moved by the app beside each transition, and drifted when two
  check-outs of one tenancy both went through. It is now kept by triggers on tenancies (statement-level with
  transition tables on PostgreSQL, so a bulk statement is one grouped UPDATE; row-level on SQLite), and refilled
  from the rows here. A house already holding more live tenancies than its max_occupants stops this migration at
  the capacity CHECK: such a house needs a person's decision, not a silent count.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d4f1a7c3e9b2"
down_revision = "c7e2a9d4b1f6"
branch_labels = None
depends_on = None

LIVE = "('pending', 'active')"
PG_FUNCTION = f"""
CREATE FUNCTION menpai_tenancy_occupants() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE houses h SET occupants = h.occupants + d.n
      FROM (SELECT house_id, count(*) n FROM new_rows WHERE status IN {LIVE} GROUP BY house_id) d
      WHERE h.id = d.house_id;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE houses h SET occupants = h.occupants - d.n
      FROM (SELECT house_id, count(*) n FROM old_rows WHERE status IN {LIVE} GROUP BY house_id) d
      WHERE h.id = d.house_id;
  ELSE
    UPDATE houses h SET occupants = h.occupants + d.n
      FROM (SELECT house_id, sum(n) n FROM (
              SELECT house_id, 1 n FROM new_rows WHERE status IN {LIVE}
              UNION ALL SELECT house_id, -1 FROM old_rows WHERE status IN {LIVE}) x
            GROUP BY house_id HAVING sum(n) <> 0) d
      WHERE h.id = d.house_id;
  END IF;
  RETURN NULL;
END
$$
"""
PG_TRIGGERS = {
    "insert": "AFTER INSERT ON tenancies REFERENCING NEW TABLE AS new_rows",
    "update": "AFTER UPDATE ON tenancies REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "AFTER DELETE ON tenancies REFERENCING OLD TABLE AS old_rows",
}
SQLITE_TRIGGERS = {
    "insert": f"AFTER INSERT ON tenancies WHEN NEW.status IN {LIVE} BEGIN "
    "UPDATE houses SET occupants = occupants + 1 WHERE id = NEW.house_id; END",
    "update": "AFTER UPDATE OF status, house_id ON tenancies BEGIN "
    f"UPDATE houses SET occupants = occupants - 1 WHERE id = OLD.house_id AND OLD.status IN {LIVE}; "
    f"UPDATE houses SET occupants = occupants + 1 WHERE id = NEW.house_id AND NEW.status IN {LIVE}; END",
    "delete": f"AFTER DELETE ON tenancies WHEN OLD.status IN {LIVE} BEGIN "
    "UPDATE houses SET occupants = occupants - 1 WHERE id = OLD.house_id; END",
}
REFILL = f"""
UPDATE houses SET occupants = (
  SELECT count(*) FROM tenancies t WHERE t.house_id = houses.id AND t.status IN {LIVE}
)
"""


def upgrade():
    op.add_column("tenancies", sa.Column("conflict", sa.String(length=10), nullable=True))
    op.add_column("tenancies", sa.Column("presented_name_enc", sa.String(length=300), nullable=True))
    op.add_column("tenancies", sa.Column("presented_phone_enc", sa.String(length=200), nullable=True))
    op.add_column("tenancies", sa.Column("end_reason", sa.String(length=20), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for event, clause in PG_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER menpai_occupants_{event} {clause} FOR EACH STATEMENT "
                "EXECUTE FUNCTION menpai_tenancy_occupants()"
            )
    else:
        for event, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER menpai_occupants_{event} {body}")
    op.execute(REFILL)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for event in PG_TRIGGERS:
            op.execute(f"DROP TRIGGER menpai_occupants_{event} ON tenancies")
        op.execute("DROP FUNCTION menpai_tenancy_occupants()")
    else:
        for event in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER menpai_occupants_{event}")
    with op.batch_alter_table("tenancies") as batch_op:
        batch_op.drop_column("end_reason")
        batch_op.drop_column("presented_phone_enc")
        batch_op.drop_column("presented_name_enc")
        batch_op.drop_column("conflict")
