"""Notifying people: a row per message, sent by a Celery task once the change is committed.

``notify()`` only adds the row. After committing, the caller calls :func:`dispatch`, which
hands the new notifications to :func:`participa.notifications.tasks.send_notification`:
the task always finds its row, and a rolled-back change sends nothing.

The rows are an outbox: a notification is sent when its ``sent_at`` is set. If the broker
is down when :func:`dispatch` runs, the rows simply stay unsent and beat's
:func:`participa.notifications.tasks.send_pending` queues them again once it is back.
"""

from __future__ import annotations

import logging

from kombu.exceptions import OperationalError
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from participa.extensions import db
from participa.notifications.models import Follow, Notification

_PENDING = "participa.notifications.pending"
logger = logging.getLogger(__name__)


def notify(user_id: int, kind: str, subject: str, body: str) -> Notification:
    """Queue a message to ``user_id``; it is sent after the current transaction commits."""
    note = Notification(user_id=user_id, kind=kind, subject=subject, body=body)
    db.session.add(note)
    db.session.info.setdefault(_PENDING, []).append(note)
    return note


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


def dispatch() -> int:
    """Enqueue the sending of the notifications created before the last commit; the number
    queued.

    Never raises (the change is already committed): an unreachable broker is logged and
    the rest is left to :func:`participa.notifications.tasks.send_pending`.
    """
    from participa.notifications.tasks import send_notification

    pending = db.session.info.pop(_PENDING, [])
    queued = 0
    for position, note in enumerate(pending):
        note_id = inspect(note).identity[0]  # note.id would be read again after the commit
        try:
            send_notification.delay(note_id)
        except OperationalError as error:  # broker down: stop; beat sends the rest later
            logger.error(
                "could not queue %d notification(s), sent when the broker is back: %s",
                len(pending) - position,
                error,
            )
            break
        except Exception:  # this one only (e.g. an eager run's mail error): it stays unsent
            logger.exception("could not send notification %s", note_id)
        else:
            queued += 1
    return queued


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
