"""deleted accounts (tombstones) and archives of a person's data (ARCO)

``users.deleted_at`` says when the owner deleted the account: the row stays as a tombstone
emptied of personal data (ballots and supports keep pointing to it). ``data_exports`` holds
one row per archive of a person's data asked for: its status, its random file name under
``instance/exports/`` and until when it is offered.

Revision ID: e5a1c3d7f902
Revises: e1a7c3d5b920
Create Date: 2026-12-08 19:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e5a1c3d7f902"
down_revision = 'e1a7c3d5b920'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("deleted_at", sa.DateTime(), nullable=True))
    op.create_table(
        "data_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("file_name", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ready_at", sa.DateTime(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'ready', 'failed', 'expired')",
            name=op.f("ck_data_exports_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_data_exports_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_exports")),
        sa.UniqueConstraint("file_name", name=op.f("uq_data_exports_file_name")),
    )
    with op.batch_alter_table("data_exports") as batch:
        batch.create_index(
            "ix_data_exports_user_id_created_at", ["user_id", "created_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("data_exports") as batch:
        batch.drop_index("ix_data_exports_user_id_created_at")
    op.drop_table("data_exports")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("deleted_at")
