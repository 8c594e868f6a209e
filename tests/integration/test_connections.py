"""Pooled connections are checked before reuse when they have been idle; a connection
lost in the middle of a request is SQLAlchemy's to handle (PostgreSQL)."""

import time

import pytest
from flask import current_app
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError, OperationalError

from participa.budgets import ballot_box as boxes
from participa.budgets.models import Ballot
from participa.db import ping_idle_connections
from participa.extensions import db
from tests import factories as f
from tests.conftest import need


def _pooled_engine(url: str, idle_after: float):
    engine = create_engine(url, pool_size=1, max_overflow=0)
    ping_idle_connections(engine, idle_after)
    return engine


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _drop_backend(engine, pid: int) -> None:
    """What a restarted server or a network's idle timeout does to a pooled connection."""
    with engine.connect() as conn:  # the admin connection is not the pooled one
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        conn.commit()


@pytest.fixture
def postgres_url(app, is_postgres) -> str:
    need(is_postgres, "connection checks are tested on PostgreSQL (PARTICIPA_TEST_DATABASE_URL)")
    return app.config["SQLALCHEMY_DATABASE_URI"]


def test_a_connection_dropped_while_idle_is_replaced_before_use(postgres_url):
    engine, admin = _pooled_engine(postgres_url, 0.05), create_engine(postgres_url)
    try:
        first = _backend_pid(engine)
        _drop_backend(admin, first)
        time.sleep(0.1)  # idle longer than idle_after: checked, found dead, replaced
        assert _backend_pid(engine) != first
    finally:
        engine.dispose()
        admin.dispose()


def test_a_connection_reused_at_once_is_not_checked(postgres_url):
    # The control: within idle_after the pool hands the connection over unchecked, so a
    # dead one reaches the caller (this is what the check above prevents).
    engine, admin = _pooled_engine(postgres_url, 3600), create_engine(postgres_url)
    try:
        first = _backend_pid(engine)
        _drop_backend(admin, first)
        time.sleep(0.1)
        with pytest.raises(OperationalError):
            _backend_pid(engine)
        assert _backend_pid(engine) != first  # SQLAlchemy then replaced it
    finally:
        engine.dispose()
        admin.dispose()


def test_a_backend_killed_mid_confirmation_is_invalidated_and_the_next_request_works(
    client, auth, postgres_url, monkeypatch
):
    """The server ends the request's connection after the user loader ran on it and before
    the ballot box's statement: SQLAlchemy raises its own ``DBAPIError`` marked
    ``connection_invalidated`` (the pool drops the connection, the teardown's rollback
    goes through, the pool is renewed), and the voter's next attempt is served on a fresh
    connection."""
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process)
    chosen = f.project_ids(budget)[:2]
    auth.login(f.user())
    db.session.commit()
    url = f"/procesos/{process.slug}/presupuestos/{budget.id}/boleta/confirmar"
    admin = create_engine(postgres_url)
    ballot_box = boxes.ballot_box

    def box_of_a_killed_backend(slug: str, budget_id: int):
        pid = db.session.connection().connection.driver_connection.info.backend_pid
        with admin.connect() as conn:  # waits (up to 10 s) until the backend has exited
            ended = conn.execute(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid})
            assert ended.scalar_one()
        return ballot_box(slug, budget_id)

    monkeypatch.setattr(boxes, "ballot_box", box_of_a_killed_backend)
    pool = db.engine.pool
    try:
        with current_app.app_context(), pytest.raises(DBAPIError) as lost:
            client.post(url, data={"project": chosen})
    finally:
        admin.dispose()
    assert lost.value.connection_invalidated
    assert db.engine.pool is not pool  # renewed: the server may have dropped them all
    assert "FROM budgets JOIN processes" in lost.value.statement  # the ballot box's own

    monkeypatch.setattr(boxes, "ballot_box", ballot_box)
    with current_app.app_context():
        again = client.post(url, data={"project": chosen})
    assert again.status_code == 303, again.text
    assert db.session.scalar(select(func.count(Ballot.id))) == 1
