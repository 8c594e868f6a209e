"""process_roles: evaluators, moderators and booth officers of one process only

A global role (users.role) still means every process; a row here gives a person a staff
role on one process (unique per person, process and role). Removed with its person or
process.

Revision ID: d6e2b4a81f37
Revises: a3c7e1f05b92
Create Date: 2026-12-08 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd6e2b4a81f37'
down_revision = 'a3c7e1f05b92'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "process_roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "role IN ('evaluator', 'moderator', 'officer')",
            name=op.f("ck_process_roles_role_known"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_process_roles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["process_id"], ["processes.id"], name=op.f("fk_process_roles_process_id_processes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"], ["users.id"],
            name=op.f("fk_process_roles_assigned_by_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_roles")),
        sa.UniqueConstraint(
            "user_id", "process_id", "role", name=op.f("uq_process_roles_user_id_process_id_role")
        ),
    )
    op.create_index(op.f("ix_process_roles_user_id"), "process_roles", ["user_id"])
    op.create_index(op.f("ix_process_roles_process_id"), "process_roles", ["process_id"])


def downgrade():
    op.drop_index(op.f("ix_process_roles_process_id"), table_name="process_roles")
    op.drop_index(op.f("ix_process_roles_user_id"), table_name="process_roles")
    op.drop_table("process_roles")
