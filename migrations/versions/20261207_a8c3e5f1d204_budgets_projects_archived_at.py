"""budgets, projects: archived_at (archived budgets, projects withdrawn from the ballot)

An archived budget leaves the ballot and the public lists (its ballots, results and open
data stay); a project withdrawn before voting opened leaves its budget's ballot.

Revision ID: a8c3e5f1d204
Revises: 7d2e4b9c1a55
Create Date: 2026-12-07 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8c3e5f1d204'
down_revision = '7d2e4b9c1a55'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("budgets") as batch:
        batch.add_column(sa.Column("archived_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("archived_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("archived_at")
    with op.batch_alter_table("budgets") as batch:
        batch.drop_column("archived_at")
