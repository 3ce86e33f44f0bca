"""verification review (far or fixless approvals wait for the township supervisor); login failures an admin cleared

Revision ID: d4f1a7c93e58
Revises: d4e8a1f2c9b7
Create Date: 2026-12-04 17:18:00.000000

- verifications: outcome may be 'needs_review' (VARCHAR(12)); point, accuracy_m, distance_m nullable (a visit with
  no GPS fix at all).
- verification_tasks: state may be 'review'.
- verification_reviews: the supervisor's decisions.
- login_attempts.cleared_at: set by an admin's unlock (the failure stops counting towards throttling).

SQLite cannot alter a CHECK or a NOT NULL: the two tables are rebuilt by hand (create, copy, drop, rename) and their
indexes and triggers put back verbatim from sqlite_master (SpatiaLite's geometry triggers on verifications.point and
the house_last_visits trigger among them; alembic's batch mode would lose the triggers). Our SQLite connections
enforce foreign keys, and dropping a table that other rows reference fails even when deferred (SQLite's own
12-step recipe): the rebuild runs with foreign keys off, outside a transaction, and checks them afterwards.
"""

import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d4f1a7c93e58"
down_revision = "d4e8a1f2c9b7"
branch_labels = None
depends_on = None

OLD_OUTCOMES = "outcome IN ('approved', 'rejected', 'needs_fix')"
NEW_OUTCOMES = "outcome IN ('approved', 'rejected', 'needs_fix', 'needs_review')"
OLD_STATES = "state IN ('open', 'done', 'cancelled')"
NEW_STATES = "state IN ('open', 'review', 'done', 'cancelled')"
# (table, [(old DDL text, new DDL text)]) applied to the CREATE TABLE statement on SQLite.
SQLITE_EDITS = {
    "verifications": [
        ("point GEOMETRY NOT NULL", "point GEOMETRY"),
        ("accuracy_m FLOAT NOT NULL", "accuracy_m FLOAT"),
        ("distance_m FLOAT NOT NULL", "distance_m FLOAT"),
        ("outcome VARCHAR(10) NOT NULL", "outcome VARCHAR(12) NOT NULL"),
        (OLD_OUTCOMES, NEW_OUTCOMES),
    ],
    "verification_tasks": [(OLD_STATES, NEW_STATES)],
}


def _sqlite_rebuild(table: str, edits: list) -> None:
    conn = op.get_bind()
    ddl = conn.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"), {"t": table})
    ddl = ddl.scalar_one()
    for old, new in edits:
        assert old in ddl, (table, old)
        ddl = ddl.replace(old, new)
    extras = conn.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = :t AND sql IS NOT NULL"),
        {"t": table},
    ).scalars()
    extras = list(extras)
    temp = f"_rebuild_{table}"
    # After a rename SQLite keeps the name quoted: CREATE TABLE "verifications" (…
    op.execute(re.sub(rf'^CREATE TABLE "?{table}"? \(', f"CREATE TABLE {temp} (", ddl, count=1))
    op.execute(f"INSERT INTO {temp} SELECT * FROM {table}")
    op.execute(f"DROP TABLE {table}")
    op.execute(f"ALTER TABLE {temp} RENAME TO {table}")
    for sql in extras:
        op.execute(sql)


def _without_foreign_keys(rebuild) -> None:
    """Run the SQLite rebuild with foreign keys off (the pragma is ignored inside a transaction), then check them."""
    raw = op.get_bind().connection.dbapi_connection
    raw.commit()  # whatever the driver began implicitly (alembic_version's UPDATE)
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        rebuild()
        problems = raw.execute("PRAGMA foreign_key_check").fetchall()
        assert not problems, problems
        raw.commit()
    finally:
        raw.execute("PRAGMA foreign_keys = ON")


def _pg_checks(table: str, name: str, condition: str) -> None:
    op.drop_constraint(op.f(f"ck_{table}_{name}"), table, type_="check")
    op.create_check_constraint(op.f(f"ck_{table}_{name}"), table, condition)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("verifications", "point", nullable=True)
        op.alter_column("verifications", "accuracy_m", nullable=True)
        op.alter_column("verifications", "distance_m", nullable=True)
        op.alter_column("verifications", "outcome", type_=sa.String(length=12))
        _pg_checks("verifications", "outcome", NEW_OUTCOMES)
        _pg_checks("verification_tasks", "state", NEW_STATES)
    else:
        _without_foreign_keys(lambda: [_sqlite_rebuild(table, edits) for table, edits in SQLITE_EDITS.items()])
    op.create_table(
        "verification_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("verification_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint("decision IN ('approved', 'sent_back')", name=op.f("ck_verification_reviews_decision")),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["users.id"], name=op.f("fk_verification_reviews_reviewer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["verification_tasks.id"], name=op.f("fk_verification_reviews_task_id_verification_tasks")
        ),
        sa.ForeignKeyConstraint(
            ["verification_id"],
            ["verifications.id"],
            name=op.f("fk_verification_reviews_verification_id_verifications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_reviews")),
    )
    for column in ("task_id", "verification_id", "reviewer_id"):
        op.create_index(f"ix_verification_reviews_{column}", "verification_reviews", [column], unique=False)
    op.add_column("login_attempts", sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("login_attempts") as batch_op:
        batch_op.drop_column("cleared_at")
    op.drop_table("verification_reviews")
    # Visits without a fix or waiting for review cannot go back: the old schema has no place for them.
    if op.get_bind().dialect.name == "postgresql":
        _pg_checks("verification_tasks", "state", OLD_STATES)
        _pg_checks("verifications", "outcome", OLD_OUTCOMES)
        op.alter_column("verifications", "outcome", type_=sa.String(length=10))
        for column in ("distance_m", "accuracy_m", "point"):
            op.alter_column("verifications", column, nullable=False)
    else:
        _without_foreign_keys(
            lambda: [_sqlite_rebuild(table, [(new, old) for old, new in edits]) for table, edits in SQLITE_EDITS.items()]
        )
