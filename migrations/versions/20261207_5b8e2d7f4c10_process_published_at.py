"""processes.published_at: a new process is a draft until an administrator publishes it;
open data publishes when a results phase opens (publications.trigger 'results')

Every process that exists already is marked published (at its creation date), so nothing
that was public disappears.

Revision ID: 5b8e2d7f4c10
Revises: a8c3e5f1d204
Create Date: 2026-12-07 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b8e2d7f4c10'
down_revision = 'a8c3e5f1d204'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("processes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE processes SET published_at = created_at WHERE published_at IS NULL")
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.drop_constraint("trigger_known", type_="check")
        batch_op.create_check_constraint(
            "trigger_known", "trigger IN ('tally', 'daily', 'manual', 'results')"
        )


def downgrade():
    op.execute("UPDATE publications SET trigger = 'tally' WHERE trigger = 'results'")
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.drop_constraint("trigger_known", type_="check")
        batch_op.create_check_constraint("trigger_known", "trigger IN ('tally', 'daily', 'manual')")
    with op.batch_alter_table("processes", schema=None) as batch_op:
        batch_op.drop_column("published_at")
