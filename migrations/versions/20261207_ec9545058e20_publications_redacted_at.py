"""publications: redacted_at (a published version redacted after moderation hid content)

When a moderator (or enough reports) hides a proposal, every published open data version
that holds it is rewritten without it; redacted_at records on the version that it was
redacted and when (the last redaction).

Revision ID: ec9545058e20
Revises: 6a1f0c3e9b21
Create Date: 2026-12-07 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ec9545058e20'
down_revision = '6a1f0c3e9b21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("publications") as batch:
        batch.add_column(sa.Column("redacted_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("publications") as batch:
        batch.drop_column("redacted_at")
