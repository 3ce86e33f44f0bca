"""conflicting check-ins outside the one-occupying-tenancy index: an impostor's check-in at the holder's house is
an ordinary pending conflict, not a 409 telling them the holder lives there

Revision ID: e1b7c4a9d2f3
Revises: d4f1a7c93e58
Create Date: 2026-12-04 18:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "e1b7c4a9d2f3"
down_revision = "d4f1a7c93e58"
branch_labels = None
depends_on = None

OLD = "status IN ('pending', 'active')"
NEW = "status IN ('pending', 'active') AND (conflict IS NULL OR conflict <> 'open')"


def _swap(before: str, after: str) -> None:
    op.drop_index("uq_tenancies_occupying", table_name="tenancies")
    op.create_index(
        "uq_tenancies_occupying",
        "tenancies",
        ["house_id", "person_id"],
        unique=True,
        postgresql_where=sa.text(after),
        sqlite_where=sa.text(after),
    )


def upgrade():
    _swap(OLD, NEW)


def downgrade():
    _swap(NEW, OLD)
