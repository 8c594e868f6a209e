"""notification secrets sealed: notifications.secret, no receipt code in the clear

A ballot's receipt code no longer sits in ``notifications.body`` beside the voter's user id:
the body holds a placeholder and ``secret`` the code encrypted with a key derived from
``SECRET_KEY`` (``participa/notifications/sealing.py``), erased once the message is sent
or given up.

Rows written before: the codes in the bodies of receipts already sent, given up, or too old
to be sent (two days) are blanked out for good; a receipt still waiting has its code moved
into ``secret``, sealed, so that it is still sent. The downgrade puts the waiting codes back
into their bodies (the blanked ones cannot come back).

Without ``SECRET_KEY`` the migration refuses (and changes nothing) when a receipt waits to
be sealed, or, downgrading, to be opened: no key is ever derived from a missing secret.

Revision ID: bfae45aed10b
Revises: c4f1a9e2b7d3
Create Date: 2026-12-07 08:00:00.000000

"""
import base64
import hashlib
import hmac
import re
from datetime import datetime, timedelta, timezone

from alembic import context, op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bfae45aed10b'
down_revision = 'c4f1a9e2b7d3'
branch_labels = None
depends_on = None

# As in participa/budgets/services.py and participa/notifications/sealing.py at this
# revision (a migration does not follow later changes of the application).
CODE = re.compile(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")
BLANK = "····-····-····"
PLACEHOLDER = "[[secret]]"
RESEND_WITHIN = timedelta(days=2)

notifications = sa.table(
    "notifications",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("body", sa.Text),
    sa.column("secret", sa.Text),
    sa.column("created_at", sa.DateTime),
    sa.column("sent_at", sa.DateTime),
    sa.column("failed_at", sa.DateTime),
)


NO_SECRET = (
    "SECRET_KEY must be set to {}: set it (the one the application runs with) and run "
    "the migration again."
)


def _secret_keys():
    """SECRET_KEY then its fallbacks; an empty tuple when SECRET_KEY is not set."""
    from flask import current_app

    config = current_app.config
    if not config.get("SECRET_KEY"):
        return ()
    fallbacks = (k for k in config.get("SECRET_KEY_FALLBACKS") or () if k)
    return (config["SECRET_KEY"], *fallbacks)


def _cipher():
    from cryptography.fernet import Fernet, MultiFernet

    keys = _secret_keys()
    if not keys:  # never a key derived from a missing secret
        raise RuntimeError(NO_SECRET.format("seal or open receipt codes"))

    def key(secret):
        raw = secret if isinstance(secret, bytes) else str(secret).encode()
        digest = hmac.new(raw, b"participa-notification-secret", hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest)

    return MultiFernet([Fernet(key(k)) for k in keys])


def _receipts(bind, *conditions, batch=5_000):
    """(id, body, secret) of receipt notifications, in batches by id."""
    last = 0
    while True:
        rows = bind.execute(
            sa.select(notifications.c.id, notifications.c.body, notifications.c.secret)
            .where(notifications.c.kind == "ballot_confirmed", notifications.c.id > last, *conditions)
            .order_by(notifications.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def upgrade():
    c = notifications.c
    cutoff = datetime.now(timezone.utc).replace(tzinfo=None) - RESEND_WITHIN
    done = sa.or_(c.sent_at.is_not(None), c.failed_at.is_not(None), c.created_at <= cutoff)
    if not context.is_offline_mode() and not _secret_keys():
        waiting = op.get_bind().scalar(
            sa.select(sa.func.count())
            .select_from(notifications)
            .where(c.kind == "ballot_confirmed", sa.not_(done))
        )
        if waiting:  # before any change: refused, the database is as it was
            raise RuntimeError(NO_SECRET.format(f"seal the {waiting} receipt(s) waiting to be sent"))
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("secret", sa.Text(), nullable=True))
    if context.is_offline_mode():
        return  # the bodies are data: only an online upgrade rewrites them
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.execute(
            notifications.update()
            .where(c.kind == "ballot_confirmed", done)
            .values(body=sa.func.regexp_replace(c.body, CODE.pattern, BLANK, "g"))
        )
    else:
        for rows in _receipts(bind, done):
            for row in rows:
                blank = CODE.sub(BLANK, row.body)
                if blank != row.body:
                    bind.execute(
                        notifications.update().where(c.id == row.id).values(body=blank)
                    )
    waiting = list(_receipts(bind, sa.not_(done), c.secret.is_(None)))
    if not waiting:
        return
    cipher = _cipher()
    for rows in waiting:
        for row in rows:
            found = CODE.search(row.body)
            if found is None:
                continue
            sealed = cipher.encrypt(found.group().encode()).decode("ascii")
            body = CODE.sub(PLACEHOLDER, row.body)
            bind.execute(
                notifications.update().where(c.id == row.id).values(body=body, secret=sealed)
            )


def downgrade():
    if not context.is_offline_mode():
        bind = op.get_bind()
        c = notifications.c
        sealed = list(_receipts(bind, c.secret.is_not(None)))
        if sealed and not _secret_keys():
            raise RuntimeError(NO_SECRET.format("open the receipt codes waiting to be sent"))
        if sealed:
            cipher = _cipher()
            for rows in sealed:
                for row in rows:
                    try:
                        code = cipher.decrypt(row.secret.encode("ascii")).decode()
                    except Exception:  # another SECRET_KEY: it could not be sent anyway
                        continue
                    bind.execute(
                        notifications.update()
                        .where(c.id == row.id)
                        .values(body=row.body.replace(PLACEHOLDER, code))
                    )
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("secret")
