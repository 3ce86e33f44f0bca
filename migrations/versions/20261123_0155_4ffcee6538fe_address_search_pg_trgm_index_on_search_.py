"""address search: pg_trgm index on search_text

Revision ID: 4ffcee6538fe
Revises: 41b42b94968d
Create Date: 2026-11-23 01:55:38.040004

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4ffcee6538fe'
down_revision = '41b42b94968d'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
