"""Declarative base with a stable naming convention so Alembic migrations are reproducible;
the time of record (naive UTC); the connection-level hooks (SQLite's foreign keys, the
check of idle pooled connections). The lowest layer: it imports nothing of Participa's
(statements that need the bound database are in :mod:`participa.sql`)."""

import sqlite3
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import MetaData, Table, event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:  # DeclarativeBase says FromClause; every model here maps a Table
        __table__: ClassVar[Table]


def utcnow() -> datetime:
    """Current time as a naive UTC datetime: the one representation stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)


@event.listens_for(Engine, "connect")
def _sqlite_enforces_foreign_keys(dbapi_connection: object, _record: object) -> None:
    """SQLite ignores foreign keys unless asked; the embedded default must enforce them too."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def ping_idle_connections(engine: Engine, idle_after: float) -> None:
    """Check a pooled connection before it is reused, as ``pool_pre_ping`` does, but only
    when it has been idle in the pool for more than ``idle_after`` seconds.

    A connection the server or the network dropped (a restarted PostgreSQL, a firewall's
    idle timeout) has been idle for as long as that took, so it is still caught, and the
    pool replaces it before the request sees it. A connection handed from one request to
    the next under load is not pinged: that round trip was one of the six of a ballot
    confirmation. If the server dies between two busy requests, the one that finds out
    fails, and SQLAlchemy then invalidates the whole pool as it does for any disconnect.
    """

    @event.listens_for(engine, "checkin")
    def _idle_since(_dbapi: DBAPIConnection | None, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(
        dbapi_connection: DBAPIConnection,
        record: ConnectionPoolEntry,
        _proxy: PoolProxiedConnection,
    ) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since <= idle_after:
            return  # a new connection, or one that was in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool discards this connection and checks out a fresh one.
            raise DisconnectionError("idle connection lost") from error
