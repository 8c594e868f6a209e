"""account tokens (e-mail confirmation, password reset), confirmed e-mail addresses

``account_tokens`` holds the SHA-256 of each link mailed to confirm an address or reset a
password (the token itself is only in the link), with its expiry. ``users.email_confirmed_at``
says when the owner confirmed the address: every account that exists before this revision
(demo accounts, staff created by command, residents) is considered confirmed, as of its
creation.

Revision ID: d7e2b4c91f30
Revises: d6e2b4a81f37
Create Date: 2026-12-08 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7e2b4c91f30'
down_revision = 'd6e2b4a81f37'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "account_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "purpose IN ('confirm_email', 'reset_password')",
            name=op.f("ck_account_tokens_purpose_known"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_account_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_tokens_token_hash")),
    )
    with op.batch_alter_table("account_tokens") as batch:
        batch.create_index(
            "ix_account_tokens_user_id_purpose", ["user_id", "purpose"], unique=False
        )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email_confirmed_at", sa.DateTime(), nullable=True))
    # the accounts made before e-mail confirmation existed are taken as confirmed
    op.execute("UPDATE users SET email_confirmed_at = created_at")


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email_confirmed_at")
    with op.batch_alter_table("account_tokens") as batch:
        batch.drop_index("ix_account_tokens_user_id_purpose")
    op.drop_table("account_tokens")
