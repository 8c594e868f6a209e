"""the outbox's unsent notifications: a partial index

``ix_notifications_unsent`` holds the notifications still to be mailed (``by_email``, not
sent, not given up), in id order: ``send_pending`` finds the next one in it instead of
reading every sent notification (with a million of them: 15,500 pages and 150-220 ms per
message before, 3-34 pages and under 2 ms with it: bench/send_pending.py). Its predicate is
the query's
(``participa.notifications.models.UNSENT_BY_EMAIL``), written as SQLAlchemy renders it, so
that both PostgreSQL and SQLite use the index.

Building it reads the table once (about a second for a million rows), blocking writes to
``notifications`` meanwhile; sessions whose snapshot is older than the index may go on
without it for a moment (``pg_index.indcheckxmin``).

Revision ID: a10c2d4e6f03
Revises: a10b1c3d5e02
Create Date: 2026-12-10 22:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a10c2d4e6f03"
down_revision = "a10b1c3d5e02"
branch_labels = None
depends_on = None

notifications = sa.table(
    "notifications",
    sa.column("by_email", sa.Boolean),
    sa.column("sent_at", sa.DateTime),
    sa.column("failed_at", sa.DateTime),
)
UNSENT_BY_EMAIL = sa.and_(
    notifications.c.by_email.is_(True),
    notifications.c.sent_at.is_(None),
    notifications.c.failed_at.is_(None),
)


def upgrade():
    op.create_index(
        "ix_notifications_unsent",
        "notifications",
        ["id"],
        unique=False,
        postgresql_where=UNSENT_BY_EMAIL,
        sqlite_where=UNSENT_BY_EMAIL,
    )


def downgrade():
    op.drop_index("ix_notifications_unsent", table_name="notifications")
