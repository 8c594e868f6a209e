"""notifications given up: failed_at (a message that can never be sent no longer blocks the others)

``send_pending`` sends unsent notifications one by one; one that the mail server refuses
for good (an unknown address) or that cannot be written (a malformed header) is marked
``failed_at`` and skipped from then on, instead of being tried again before every newer
one.

Revision ID: 5b1e7c2a9d40
Revises: 8a476c037352
Create Date: 2026-11-23 08:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1e7c2a9d40'
down_revision = '8a476c037352'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("failed_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("failed_at")
