"""census_keys: the fingerprint of the key the census was hashed with

Every use of the census checks it: under another key (a rotated SECRET_KEY without
CENSUS_SALT) the same document would hash differently and its person would get a second
identity, and a second ballot. The first use after this migration records the current key.

Revision ID: 7d2e4b9c1a55
Revises: bfae45aed10b
Create Date: 2026-12-07 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d2e4b9c1a55'
down_revision = 'bfae45aed10b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "census_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_census_keys")),
    )


def downgrade():
    op.drop_table("census_keys")
