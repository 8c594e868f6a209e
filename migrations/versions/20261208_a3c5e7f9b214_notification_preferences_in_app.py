"""notification preferences (opt-outs per topic and channel), notifications in the application

``notification_optouts`` holds what a person turned off (topic, channel); everything is on by
default. ``notifications`` gains its channels: ``by_email`` (every existing row was a mail),
``in_app`` (shown in the application; never for account mails, which carry personal links),
``read_at`` and ``link`` (a local path to what it is about). The notifications sent before this
revision are shown in the application already read, except the account mails.

Revision ID: a3c5e7f9b214
Revises: d7e2b4c91f30
Create Date: 2026-12-08 19:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a3c5e7f9b214"
down_revision = "d7e2b4c91f30"
branch_labels = None
depends_on = None

# the kinds shown in the application (participa.notifications.kinds, as of this revision)
SHOWN = (
    "proposal_answered",
    "phase_opened",
    "execution_milestone",
    "execution_update",
    "ballot_confirmed",
    "content_hidden",
)


def upgrade():
    op.create_table(
        "notification_optouts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_optouts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "user_id", "topic", "channel", name=op.f("pk_notification_optouts")
        ),
    )
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(
            sa.Column("by_email", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch.add_column(
            sa.Column("in_app", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("read_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("link", sa.String(length=300), nullable=True))
        batch.create_index(
            "ix_notifications_unread",
            ["user_id"],
            unique=False,
            postgresql_where=sa.text("in_app AND read_at IS NULL"),
            sqlite_where=sa.text("in_app AND read_at IS NULL"),
        )
    notifications = sa.table(
        "notifications",
        sa.column("kind", sa.String),
        sa.column("in_app", sa.Boolean),
        sa.column("read_at", sa.DateTime),
        sa.column("created_at", sa.DateTime),
    )
    op.execute(
        notifications.update()
        .where(notifications.c.kind.in_(SHOWN))
        .values(in_app=True, read_at=notifications.c.created_at)
    )


def downgrade():
    with op.batch_alter_table("notifications") as batch:
        batch.drop_index("ix_notifications_unread")
        batch.drop_column("link")
        batch.drop_column("read_at")
        batch.drop_column("in_app")
        batch.drop_column("by_email")
    op.drop_table("notification_optouts")
