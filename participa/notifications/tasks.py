"""Sending notifications: SMTP when ``MAIL_SERVER`` is configured, else a line in the log
that says which notification was written for whom (a user id), never the address or the
content (a receipt code or a reset link must not reach the logs); with ``MAIL_OUTBOX_DIR``
set (``make demo``), the message itself is written there as ``<id>.eml`` for whoever runs
the site to open (the demo's confirmation and reset links). SMTP goes through a
:class:`participa.notifications.mailer.Mailer`: one connection per run, every wait on the
server bounded by ``MAIL_TIMEOUT``.

A mail error names the address (``SMTPRecipientsRefused``, a server's reply quoting it, a
malformed ``To`` header): it never leaves :func:`_send`, which raises :class:`SendingFailed`
instead, naming only the notification and the kind and codes of the error. That is what
the retries (Celery's log lines) and every other log line see."""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from celery import shared_task
from flask import current_app
from sqlalchemy import Select, select, update
from sqlalchemy.sql.dml import ReturningUpdate

from participa.accounts.models import User
from participa.db import utcnow
from participa.extensions import db
from participa.notifications.mailer import Mailer, timed_out
from participa.notifications.models import UNSENT_BY_EMAIL, Notification
from participa.notifications.sealing import fill

logger = logging.getLogger("participa.mail")
RESEND_WITHIN = timedelta(days=2)  # older unsent notifications are given up


def outbox_dir() -> Path | None:
    """Where messages are written without a mail server (``MAIL_OUTBOX_DIR``; a relative
    path is inside the instance folder), or None."""
    configured = current_app.config.get("MAIL_OUTBOX_DIR")
    if not configured:
        return None
    return Path(current_app.instance_path) / configured


def _message(note: Notification, email: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config.get("MAIL_FROM", "participa@localhost")
    message["To"] = email
    message["Subject"] = note.subject
    message.set_content(fill(note.body, note.secret))
    return message


def _deliver(note: Notification, email: str, mailer: Mailer) -> None:
    """Send one message, its sealed secret opened into the body: by SMTP over ``mailer``'s
    connection when ``MAIL_SERVER`` is configured, else a line in the log (no address, no
    content) and, with ``MAIL_OUTBOX_DIR``, the message written to a file there."""
    folder = outbox_dir()
    if current_app.config.get("MAIL_SERVER"):
        mailer.send(_message(note, email))
    elif folder is not None:
        path = folder / f"{note.id}.eml"
        message = _message(note, email)
        folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes(message))
        logger.info(
            "no mail server: notification %s (%s) for user %s written to %s",
            note.id,
            note.kind,
            note.user_id,
            path,
        )
    else:
        fill(note.body, note.secret)  # a secret that cannot be opened fails here as by SMTP
        logger.info(
            "no mail server: notification %s (%s) for user %s written to this log only, "
            "without its address or content",
            note.id,
            note.kind,
            note.user_id,
        )


class SendingFailed(Exception):
    """A message not sent, said without the address: the notification's id and the kind and
    codes of the error (never the error itself, nor as its cause or context)."""

    def __init__(self, note_id: int, why: str, never_sendable: bool) -> None:
        super().__init__(f"notification {note_id} not sent: {why}")
        self.note_id, self.why, self.never_sendable = note_id, why, never_sendable


def _send(note: Notification, mailer: Mailer) -> None:
    """:func:`_deliver` ``note`` to its user; :class:`SendingFailed` if anything fails."""
    user = db.session.get_one(User, note.user_id)
    if user.is_deleted:  # the owner deleted the account: no address is left to write to
        raise SendingFailed(note.id, "account deleted", never_sendable=True)
    email = note.to_email or user.email
    try:
        _deliver(note, email, mailer)
        return
    except Exception as error:
        failure = SendingFailed(note.id, _why(error), _never_sendable(error))
    raise failure  # outside the handler: the error naming the address is not its context


def _give_up(note: Notification, failure: SendingFailed) -> None:
    """Mark ``note`` as never to be sent (its secret erased), logged without the address."""
    logger.error(
        "notification %s (%s) for user %s can never be sent, given up: %s",
        note.id,
        note.kind,
        note.user_id,
        failure.why,
    )
    note.failed_at = utcnow()
    note.secret = None
    note.to_email = None


@shared_task(autoretry_for=(SendingFailed,), retry_backoff=True, max_retries=5)
def send_notification(notification_id: int) -> bool:
    """Send one notification once: a sent or given up one is not sent, and one being sent
    by another worker (its row is locked) is left to it. One that can never be sent (e.g.
    its secret was erased because it is too old) is given up; any other error is retried,
    said as a :class:`SendingFailed`."""
    note = db.session.scalar(
        select(Notification)
        .where(Notification.id == notification_id)
        .with_for_update(skip_locked=True)
    )
    if note is None or note.sent_at is not None or note.failed_at is not None or not note.by_email:
        db.session.rollback()
        return False
    try:
        with Mailer(current_app.config) as mailer:
            _send(note, mailer)
    except SendingFailed as failure:
        if not failure.never_sendable:
            db.session.rollback()
            raise
        _give_up(note, failure)
        db.session.commit()
        return False
    note.sent_at = utcnow()
    note.secret = None  # sent: the code is erased
    note.to_email = None  # and the address of an e-mail change
    db.session.commit()
    return True


def _never_sendable(error: Exception) -> bool:
    """Whether sending this one message can never succeed: the server refused its
    recipient for good (5xx), or the message cannot be written (a malformed address or
    header). Anything else (the server, the network, the sender's account) is worth
    trying again later, for every message."""
    if isinstance(error, ValueError):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in error.recipients.values())
    return isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500


def _why(error: Exception) -> str:
    """The kind of error and the server's codes, without the addresses it names."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _text in error.recipients.values()})
        return f"{type(error).__name__} {codes}"
    if timed_out(error):
        return f"{type(error).__name__} (timed out)"
    code = getattr(error, "smtp_code", None)
    return type(error).__name__ if code is None else f"{type(error).__name__} {code}"


def pending_query(now: datetime, older_than: float) -> Select[Notification]:
    """The next notification :func:`send_pending` sends, locked (``SKIP LOCKED``: one
    another run is sending is left to it): unsent, by e-mail, not given up, created
    within ``RESEND_WITHIN`` of ``now`` and at least ``older_than`` seconds before it
    (0: however recently). Read through the partial index ``ix_notifications_unsent``,
    whose predicate is :data:`UNSENT_BY_EMAIL`: the sent rows are never read."""
    query = select(Notification).where(
        UNSENT_BY_EMAIL, Notification.created_at > now - RESEND_WITHIN
    )
    if older_than > 0:  # 0: no upper bound, whatever the clocks of the web servers say
        query = query.where(Notification.created_at <= now - timedelta(seconds=older_than))
    return query.order_by(Notification.id).limit(1).with_for_update(skip_locked=True)


def expire_query(now: datetime) -> ReturningUpdate[tuple[int]]:
    """Give up the messages too old to be sent any more (created ``RESEND_WITHIN`` before
    ``now``), their secrets and other addresses erased; read through the same index."""
    return (
        update(Notification)
        .where(UNSENT_BY_EMAIL, Notification.created_at <= now - RESEND_WITHIN)
        .values(secret=None, to_email=None, failed_at=now)
        .returning(Notification.id)
    )


def _give_up_too_old(now: datetime) -> None:
    """Beat's run: :func:`expire_query`, committed, and the ids given up logged."""
    expired = db.session.scalars(expire_query(now)).all()
    db.session.commit()
    if expired:  # the first ids: after an outage of days they may be thousands
        more = f" and {len(expired) - 20} more" if len(expired) > 20 else ""
        logger.warning(
            "notification(s) %s%s too old to be sent: given up, their secrets erased",
            ", ".join(map(str, sorted(expired)[:20])),
            more,
        )


def _send_locked(note: Notification, mailer: Mailer) -> bool:
    """Send ``note`` (locked by the caller's transaction) and mark it sent, or give it up
    if it can never be sent; whether it was sent. :class:`SendingFailed` (the transaction
    rolled back, the row unlocked) for an error worth trying again later."""
    try:
        _send(note, mailer)
    except SendingFailed as failure:
        if not failure.never_sendable:
            db.session.rollback()
            raise
        _give_up(note, failure)
        return False
    note.sent_at = utcnow()
    note.secret = None  # sent: the code is erased
    note.to_email = None  # and the address of an e-mail change
    return True


def _continue_later(older_than: float) -> None:
    """A run that reached ``MAIL_BATCH_SIZE`` leaves the rest to another run, queued
    behind what the worker has to do meanwhile (beat's next run if the broker is down)."""
    try:
        send_pending.apply_async(kwargs={"older_than": older_than})
    except Exception as error:  # e.g. broker down: beat's next run goes on
        logger.error("could not queue the rest of the pending notifications: %s", error)


@shared_task(autoretry_for=(SendingFailed,), retry_backoff=True, max_retries=5)
def send_pending(older_than: float | None = None) -> int:
    """Send the notifications still unsent ``older_than`` seconds after they were created
    (default ``NOTIFICATION_RESEND_AFTER``; 0: every unsent one, as asked by
    :func:`participa.notifications.services.dispatch`), up to ``RESEND_WITHIN`` old, at
    most ``MAIL_BATCH_SIZE`` of them: a run that sent (or gave up) that many queues
    another for the rest, so that one run never holds a worker for long.

    One at a time, over one SMTP connection for the whole run (:class:`Mailer`: opened for
    the first message, reopened once if the server dropped it, every wait bounded by
    ``MAIL_TIMEOUT``). Each is locked with ``SKIP LOCKED`` (parallel runs never send one
    twice), sent and marked sent in its own transaction, so a worker killed mid-run sends
    again at most the one it was sending; that transaction, and the row's lock, last as
    long as the conversation with the server about that message. A message that can never
    be sent is marked ``failed_at`` and skipped; any other error (a server that does not
    answer within ``MAIL_TIMEOUT`` included) rolls that transaction back and stops the
    run, which is retried (said as a :class:`SendingFailed`). A sealed secret (a receipt
    code) is erased once its message is sent or given up, and beat's runs give up the
    messages too old to be sent, erasing their secrets (a late retry then sends nothing).
    Run by beat every minute, for those whose dispatch found the broker down or whose
    sending was lost; returns how many were sent."""
    config = current_app.config
    if older_than is None:
        older_than = float(config["NOTIFICATION_RESEND_AFTER"])
    now = utcnow()
    if older_than > 0:
        _give_up_too_old(now)
    batch, handled, sent = int(config["MAIL_BATCH_SIZE"]), 0, 0
    with Mailer(config) as mailer:
        while handled < batch and (note := db.session.scalar(pending_query(now, older_than))):
            handled += 1
            sent += _send_locked(note, mailer)
            db.session.commit()
    if sent:
        logger.info("sent %d pending notification(s)", sent)
    if handled == batch:
        _continue_later(older_than)
    return sent
