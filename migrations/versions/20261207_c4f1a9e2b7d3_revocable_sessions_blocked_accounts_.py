"""revocable sessions, blocked accounts, reports that count towards hiding

``user_sessions`` holds one row per signed-in browser (the SHA-256 of the random token its
session cookie carries): logging out deletes it, so a copied cookie stops working.
``users.blocked_at`` marks an account blocked by moderation. ``reports.counts`` says
whether a report counts towards the automatic hiding (reports of new or unverified
accounts do not); the reports already stored keep counting.

Revision ID: c4f1a9e2b7d3
Revises: ec9545058e20
Create Date: 2026-12-07 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4f1a9e2b7d3'
down_revision = 'ec9545058e20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_user_sessions")),
    )
    with op.batch_alter_table("user_sessions") as batch:
        batch.create_index("ix_user_sessions_created_at", ["created_at"], unique=False)
        batch.create_index(batch.f("ix_user_sessions_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("blocked_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("reports") as batch:
        batch.add_column(
            sa.Column("counts", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("counts")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("blocked_at")
    with op.batch_alter_table("user_sessions") as batch:
        batch.drop_index(batch.f("ix_user_sessions_user_id"))
        batch.drop_index("ix_user_sessions_created_at")
    op.drop_table("user_sessions")
