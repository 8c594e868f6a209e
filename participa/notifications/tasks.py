"""Sending notifications: SMTP when ``MAIL_SERVER`` is configured, else the log."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage

from celery import shared_task
from flask import current_app
from sqlalchemy import select

from participa.accounts.models import User
from participa.db import utcnow
from participa.extensions import db
from participa.notifications.models import Notification

logger = logging.getLogger("participa.mail")
RESEND_WITHIN = timedelta(days=2)  # older unsent notifications are given up
RESEND_BATCH = 1000


@shared_task(autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=True, max_retries=5)
def send_notification(notification_id: int) -> bool:
    """Send one notification once: a sent one is not sent again, and one being sent by
    another worker (its row is locked) is left to it."""
    note = db.session.scalar(
        select(Notification)
        .where(Notification.id == notification_id)
        .with_for_update(skip_locked=True)
    )
    if note is None or note.sent_at is not None:
        db.session.rollback()
        return False
    user = db.session.get(User, note.user_id)
    config = current_app.config
    if config.get("MAIL_SERVER"):
        message = EmailMessage()
        message["From"] = config.get("MAIL_FROM", "participa@localhost")
        message["To"] = user.email
        message["Subject"] = note.subject
        message.set_content(note.body)
        with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT", 25))) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
            smtp.send_message(message)
    else:
        logger.info("mail to %s: %s\n%s", user.email, note.subject, note.body)
    note.sent_at = utcnow()
    db.session.commit()
    return True


@shared_task
def send_pending(older_than: float | None = None) -> int:
    """Queue again the notifications still unsent ``older_than`` seconds after they were
    created (default ``NOTIFICATION_RESEND_AFTER``): those whose dispatch found the broker
    down, or whose task was lost. Run by beat every minute; returns how many were queued."""
    if older_than is None:
        older_than = current_app.config["NOTIFICATION_RESEND_AFTER"]
    now = utcnow()
    ids = db.session.scalars(
        select(Notification.id)
        .where(
            Notification.sent_at.is_(None),
            Notification.created_at <= now - timedelta(seconds=older_than),
            Notification.created_at > now - RESEND_WITHIN,
        )
        .order_by(Notification.id)
        .limit(RESEND_BATCH)
    ).all()
    db.session.rollback()
    for notification_id in ids:
        send_notification.delay(notification_id)
    if ids:
        logger.info("queued %d unsent notification(s) again", len(ids))
    return len(ids)
