"""Notifications in the application: the bell's count, a person's list, marking as read.

Only rows with ``in_app`` are ever read here, and only their owner's: another person's
notification, or an account mail (never ``in_app``), is simply not found. Their sealed
secret is never read: :func:`in_app_text` shows a phrase where the body holds it."""

from __future__ import annotations

import logging

from flask import g
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import SQLAlchemyError

from participa.db import utcnow
from participa.extensions import db
from participa.notifications.models import Notification
from participa.notifications.sealing import PLACEHOLDER

logger = logging.getLogger(__name__)
_UNREAD = "participa.notifications.unread"


def in_app_text(note: Notification) -> str:
    """The body as shown in the application: a secret's place (a receipt code) says where
    the secret went instead."""
    return note.body.replace(PLACEHOLDER, _("(te lo enviamos por correo)"))


def _mine(user_id: int) -> list:
    return [Notification.user_id == user_id, Notification.in_app.is_(True)]


def listing(user_id: int) -> Select[Notification]:
    """``user_id``'s notifications in the application, newest first (for ``db.paginate``)."""
    return select(Notification).where(*_mine(user_id)).order_by(Notification.id.desc())


def unread_count(user_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(*_mine(user_id), Notification.read_at.is_(None))
        )
        or 0
    )


def bell_count() -> int | None:
    """The signed-in person's unread count for the header, counted once per request (one
    query); None for a visitor, or when the count cannot be read (an error page drawn
    after a failed transaction: the bell is then shown without a number)."""
    if not current_user.is_authenticated:
        return None
    if _UNREAD not in g:
        try:
            g.setdefault(_UNREAD, unread_count(current_user.id))
        except SQLAlchemyError as error:
            logger.warning("the unread notifications could not be counted: %s", error)
            g.setdefault(_UNREAD, None)
    return g.get(_UNREAD)


def forget_count() -> None:
    g.pop(_UNREAD, None)


def own(user_id: int, notification_id: int) -> Notification | None:
    """``user_id``'s in-app notification ``notification_id``, else None (another person's,
    an account mail, or none at all: the same answer)."""
    return db.session.scalar(
        select(Notification).where(Notification.id == notification_id, *_mine(user_id))
    )


def mark_read(user_id: int, notification_id: int) -> Notification | None:
    """Mark ``user_id``'s notification as read (once: the first reading is kept); None if
    it is not theirs (:func:`own`). Flushes."""
    note = own(user_id, notification_id)
    if note is not None and note.read_at is None:
        note.read_at = utcnow()
        db.session.flush()
    return note


def mark_all_read(user_id: int) -> int:
    """Mark every unread notification of ``user_id`` as read; how many there were."""
    result = db.session.execute(
        update(Notification)
        .where(*_mine(user_id), Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]  # DML: a CursorResult
