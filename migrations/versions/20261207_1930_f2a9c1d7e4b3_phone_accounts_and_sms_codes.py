"""phone accounts and SMS codes: residents sign in with their phone, staff are managed in the product

Revision ID: f2a9c1d7e4b3
Revises: e1b7c4a9d2f3
Create Date: 2026-12-07 19:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f2a9c1d7e4b3"
down_revision = "e1b7c4a9d2f3"
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('landlord', 'tenant', 'grid_worker', 'fire_officer', 'police', 'supervisor', 'admin')"
NEW_ROLES = (
    "role IN ('resident', 'landlord', 'tenant', 'grid_worker', 'fire_officer', 'police', 'supervisor', 'admin')"
)


def _rebuilding(tables):
    """Run the batch edits; on SQLite (a table rebuild) with foreign keys off, checked afterwards: users and
    sms_messages are referenced by other rows, and SQLite refuses to drop a referenced table even when deferred.
    The pragma is ignored inside a transaction, hence the commit first (as in d4f1a7c93e58)."""
    if op.get_bind().dialect.name != "sqlite":
        tables()
        return
    raw = op.get_bind().connection.dbapi_connection
    raw.commit()
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        tables()
        problems = raw.execute("PRAGMA foreign_key_check").fetchall()
        assert not problems, problems
        raw.commit()
    finally:
        raw.execute("PRAGMA foreign_keys = ON")


def upgrade():
    _rebuilding(_upgrade_tables)
    _create_sms_codes()


def _upgrade_tables():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("phone_enc", sa.String(200), nullable=True))
        batch.add_column(sa.Column("phone_index", sa.String(32), nullable=True))
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_unique_constraint(batch.f("uq_users_phone_index"), ["phone_index"])
        batch.drop_constraint(batch.f("ck_users_role"), type_="check")
        batch.create_check_constraint(batch.f("ck_users_role"), sa.text(NEW_ROLES))
    with op.batch_alter_table("sms_messages") as batch:
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("phone_enc", sa.String(200), nullable=True))
        batch.add_column(sa.Column("phone_index", sa.String(32), nullable=True))
        batch.create_index(batch.f("ix_sms_messages_phone_index"), ["phone_index"])


def _create_sms_codes():
    op.create_table(
        "sms_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone_index", sa.String(32), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("ip", sa.String(45), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tries", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sms_codes_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_codes")),
    )
    op.create_index("ix_sms_codes_phone_index_created_at", "sms_codes", ["phone_index", "created_at"])
    op.create_index("ix_sms_codes_ip_created_at", "sms_codes", ["ip", "created_at"])
    op.create_index(op.f("ix_sms_codes_created_at"), "sms_codes", ["created_at"])
    op.create_index(op.f("ix_sms_codes_user_id"), "sms_codes", ["user_id"])


def downgrade():
    op.drop_table("sms_codes")
    op.execute("DELETE FROM sms_messages WHERE user_id IS NULL")
    op.execute("UPDATE users SET active = false WHERE role = 'resident'")
    op.execute("UPDATE users SET role = 'tenant' WHERE role = 'resident'")
    _rebuilding(_downgrade_tables)


def _downgrade_tables():
    with op.batch_alter_table("sms_messages") as batch:
        batch.drop_index(batch.f("ix_sms_messages_phone_index"))
        batch.drop_column("phone_index")
        batch.drop_column("phone_enc")
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(batch.f("ck_users_role"), type_="check")
        batch.create_check_constraint(batch.f("ck_users_role"), sa.text(OLD_ROLES))
        batch.drop_constraint(batch.f("uq_users_phone_index"), type_="unique")
        batch.drop_column("last_login_at")
        batch.drop_column("must_change_password")
        batch.drop_column("phone_index")
        batch.drop_column("phone_enc")
