"""Notifications to people (sent by a Celery task) and who follows which process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from participa.db import utcnow
from participa.extensions import Model


class Notification(Model):
    __tablename__ = "notifications"

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


class Follow(Model):
    """A resident follows a process: they hear when its phases open."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("user_id", "process_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
