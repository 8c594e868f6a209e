"""Notifying people: a row per message (an outbox), sent by the worker once the change is
committed.

``notify()`` inserts the rows in the current transaction and registers :func:`dispatch` to
run once it commits (:func:`participa.unit_of_work.after_commit`). With a broker, dispatch
asks the worker to run :func:`participa.notifications.tasks.send_pending`
``NOTIFICATION_SEND_DELAY`` seconds later, which sends every unsent row; a process asks at
most once per half that delay, so a busy web worker (hundreds of ballot receipts a second)
publishes a few messages a second, not one per request, and each one it leaves out is
committed before the sending it relies on starts. Without a broker (eager Celery:
development, tests) the new rows are sent at once, one by one. A rolled-back change sends
nothing.

If the broker is down when :func:`dispatch` runs, the rows simply stay unsent and beat's
``send_pending`` (every minute) sends them once it is back. The skipped dispatches rely on
the web servers' and the worker's clocks agreeing within half the delay (NTP); beyond that
a notification may wait for beat.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from participa.db import utcnow
from participa.extensions import db
from participa.notifications.models import Follow, Notification
from participa.notifications.preferences import channels_for
from participa.notifications.sealing import seal
from participa.unit_of_work import after_commit

_PENDING = "participa.notifications.pending"
_INSERT = insert(Notification.__table__).returning(
    Notification.__table__.c.id, sort_by_parameter_order=True
)
logger = logging.getLogger(__name__)


def notify(
    user_ids: Iterable[int],
    kind: str,
    subject: str,
    body: str,
    secret: str | None = None,
    *,
    link: str | None = None,
    to_email: str | None = None,
) -> list[int]:
    """Queue the same message to each of ``user_ids`` (one statement), on the channels the
    declared ``kind`` (:mod:`participa.notifications.kinds`) and each person's preferences
    allow: mailed after the current transaction commits, and/or shown in the application
    (with ``link``, a local path to what it is about). Nobody gets a row for a message they
    turned off on both channels. The new notifications' ids. :class:`UnknownKind` for a
    kind that is not declared.

    ``secret`` (a receipt code, a link with a token) is stored only sealed, and only for a
    message to be mailed; the body holds :data:`participa.notifications.sealing.PLACEHOLDER`
    where it goes (the application shows a phrase in its place). ``to_email``: mail it to
    that address instead of the account's (the link of an e-mail change)."""
    user_ids = list(dict.fromkeys(user_ids))
    channels = channels_for(user_ids, kind)  # refuses an undeclared kind, even for nobody
    if not user_ids:
        return []
    sealed = None if secret is None else seal(secret)
    now = utcnow()
    rows = [
        {
            "user_id": user_id,
            "kind": kind,
            "subject": subject,
            "body": body,
            "secret": sealed if by_email else None,
            "to_email": to_email if by_email else None,
            "created_at": now,
            "by_email": by_email,
            "in_app": in_app,
            "link": link,
        }
        for user_id, (by_email, in_app) in channels.items()
        if by_email or in_app
    ]
    if not rows:
        return []
    ids = list(db.session.connection().execute(_INSERT, rows).scalars())
    track_notifications(i for i, row in zip(ids, rows, strict=True) if row["by_email"])
    return ids


def track_notifications(ids: Iterable[int]) -> None:
    """Have notifications that the caller inserted itself (in one statement with the change
    they announce) sent after the current transaction commits, as :func:`notify`'s."""
    db.session.info.setdefault(_PENDING, []).extend(ids)
    after_commit(dispatch)


def followers(process_id: int) -> list[int]:
    return list(db.session.scalars(select(Follow.user_id).where(Follow.process_id == process_id)))


def follow(user_id: int, process_id: int) -> bool:
    """Follow a process; False if already following."""
    if db.session.scalar(
        select(Follow.id).where(Follow.user_id == user_id, Follow.process_id == process_id)
    ):
        return False
    db.session.add(Follow(user_id=user_id, process_id=process_id))
    db.session.flush()
    return True


def unfollow(user_id: int, process_id: int) -> None:
    follow_row = db.session.scalar(
        select(Follow).where(Follow.user_id == user_id, Follow.process_id == process_id)
    )
    if follow_row:
        db.session.delete(follow_row)
        db.session.flush()


class _Trigger:
    """When this process last asked the worker to send what is due (monotonic seconds)."""

    queued_at = float("-inf")


def dispatch() -> int:
    """Have the notifications created before the last commit sent; how many there were.

    Never raises (the change is already committed): an unreachable broker is logged and
    the rows are left to beat's :func:`participa.notifications.tasks.send_pending`.
    """
    from participa.notifications.tasks import SendingFailed, send_notification, send_pending

    pending = db.session.info.pop(_PENDING, [])
    if not pending:
        return 0
    if current_app.extensions["celery"].conf.task_always_eager:
        for note_id in pending:
            try:
                send_notification(note_id)
            except SendingFailed as failure:  # this one only: it stays unsent
                logger.error("%s", failure)  # its id and the error's kind, not the address
            except Exception as error:  # never the error's text: it may name the address
                logger.error("could not send notification %s: %s", note_id, type(error).__name__)
        return len(pending)
    delay = current_app.config["NOTIFICATION_SEND_DELAY"]
    now = time.monotonic()
    if now - _Trigger.queued_at < delay / 2:
        return len(pending)  # the sending already queued starts after this commit
    _Trigger.queued_at = now
    try:
        send_pending.apply_async(kwargs={"older_than": 0}, countdown=delay)
    except Exception as error:  # e.g. broker down: beat sends them when it is back
        _Trigger.queued_at = float("-inf")
        logger.error(
            "could not queue %d notification(s), sent when the broker is back: %s",
            len(pending),
            error,
        )
    return len(pending)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
