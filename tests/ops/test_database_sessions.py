"""Each process's PostgreSQL sessions: a statement timeout, an idle-in-transaction
timeout, and an application_name saying which process (web, worker, beat) opened them."""

from __future__ import annotations

import os
import socket

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.exc import OperationalError

from participa.extensions import db
from tests.conftest import need


@pytest.fixture
def pg(ctx, is_postgres):
    need(is_postgres, "PostgreSQL session settings (PARTICIPA_TEST_DATABASE_URL)")
    return ctx


def _settings() -> tuple[str, str, str]:
    row = db.session.execute(
        text(
            "SELECT current_setting('statement_timeout'),"
            " current_setting('idle_in_transaction_session_timeout'),"
            " current_setting('application_name')"
        )
    ).one()
    db.session.rollback()
    return row[0], row[1], row[2]


def test_the_web_process_sets_its_timeouts_and_names_itself(pg):
    statement, idle, name = _settings()
    assert (statement, idle) == ("30s", "1min")
    assert name == f"participa-web:{socket.gethostname()}:{os.getpid()}"[:63]
    assert db.session.execute(text("SHOW statement_timeout")).scalar() == "30s"


@pytest.mark.parametrize(
    ("role", "statement", "idle"), [("worker", "2h", "2h"), ("beat", "30s", "1min")]
)
def test_workers_have_their_own_timeouts_and_beat_the_webs(pg, build, role, statement, idle):
    with build(PROCESS_ROLE=role) as other, other.app_context():
        assert _settings() == (statement, idle, _settings()[2])
        assert _settings()[2].startswith(f"participa-{role}:")


def test_a_statement_longer_than_the_timeout_is_cancelled_and_answered_cleanly(pg, build):
    with build(DATABASE_STATEMENT_TIMEOUT=0.2, PROPAGATE_EXCEPTIONS=False) as other:
        with other.app_context():
            with pytest.raises(OperationalError) as raised:
                db.session.execute(text("SELECT pg_sleep(2)"))
            assert type(raised.value.orig).__name__ == "QueryCanceled"
            db.session.rollback()
            assert db.session.execute(text("SELECT 1")).scalar() == 1  # the session goes on

        @other.get("/slow-for-a-test")
        def slow():
            db.session.execute(text("SELECT pg_sleep(2)"))
            return "never"

        client = other.test_client()
        answer = client.get("/slow-for-a-test")
        assert answer.status_code == 500
        assert "pg_sleep" not in answer.text and "QueryCanceled" not in answer.text
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200  # the pool's connection still serves


def test_sqlite_is_left_as_it_is(build, tmp_path):
    with build(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.db'}") as other:
        assert "connect_args" not in other.config["SQLALCHEMY_ENGINE_OPTIONS"]
        assert other.test_client().get("/readyz").status_code == 200


def test_migrations_run_without_the_web_statement_timeout(pg, build, database_url):
    """``flask db upgrade`` may rewrite or index a table of a million rows: its transaction
    lifts the statement timeout (migrations/env.py), whatever the process's setting."""
    name = f"participa_ops_migrations_{os.getpid()}"
    admin = create_engine(
        make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    seen: list[str] = []

    def during_the_migration(_conn, cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("CREATE TABLE") and not seen:
            cursor.execute("SHOW statement_timeout")
            seen.append(cursor.fetchone()[0])

    try:
        with build(SQLALCHEMY_DATABASE_URI=url) as other, other.app_context():
            assert _settings()[0] == "30s"  # the process's own sessions
            event.listen(db.engine, "after_cursor_execute", during_the_migration)
            upgrade()
            assert seen == ["0"]
            assert _settings()[0] == "30s"  # only the migration's transaction
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
