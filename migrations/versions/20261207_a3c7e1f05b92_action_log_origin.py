"""action_log.origin, and indexes for the log's filters by person and kind

``origin`` says where an action came from when no person did it in the browser
(``calendar``, ``cli``, ``demo``): the process page credits seeding to the demonstration
data, not to the first administrator. Older rows keep it null (read as before).

Revision ID: a3c7e1f05b92
Revises: 3c8e5f1a2b90
Create Date: 2026-12-07 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3c7e1f05b92'
down_revision = '3c8e5f1a2b90'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("action_log") as batch_op:
        batch_op.add_column(sa.Column("origin", sa.String(length=20), nullable=True))
        batch_op.create_index("ix_action_log_actor_id", ["actor_id"], unique=False)
        batch_op.create_index("ix_action_log_action", ["action"], unique=False)


def downgrade():
    with op.batch_alter_table("action_log") as batch_op:
        batch_op.drop_index("ix_action_log_action")
        batch_op.drop_index("ix_action_log_actor_id")
        batch_op.drop_column("origin")
