"""Sending notifications: the outbox rows, sent once each, and what happens when the mail
server refuses one. The SMTP server is the one third party that cannot run here: its
answers are played by replacing ``_deliver`` (the function that talks to it)."""

import smtplib

import pytest
from sqlalchemy import select

from participa.extensions import db
from participa.notifications import tasks
from participa.notifications.models import Notification
from participa.notifications.services import dispatch, notify
from participa.unit_of_work import pending_callbacks
from tests import factories as f


def outbox() -> list[tuple[int, bool, bool]]:
    """(user, sent, given up) of every notification, in order."""
    db.session.expire_all()
    rows = db.session.scalars(select(Notification).order_by(Notification.id))
    return [(n.user_id, n.sent_at is not None, n.failed_at is not None) for n in rows]


@pytest.fixture
def three_unsent(ctx):
    users = [f.user() for _ in range(3)]
    notify([u.id for u in users], "content_hidden", "Asunto", "Cuerpo")
    pending_callbacks().remove(dispatch)  # its dispatch lost: the rows wait, as when the
    db.session.commit()  # broker is down
    return users


def test_every_unsent_notification_is_sent_once(three_unsent, monkeypatch):
    delivered = []
    monkeypatch.setattr(tasks, "_deliver", lambda note, email, mailer: delivered.append(email))
    assert tasks.send_pending(older_than=0) == 3
    assert delivered == [u.email for u in three_unsent]
    assert tasks.send_pending(older_than=0) == 0  # nothing sent twice
    assert outbox() == [(u.id, True, False) for u in three_unsent]


def test_a_message_refused_for_good_does_not_hold_up_the_others(three_unsent, monkeypatch):
    refused = three_unsent[1].email

    def deliver(note, email, mailer):
        if email == refused:
            raise smtplib.SMTPRecipientsRefused({email: (550, b"5.1.1 no such user")})

    monkeypatch.setattr(tasks, "_deliver", deliver)
    assert tasks.send_pending(older_than=0) == 2
    first, second, third = three_unsent
    assert outbox() == [(first.id, True, False), (second.id, False, True), (third.id, True, False)]
    assert tasks.send_pending(older_than=0) == 0  # the refused one is not tried again


def test_a_passing_failure_stops_the_run_and_keeps_the_rest_for_later(three_unsent, monkeypatch):
    calls = []

    def deliver(note, email, mailer):
        calls.append(email)
        if len(calls) == 2:
            raise smtplib.SMTPServerDisconnected("the server went away")

    monkeypatch.setattr(tasks, "_deliver", deliver)
    with pytest.raises(tasks.SendingFailed, match="SMTPServerDisconnected") as failure:
        tasks.send_pending.run(older_than=0)  # the task itself is retried by Celery
    assert not failure.value.never_sendable
    first, second, third = three_unsent
    assert outbox() == [
        (first.id, True, False),
        (second.id, False, False),
        (third.id, False, False),
    ]
    monkeypatch.setattr(tasks, "_deliver", lambda note, email, mailer: None)
    assert tasks.send_pending(older_than=0) == 2  # the server is back: the rest go
