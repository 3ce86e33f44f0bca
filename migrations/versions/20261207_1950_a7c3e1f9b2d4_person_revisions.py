"""person revisions: a resident's record on file is corrected through a flow that keeps what it said before

Revision ID: a7c3e1f9b2d4
Revises: f2a9c1d7e4b3
Create Date: 2026-12-07 19:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a7c3e1f9b2d4"
down_revision = "f2a9c1d7e4b3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "person_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("name_enc", sa.String(300), nullable=False),
        sa.Column("phone_enc", sa.String(200), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(300), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_person_revisions_person_id_people")),
        sa.ForeignKeyConstraint(["changed_by_id"], ["users.id"], name=op.f("fk_person_revisions_changed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_revisions")),
    )
    op.create_index(op.f("ix_person_revisions_person_id"), "person_revisions", ["person_id"])


def downgrade():
    op.drop_table("person_revisions")
