"""profile language, e-mail change links

``users.locale``: the interface language an account chose on its profile page (NULL: the
browser's). ``account_tokens.new_email``: the address an e-mail change link switches the
account to, with the new purpose ``change_email``. ``notifications.to_email``: a message
sent to another address than the account's (the link of an e-mail change goes to the new
address).

Revision ID: e3a9c5d1f047
Revises: a3c5e7f9b214
Create Date: 2026-12-09 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3a9c5d1f047'
down_revision = 'a3c5e7f9b214'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("locale", sa.String(length=10), nullable=True))
        batch.create_check_constraint(
            "locale_known", "locale IS NULL OR locale IN ('es_MX', 'en')"
        )
    with op.batch_alter_table("account_tokens") as batch:
        batch.add_column(sa.Column("new_email", sa.String(length=254), nullable=True))
        batch.drop_constraint(op.f("ck_account_tokens_purpose_known"), type_="check")
        batch.create_check_constraint(
            "purpose_known", "purpose IN ('confirm_email', 'reset_password', 'change_email')"
        )
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("to_email", sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("to_email")
    op.execute("DELETE FROM account_tokens WHERE purpose = 'change_email'")
    with op.batch_alter_table("account_tokens") as batch:
        batch.drop_constraint(op.f("ck_account_tokens_purpose_known"), type_="check")
        batch.create_check_constraint(
            "purpose_known", "purpose IN ('confirm_email', 'reset_password')"
        )
        batch.drop_column("new_email")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_locale_known"), type_="check")
        batch.drop_column("locale")
