"""Sending notifications: SMTP when ``MAIL_SERVER`` is configured, else the log."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from celery import shared_task
from flask import current_app

from participa.accounts.models import User
from participa.db import utcnow
from participa.extensions import db
from participa.notifications.models import Notification

logger = logging.getLogger("participa.mail")


@shared_task(autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=True, max_retries=5)
def send_notification(notification_id: int) -> bool:
    """Send one notification once (a sent one is not sent again)."""
    note = db.session.get(Notification, notification_id)
    if note is None or note.sent_at is not None:
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
