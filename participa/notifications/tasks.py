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
SEND_BATCH = 200


def _deliver(note: Notification, email: str) -> None:
    """Send one message: by SMTP when ``MAIL_SERVER`` is configured, else to the log."""
    config = current_app.config
    if config.get("MAIL_SERVER"):
        message = EmailMessage()
        message["From"] = config.get("MAIL_FROM", "participa@localhost")
        message["To"] = email
        message["Subject"] = note.subject
        message.set_content(note.body)
        with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT", 25))) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
            smtp.send_message(message)
    else:
        logger.info("mail to %s: %s\n%s", email, note.subject, note.body)


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
    _deliver(note, db.session.get(User, note.user_id).email)
    note.sent_at = utcnow()
    db.session.commit()
    return True


@shared_task(autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=True, max_retries=5)
def send_pending(older_than: float | None = None) -> int:
    """Send the notifications still unsent ``older_than`` seconds after they were created
    (default ``NOTIFICATION_RESEND_AFTER``; 0: every unsent one, as asked by
    :func:`participa.notifications.services.dispatch`), up to ``RESEND_WITHIN`` old.

    Rows are taken in batches locked with ``SKIP LOCKED``, so parallel runs never send one
    twice; the ones sent are marked even when a later one fails (the run is then retried).
    Run by beat every minute, for those whose dispatch found the broker down or whose
    sending was lost; returns how many were sent."""
    if older_than is None:
        older_than = current_app.config["NOTIFICATION_RESEND_AFTER"]
    now = utcnow()
    due = [Notification.sent_at.is_(None), Notification.created_at > now - RESEND_WITHIN]
    if older_than > 0:  # 0: no upper bound, whatever the clocks of the web servers say
        due.append(Notification.created_at <= now - timedelta(seconds=older_than))
    sent = 0
    while notes := db.session.scalars(
        select(Notification)
        .where(*due)
        .order_by(Notification.id)
        .limit(SEND_BATCH)
        .with_for_update(skip_locked=True)
    ).all():
        emails = dict(
            db.session.execute(
                select(User.id, User.email).where(User.id.in_({n.user_id for n in notes}))
            ).all()
        )
        try:
            for note in notes:
                _deliver(note, emails[note.user_id])
                note.sent_at = utcnow()
                sent += 1
        finally:
            db.session.commit()  # the sent ones stay marked even if one failed
    if sent:
        logger.info("sent %d pending notification(s)", sent)
    return sent
