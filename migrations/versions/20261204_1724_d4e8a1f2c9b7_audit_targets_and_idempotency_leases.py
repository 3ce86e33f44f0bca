"""audit targets that fit (one row per person, its house), idempotency leases, no stored reveal answers

Revision ID: d4e8a1f2c9b7
Revises: d4f1a7c3e9b2
Create Date: 2026-12-04 17:24:00.000000

A masked read of 61 tenants was one audit row whose target_id listed 61 ids in String(64): a 500 on PostgreSQL and
a card batch that failed for ever. Reads now write one row per person; `person_id` and `house_id` make the log
searchable by person and by house (GET /api/v1/audit). Plain ADD COLUMN on both databases: no batch rebuild, so
the append-only triggers of audit_events stay. Old rows keep their target_id as written (the table refuses UPDATE).

`idempotency_keys.lease_until`: a key whose request died with its worker is taken over once its lease is past.
The stored answers of police reveals (clear name, ID number, phone) are wiped: that route's replay re-runs the read.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d4e8a1f2c9b7"
down_revision = "d4f1a7c3e9b2"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("audit_events", sa.Column("person_id", sa.Integer(), nullable=True))
    op.add_column("audit_events", sa.Column("house_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_audit_events_person_id"), "audit_events", ["person_id"], unique=False)
    op.create_index(op.f("ix_audit_events_house_id"), "audit_events", ["house_id"], unique=False)
    op.add_column("idempotency_keys", sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE idempotency_keys SET response = NULL WHERE endpoint = 'api.person_reveal'")


def downgrade():
    op.drop_column("idempotency_keys", "lease_until")
    op.drop_index(op.f("ix_audit_events_house_id"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_person_id"), table_name="audit_events")
    # SQLite drops a column by rebuilding the table, which would lose the append-only triggers: keep them there.
    if op.get_bind().dialect.name == "postgresql":
        op.drop_column("audit_events", "house_id")
        op.drop_column("audit_events", "person_id")
