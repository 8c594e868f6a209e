"""Declarative base with a stable naming convention so Alembic migrations are reproducible;
the time of record (naive UTC); dialect helpers; the check of idle pooled connections; the
statements the busiest requests run through the driver itself (:class:`DriverStatement`)."""

import sqlite3
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from psycopg.rows import namedtuple_row
from sqlalchemy import Insert, MetaData, Select, Table, TextClause, event
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


def insert_ignoring_conflicts(
    model: type[Base] | Table, index_elements: list[str] | None = None
) -> Insert:
    """``INSERT ... ON CONFLICT (index_elements) DO NOTHING`` for the bound database's dialect
    (without ``index_elements``: a conflict on any unique constraint does nothing).

    Used where a unique constraint decides a race (one ballot, one support): the losing
    insert does nothing instead of failing, and the caller reads the winning row.
    """
    from sqlalchemy.dialects import postgresql, sqlite

    from participa.extensions import db

    if db.engine.dialect.name == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing(index_elements=index_elements)
    return sqlite.insert(model).on_conflict_do_nothing(index_elements=index_elements)


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


class DriverStatement:
    """A statement of the busiest requests (signing in a visitor, confirming a ballot), run
    on PostgreSQL by psycopg itself on the session's connection, inside its transaction.

    SQLAlchemy's execution of a statement (parameter processing, result metadata, row
    objects) costs about 75 µs of CPU over psycopg's, more than PostgreSQL spends running
    it: on the confirmation of a ballot that was a tenth of the web server's CPU. The
    statement is still written once, as a Core ``select()`` or ``text()``, and compiled by
    SQLAlchemy (once) into psycopg's SQL; on other databases it runs through SQLAlchemy.
    Its parameters must be values psycopg adapts as they are (numbers, strings, lists,
    datetimes), and its errors are psycopg's own, not wrapped by SQLAlchemy.
    """

    def __init__(self, statement: Select[Any] | TextClause) -> None:
        self.statement = statement
        self._postgresql: tuple[str, dict[str, Any]] | None = None

    def rows(self, **params: Any) -> Sequence[Any]:
        """The rows (named tuples) of the statement run with ``params``."""
        from participa.extensions import db

        connection = db.session.connection()
        if connection.dialect.name != "postgresql":
            return connection.execute(self.statement, params).all()
        if self._postgresql is None:  # psycopg's SQL, with the statement's own values
            compiled = self.statement.compile(dialect=connection.dialect)
            given = {name: None for name, bind in compiled.binds.items() if bind.required}
            expanded = compiled.construct_expanded_state(given)
            self._postgresql = (expanded.statement, dict(expanded.parameters))
        sql, constants = self._postgresql
        driver = connection.connection.driver_connection
        assert driver is not None  # a checked-out connection has its psycopg connection
        cursor = driver.cursor(row_factory=namedtuple_row)
        with cursor:
            rows: list[Any] = cursor.execute(sql, {**constants, **params}).fetchall()
            return rows
