"""Pooled connections are checked before reuse when they have been idle (PostgreSQL)."""

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from participa.db import ping_idle_connections
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
