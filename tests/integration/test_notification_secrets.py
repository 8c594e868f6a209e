"""A ballot's receipt code reaches its voter by e-mail once, and is kept nowhere in the clear:
not in the outbox row (sealed until sent, then erased), not in the mail log (which names
neither the address nor the content).

The mail server is ``tests/support/smtp_sink.py``: a real SMTP conversation on a local port that
keeps what it receives."""

import logging
import re
from datetime import timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from participa.db import utcnow
from participa.extensions import db
from participa.notifications import sealing, tasks
from participa.notifications.models import Notification
from participa.notifications.services import dispatch, notify
from participa.unit_of_work import pending_callbacks
from tests import factories as f
from tests.support.ballots import cast_ballot
from tests.support.migrating import migrating_app
from tests.support.smtp_sink import SMTPSink

CODE = re.compile(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")


@pytest.fixture
def mailbox(ctx, monkeypatch):
    """The app sends by SMTP to a server of the test's own (``tests/support/smtp_sink.py``)."""
    with SMTPSink() as sink:
        monkeypatch.setitem(ctx.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(ctx.config, "MAIL_PORT", sink.port)
        yield sink


@pytest.fixture
def mail_log(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def row_text(note: Notification) -> str:
    """Every column of a notification row, as the database holds it."""
    db.session.expire_all()
    row = db.session.execute(select(Notification.__table__).where(Notification.id == note.id)).one()
    return " ".join(str(value) for value in row)


def vote(budget, voter, choice) -> tuple[str, Notification]:
    """Cast ``voter``'s ballot (first or changed), commit; its code and its receipt row,
    left unsent."""
    code = cast_ballot(budget, voter, choice).receipt_code
    commit_unsent()
    note = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == voter.id)
        .order_by(Notification.id.desc())
        .limit(1)
    ).one()
    return code, note


def commit_unsent() -> None:
    """Commit, the new notifications left waiting (their dispatch lost, as with the broker
    down): what beat's ``send_pending`` finds."""
    if dispatch in pending_callbacks():
        pending_callbacks().remove(dispatch)
    db.session.commit()


@pytest.fixture
def budget(ctx):
    process = f.process(now_allows=("allows_vote",))
    return f.budget(process, amount=1000, costs=(400, 300, 300, 200))


def test_the_receipt_code_is_sealed_in_the_outbox_and_mailed_once(budget, mailbox, mail_log):
    voter = f.user()
    p1, p2, *_ = f.project_ids(budget)
    first, first_note = vote(budget, voter, [p1])  # a first ballot (one statement)
    second, second_note = vote(budget, voter, [p2])  # a changed one (a new code)
    assert first != second
    for code, note in ((first, first_note), (second, second_note)):
        stored = row_text(note)
        assert code not in stored and code.replace("-", "") not in stored
        assert sealing.PLACEHOLDER in note.body and note.secret
        assert sealing.unseal(note.secret) == code  # what the worker will write

    assert tasks.send_pending(older_than=0) == 2
    assert tasks.send_pending(older_than=0) == 0  # once
    assert [body for _subject, body in mailbox.to(voter.email)] == [
        first_note.body.replace(sealing.PLACEHOLDER, first),
        second_note.body.replace(sealing.PLACEHOLDER, second),
    ]
    assert len(mailbox.messages) == 2
    assert all(sealing.PLACEHOLDER not in body for _s, body in mailbox.to(voter.email))
    for note in (first_note, second_note):  # sent: nothing of the code is left
        db.session.refresh(note)
        assert note.sent_at is not None and note.secret is None
    logged = mail_log.text
    assert voter.email not in logged and first not in logged and second not in logged


def test_the_confirmation_mails_the_code_it_shows(client, auth, budget, mailbox, mail_log):
    voter = f.user()
    db.session.commit()
    auth.login(voter)
    p1, *_ = f.project_ids(budget)
    url = f"/procesos/{budget.process.slug}/presupuestos/{budget.id}/boleta/confirmar"
    page = client.post(url, data={"project": [p1]}, follow_redirects=True).text
    (shown,) = set(CODE.findall(page))
    ((_subject, body),) = mailbox.to(voter.email)  # after the commit (eager in tests)
    assert shown in body
    (note,) = db.session.scalars(select(Notification).where(Notification.user_id == voter.id))
    assert note.sent_at is not None and note.secret is None
    assert shown not in row_text(note)
    assert shown not in mail_log.text and voter.email not in mail_log.text


def test_without_a_mail_server_the_log_names_neither_the_address_nor_the_code(budget, mail_log):
    voter = f.user()
    code, note = vote(budget, voter, f.project_ids(budget)[:1])
    assert tasks.send_pending(older_than=0) == 1
    line = next(r.getMessage() for r in mail_log.records if r.name == "participa.mail")
    assert f"notification {note.id} (ballot_confirmed) for user {voter.id}" in line
    assert voter.email not in mail_log.text
    assert code not in mail_log.text and "Gracias por votar" not in mail_log.text
    db.session.refresh(note)
    assert note.sent_at is not None and note.secret is None


def test_a_rotated_secret_key_still_opens_what_waits(ctx, mailbox, monkeypatch):
    voter = f.user()
    notify([voter.id], "ballot_confirmed", "Tu voto", f"Código {sealing.PLACEHOLDER}.", "AB")
    commit_unsent()
    monkeypatch.setitem(ctx.config, "SECRET_KEY_FALLBACKS", [ctx.config["SECRET_KEY"]])
    monkeypatch.setitem(ctx.config, "SECRET_KEY", "the-new-key")
    assert tasks.send_pending(older_than=0) == 1
    assert mailbox.to(voter.email) == [("Tu voto", "Código AB.")]


def test_a_secret_no_key_opens_is_given_up_and_erased(ctx, mailbox, monkeypatch, mail_log):
    voter = f.user()
    (note_id,) = notify([voter.id], "ballot_confirmed", "Tu voto", sealing.PLACEHOLDER, "AB")
    commit_unsent()
    monkeypatch.setitem(ctx.config, "SECRET_KEY", "another-key-without-fallbacks")
    assert tasks.send_pending(older_than=0) == 0
    note = db.session.get(Notification, note_id)
    assert note.failed_at is not None and note.secret is None and mailbox.messages == []
    assert voter.email not in mail_log.text


def test_beat_erases_the_secrets_too_old_to_be_sent(ctx, mailbox):
    voter = f.user()
    old, recent = (
        notify([voter.id], "ballot_confirmed", "Tu voto", sealing.PLACEHOLDER, code)[0]
        for code in ("OLD", "NEW")
    )
    db.session.get(Notification, old).created_at = utcnow() - tasks.RESEND_WITHIN
    commit_unsent()
    assert tasks.send_pending() == 0  # beat's run: the recent one is not due yet
    assert db.session.get(Notification, old).secret is None
    assert db.session.get(Notification, recent).secret is not None
    assert tasks.send_pending(older_than=0) == 1
    assert mailbox.to(voter.email) == [("Tu voto", "NEW")]


def test_nothing_is_sealed_or_opened_without_a_secret_key(ctx, monkeypatch):
    token = sealing.seal("AB")
    monkeypatch.setitem(ctx.config, "SECRET_KEY_FALLBACKS", [None, ""])
    for missing in (None, ""):  # never a key derived from "None" or from nothing
        monkeypatch.setitem(ctx.config, "SECRET_KEY", missing)
        with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
            sealing.seal("AB")
        with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
            sealing.unseal(token)


# --- a message that cannot be sent: logged without the address ----------------------


def refusing_server(ctx, monkeypatch, code):
    """An SMTP server that refuses every recipient with ``code``, quoting the address."""
    sink = SMTPSink(refuse=code)
    monkeypatch.setitem(ctx.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(ctx.config, "MAIL_PORT", sink.port)
    return sink


def logged(caplog) -> str:
    """Every record as a handler writes it: the message and any traceback."""
    formatter = logging.Formatter()
    return "\n".join(formatter.format(record) for record in caplog.records)


def test_a_refused_recipient_is_logged_without_its_address(ctx, monkeypatch, mail_log):
    voter = f.user(email="refused.voter@example.org")
    (note_id,) = notify([voter.id], "ballot_confirmed", "Tu voto", sealing.PLACEHOLDER, "AB")
    commit_unsent()
    with refusing_server(ctx, monkeypatch, 450):  # for now: sent later
        assert dispatch() == 1  # eager: sent at once, the refusal is logged
        # the task run by Celery, which retries it and logs each retry and the failure
        monkeypatch.setitem(ctx.extensions["celery"].conf, "task_eager_propagates", False)
        tasks.send_notification.apply(args=[note_id])
        with pytest.raises(Exception) as failure:  # what Celery retries, and logs
            tasks.send_pending.run(older_than=0)
    text = logged(mail_log)
    assert "retry" in text.lower()  # Celery's own lines are among those checked
    assert "refused.voter" not in text and "refused.voter" not in mail_log.text
    assert "refused.voter" not in str(failure.value)
    assert f"notification {note_id} not sent: SMTPRecipientsRefused [450]" in text
    assert isinstance(failure.value, tasks.SendingFailed)
    assert str(failure.value) == f"notification {note_id} not sent: SMTPRecipientsRefused [450]"
    note = db.session.get(Notification, note_id)
    assert note.sent_at is None and note.failed_at is None and note.secret is not None


def test_a_recipient_refused_for_good_is_given_up_without_its_address(ctx, monkeypatch, mail_log):
    voter = f.user(email="gone.voter@example.org")
    (note_id,) = notify([voter.id], "ballot_confirmed", "Tu voto", sealing.PLACEHOLDER, "AB")
    commit_unsent()
    monkeypatch.setitem(ctx.extensions["celery"].conf, "task_eager_propagates", False)
    with refusing_server(ctx, monkeypatch, 550):
        assert tasks.send_notification.apply(args=[note_id]).get() is False  # not retried
    note = db.session.get(Notification, note_id)
    assert note.failed_at is not None and note.sent_at is None and note.secret is None
    text = logged(mail_log)
    gave_up = f"notification {note_id} (ballot_confirmed) for user {voter.id} can never be sent"
    assert gave_up in text
    assert "SMTPRecipientsRefused [550]" in text and "gone.voter" not in text


def test_a_receipt_retried_after_beat_gave_it_up_is_not_sent(ctx, mailbox, mail_log):
    voter = f.user()
    (note_id,) = notify([voter.id], "ballot_confirmed", "Tu voto", sealing.PLACEHOLDER, "AB")
    db.session.get(Notification, note_id).created_at = utcnow() - tasks.RESEND_WITHIN
    commit_unsent()
    assert tasks.send_pending() == 0  # beat: too old, given up and its code erased
    assert tasks.send_notification(note_id) is False  # a retry of its sending, too late
    assert mailbox.messages == []
    note = db.session.get(Notification, note_id)
    assert note.failed_at is not None and note.secret is None and note.sent_at is None
    text = logged(mail_log)
    assert f"notification(s) {note_id} too old to be sent: given up" in text
    assert voter.email not in text


def test_a_message_whose_secret_is_gone_is_given_up_not_sent_with_its_placeholder(
    ctx, mailbox, mail_log
):
    voter = f.user()
    (note_id,) = notify([voter.id], "ballot_confirmed", "Tu voto", sealing.PLACEHOLDER, "AB")
    db.session.get(Notification, note_id).secret = None  # erased, as beats before this one did
    db.session.commit()
    assert tasks.send_notification(note_id) is False
    assert mailbox.messages == []
    note = db.session.get(Notification, note_id)
    assert note.failed_at is not None and note.sent_at is None
    text = logged(mail_log)
    assert f"notification {note_id} (ballot_confirmed) for user {voter.id} can never be" in text
    assert voter.email not in text


# --- the migration: rows written before it -------------------------------------------

BEFORE, SEALED = "c4f1a9e2b7d3", "bfae45aed10b"


def test_the_migration_seals_waiting_codes_and_blanks_sent_ones(app, bare_database):
    with migrating_app(app, bare_database, SECRET_KEY="migration-key") as (migrating, engine):
        now = utcnow()
        body = "Gracias por votar. Tu código de comprobante es {}: con él puedes comprobar."
        rows = {  # id: (code, created, sent)
            1: ("7KQ4-MZ2P-X9CA", now - timedelta(hours=1), now),
            2: ("AAAA-BBBB-CCCC", now - timedelta(minutes=1), None),  # waiting
            3: ("DDDD-EEEE-FFFF", now - timedelta(days=3), None),  # never to be sent
        }
        with migrating.app_context():
            upgrade(revision=BEFORE)
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO users (id, email, name, password_hash, role, created_at) "
                        "VALUES (1, 'a@example.org', 'A', 'x', 'resident', :now)"
                    ),
                    {"now": now},
                )
                for note_id, (code, created, sent) in rows.items():
                    conn.execute(
                        text(
                            "INSERT INTO notifications (id, user_id, kind, subject, body, "
                            "created_at, sent_at) VALUES (:id, 1, 'ballot_confirmed', 'S', "
                            ":body, :created, :sent)"
                        ),
                        {
                            "id": note_id,
                            "body": body.format(code),
                            "created": created,
                            "sent": sent,
                        },
                    )
            upgrade(revision=SEALED)
            with engine.connect() as conn:
                stored = {
                    r.id: (r.body, r.secret)
                    for r in conn.execute(text("SELECT id, body, secret FROM notifications"))
                }
                dump = " ".join(
                    str(v) for r in conn.execute(text("SELECT * FROM notifications")) for v in r
                )
            for code, _created, _sent in rows.values():
                assert code not in dump
            assert stored[1] == (body.format("····-····-····"), None)
            assert stored[3] == (body.format("····-····-····"), None)
            assert stored[2][0] == body.format(sealing.PLACEHOLDER)
            assert sealing.unseal(stored[2][1]) == "AAAA-BBBB-CCCC"
            downgrade(revision=BEFORE)  # the waiting code goes back, sendable by the old code
            with engine.connect() as conn:
                waiting = conn.execute(text("SELECT body FROM notifications WHERE id = 2"))
                assert waiting.scalar() == body.format("AAAA-BBBB-CCCC")


def test_the_migration_refuses_to_seal_without_a_secret_key_and_changes_nothing(app, bare_database):
    with migrating_app(app, bare_database) as (migrating, engine):
        migrating.config["SECRET_KEY"] = None  # as a `flask db upgrade` run without one
        body = "Tu código de comprobante es AAAA-BBBB-CCCC."
        with migrating.app_context():
            upgrade(revision=BEFORE)
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO users (id, email, name, password_hash, role, created_at) "
                        "VALUES (1, 'a@example.org', 'A', 'x', 'resident', :now)"
                    ),
                    {"now": utcnow()},
                )
                conn.execute(
                    text(
                        "INSERT INTO notifications (id, user_id, kind, subject, body, "
                        "created_at) VALUES (1, 1, 'ballot_confirmed', 'S', :body, :now)"
                    ),
                    {"body": body, "now": utcnow() - timedelta(minutes=1)},  # waiting
                )
            with pytest.raises(RuntimeError, match="SECRET_KEY must be set to seal the 1 rec"):
                upgrade.__wrapped__(revision=SEALED)  # Flask-Migrate's, without its sys.exit
            with engine.connect() as conn:
                assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
                    BEFORE
                )
                row = conn.execute(text("SELECT * FROM notifications")).mappings().one()
            assert row["body"] == body and "secret" not in row  # no column added, no code moved
            migrating.config["SECRET_KEY"] = "migration-key"  # set: the same upgrade goes
            upgrade(revision=SEALED)
            with engine.connect() as conn:
                sealed = conn.execute(text("SELECT secret FROM notifications")).scalar()
            assert sealing.unseal(sealed) == "AAAA-BBBB-CCCC"
