"""Notifications to people (mailed by a Celery task, shown in the application), what each
person chose to hear of, and who follows which process.

A notification is one row for both channels: ``by_email`` says whether the worker mails it,
``in_app`` whether its owner sees it in the application (the bell, ``/notificaciones``),
where ``read_at`` says when they read it. Which channels a row gets is decided once, by
:func:`participa.notifications.services.notify` from the declared kinds
(:mod:`participa.notifications.kinds`) and the owner's opt-outs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from participa.db import utcnow
from participa.extensions import Model


class Notification(Model):
    __tablename__ = "notifications"
    __table_args__ = (
        # the bell: a count of the unread ones of one person
        Index(
            "ix_notifications_unread",
            "user_id",
            postgresql_where=text("in_app AND read_at IS NULL"),
            sqlite_where=text("in_app AND read_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # a secret of the body (a receipt code), sealed (participa.notifications.sealing): the
    # body holds a placeholder instead; erased once the message is sent or given up
    secret: Mapped[str | None] = mapped_column(Text)
    # another address than the account's: the link of an e-mail change goes to the new
    # address (participa.accounts.email_change); None: the account's address when sent.
    # Erased once the message is sent or given up, as ``secret``
    to_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]  # given up: the message can never be sent
    by_email: Mapped[bool] = mapped_column(default=True, server_default=true())
    # shown in the application (never for account mails: they carry personal links)
    in_app: Mapped[bool] = mapped_column(default=False, server_default=false())
    read_at: Mapped[datetime | None]
    link: Mapped[str | None] = mapped_column(String(300))  # a local path: what it is about


# What the outbox still has to mail, the rows ``send_pending`` looks for
# (participa.notifications.tasks), and their partial index: a handful of rows however many
# millions were sent, read in the order they are sent. The query repeats this very
# expression, so that PostgreSQL and SQLite see the index's predicate in it.
UNSENT_BY_EMAIL = and_(
    Notification.by_email.is_(True),
    Notification.sent_at.is_(None),
    Notification.failed_at.is_(None),
)
Index(
    "ix_notifications_unsent",
    Notification.id,
    postgresql_where=UNSENT_BY_EMAIL,
    sqlite_where=UNSENT_BY_EMAIL,
)


class NotificationOptOut(Model):
    """A person turned off one topic on one channel (the default is everything on); only
    the topics and channels declared optional in :mod:`participa.notifications.kinds`."""

    __tablename__ = "notification_optouts"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(20), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)


class Follow(Model):
    """A resident follows a process: they hear when its phases open."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("user_id", "process_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
