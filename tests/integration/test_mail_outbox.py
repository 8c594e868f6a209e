"""The outbox at a city's scale: one SMTP connection per run of ``send_pending``, every wait
on the mail server bounded by ``MAIL_TIMEOUT``, and the next message found through a
partial index however many were sent.

The mail servers are real: aiosmtpd, and a socket that accepts and never answers
(``tests/support/smtp_server.py``). No assertion is about how long anything took: a
server that never answers is shown to be left by the client (it hangs up) with the
sending failed, its notification unsent and unlocked."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from participa.extensions import db
from participa.notifications import tasks
from participa.notifications.models import Notification
from participa.notifications.services import dispatch, notify
from participa.unit_of_work import pending_callbacks
from tests import factories as f
from tests.conftest import need
from tests.support.smtp_server import SilentServer, SMTPServer


def unsent(count: int, kind: str = "content_hidden") -> list[tuple[str, int]]:
    """``count`` notifications left unsent (their dispatch lost, as when the broker is
    down): (address, notification id) of each, in order."""
    users = [f.user() for _ in range(count)]
    ids = notify([u.id for u in users], kind, "Asunto", "Cuerpo del aviso")
    pending_callbacks().remove(dispatch)
    db.session.commit()
    return [(u.email, i) for u, i in zip(users, ids, strict=True)]


def sent_flags() -> list[bool]:
    db.session.expire_all()
    return [
        n.sent_at is not None
        for n in db.session.scalars(select(Notification).order_by(Notification.id))
    ]


@pytest.fixture
def app_log(caplog):
    """What the application logged (aiosmtpd's own log, the server's, is left out)."""
    caplog.set_level(logging.DEBUG)

    class Log:
        @property
        def text(self) -> str:
            return "\n".join(
                record.getMessage()
                for record in caplog.records
                if not record.name.startswith("mail.log")
            )

    return Log()


def use_server(ctx, monkeypatch, port: int, timeout: float = 10.0) -> None:
    monkeypatch.setitem(ctx.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(ctx.config, "MAIL_PORT", port)
    monkeypatch.setitem(ctx.config, "MAIL_TIMEOUT", timeout)


def test_a_run_sends_every_pending_message_over_one_connection(ctx, monkeypatch):
    waiting = unsent(5)
    with SMTPServer() as server:
        use_server(ctx, monkeypatch, server.port)
        assert tasks.send_pending(older_than=0) == 5
    assert server.connections == 1
    assert len(set(server.peers)) == 1  # every message from the same client port
    assert server.received == [([address], "Asunto", "Cuerpo del aviso") for address, _ in waiting]
    assert sent_flags() == [True] * 5


def test_a_connection_the_server_dropped_is_opened_again_and_the_run_goes_on(
    ctx, monkeypatch, app_log
):
    waiting = unsent(5)
    with SMTPServer(drop_after=2) as server:  # closes the first connection after 2
        use_server(ctx, monkeypatch, server.port)
        assert tasks.send_pending(older_than=0) == 5
    assert server.connections == 2
    assert [to for to, _s, _b in server.received] == [[address] for address, _ in waiting]
    assert sent_flags() == [True] * 5
    assert not any(address in app_log.text for address, _ in waiting)


def test_a_run_sends_at_most_a_batch_and_queues_the_rest(ctx, monkeypatch):
    waiting = unsent(5)
    monkeypatch.setitem(ctx.config, "MAIL_BATCH_SIZE", 2)
    with SMTPServer() as server:
        use_server(ctx, monkeypatch, server.port)
        # 2 in this run; the runs it queues (run at once by the tests' eager Celery)
        # send 2 and then 1, each over a connection of its own
        assert tasks.send_pending(older_than=0) == 2
    assert server.connections == 3
    assert [to for to, _s, _b in server.received] == [[address] for address, _ in waiting]
    assert sent_flags() == [True] * 5


def test_a_single_message_is_still_sent_on_its_own(ctx, monkeypatch):
    ((address, note_id),) = unsent(1)
    with SMTPServer() as server:
        use_server(ctx, monkeypatch, server.port)
        assert tasks.send_notification(note_id) is True
    assert server.connections == 1
    assert server.received == [([address], "Asunto", "Cuerpo del aviso")]


def row_is_unlocked(note_id: int) -> bool:
    """Whether another transaction can lock the notification's row at once."""
    with db.engine.connect() as other:
        try:
            other.execute(
                text("SELECT id FROM notifications WHERE id = :id FOR UPDATE NOWAIT"),
                {"id": note_id},
            )
        except OperationalError:  # LockNotAvailable
            return False
        finally:
            other.rollback()
    return True


def idle_transactions() -> int:
    """Sessions of this database left open in a transaction (PostgreSQL)."""
    with db.engine.connect() as other:
        return other.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND state LIKE 'idle in transaction%'"
            )
        )


@pytest.mark.parametrize("task", ["send_pending", "send_notification"])
def test_a_server_that_never_answers_fails_the_sending_and_lets_the_row_go(
    ctx, monkeypatch, is_postgres, app_log, task
):
    need(is_postgres, "row locks are checked on PostgreSQL (PARTICIPA_TEST_DATABASE_URL)")
    ((address, note_id),) = unsent(1, kind="ballot_confirmed")
    with SilentServer() as server:
        use_server(ctx, monkeypatch, server.port, timeout=0.5)
        with pytest.raises(tasks.SendingFailed) as failure:
            if task == "send_pending":
                tasks.send_pending.run(older_than=0)  # .run: Celery's retries left out
            else:
                tasks.send_notification.run(note_id)
        assert server.client_left.wait(30)  # the client hung up: it stopped waiting
    assert not server.guard_fired.is_set()
    assert idle_transactions() == 0  # (before this test's session reads anything)
    assert row_is_unlocked(note_id)
    assert not failure.value.never_sendable  # retried later
    assert str(failure.value) == f"notification {note_id} not sent: {failure.value.why}"
    assert "timed out" in failure.value.why
    assert address not in str(failure.value) and address not in app_log.text
    assert sent_flags() == [False]
    assert db.session.get_one(Notification, note_id).failed_at is None


def test_beat_gives_up_the_messages_too_old_to_be_sent_with_or_without_a_secret(ctx):
    (_, old), (_, recent) = unsent(2)
    db.session.get_one(Notification, old).created_at -= tasks.RESEND_WITHIN
    db.session.commit()
    assert tasks.send_pending() == 0  # beat's run: the recent one is not due yet
    db.session.expire_all()
    assert db.session.get_one(Notification, old).failed_at is not None  # leaves the index
    assert db.session.get_one(Notification, recent).failed_at is None


def plan(statement) -> str:
    """PostgreSQL's plan of a SQLAlchemy statement, as text."""
    connection = db.session.connection()
    compiled = statement.compile(dialect=connection.dialect)
    rows = connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
    return "\n".join(row[0] for row in rows)


def test_the_next_message_is_found_through_the_partial_index(ctx, is_postgres):
    need(is_postgres, "query plans are checked on PostgreSQL (PARTICIPA_TEST_DATABASE_URL)")
    unsent(3)
    user_id = db.session.scalars(select(Notification.user_id)).first()
    db.session.execute(  # 50,000 sent notifications, in one statement
        text(
            "INSERT INTO notifications (user_id, kind, subject, body, created_at, sent_at,"
            " by_email, in_app) SELECT :user, 'content_hidden', 'Asunto', 'Cuerpo',"
            " now() - interval '1 hour', now(), true, false FROM generate_series(1, 50000)"
        ),
        {"user": user_id},
    )
    db.session.commit()
    db.session.execute(text("ANALYZE notifications"))
    now = tasks.utcnow()
    for older_than in (0, 300):  # dispatch's runs and beat's
        assert "ix_notifications_unsent" in plan(tasks.pending_query(now, older_than))
    assert "ix_notifications_unsent" in plan(tasks.expire_query(now))
    db.session.rollback()
