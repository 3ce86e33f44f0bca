"""address search: pg_trgm index on search_text

Revision ID: 4ffcee6538fe
Revises: 41b42b94968d
Create Date: 2026-11-23 01:55:35.000000

PostgreSQL only: a GIN trigram index so search's LIKE '%…%' terms can use an index. On SQLite this
revision does nothing (the model declares the index with ddl_if(dialect="postgresql")).
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '4ffcee6538fe'
down_revision = '41b42b94968d'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_addresses_search_text_trgm",
        "addresses",
        ["search_text"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_addresses_search_text_trgm", table_name="addresses")
    # The pg_trgm extension stays: other objects may use it, and it costs nothing unused.
