"""The statements of the busiest requests (the user loader of every signed-in request, the
ballot box and the first ballot of a confirmation), run on the session's connection without
SQLAlchemy's result machinery, and with everything else of SQLAlchemy's.

Why not plain ``connection.execute``: measured with ``bench/callgrind_confirm.py``, the three
statements of a ballot's confirmation cost 1.0 M instructions more through
``connection.execute`` than through the driver (6.59 M against 5.56 M per confirmation,
+19 %: SQLAlchemy's execution context and result objects, and psycopg building
``cursor.description``, a Python object per column, which SQLAlchemy reads for every
result). On two CPUs that is the difference between 500 ballots a second and a queue
(README, "Performance"). A ``text()`` statement or ``exec_driver_sql`` costs the same.

What is kept of SQLAlchemy, so that these statements are like any other:

- the statement is written once, as a Core ``select()`` or ``text()``, and compiled by the
  dialect (once per dialect);
- it runs on the session's connection, inside its transaction (``session.connection()``);
- SQLAlchemy's ``before_cursor_execute`` and ``after_cursor_execute`` events see it (the
  query counter of the tests, SQL logging, an APM);
- a driver error is raised as SQLAlchemy's own class (``IntegrityError``,
  ``OperationalError``... with the statement), and a lost connection is invalidated
  (``connection_invalidated``) and the pool renewed: the next request gets a fresh one.

What is not: result processors (the statements read plain columns: numbers, strings,
booleans, datetimes, arrays, which psycopg returns as they are), ``handle_error`` listeners
and statement-rewriting (``retval=True``) listeners. On any other driver (SQLite, the
embedded default) the statement simply runs through ``connection.execute``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from psycopg.rows import namedtuple_row
from sqlalchemy import Connection, Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import Compiled


class FastStatement:
    """A Core statement run by :meth:`rows` without SQLAlchemy's result objects."""

    __slots__ = ("_compiled", "statement")

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[str, Compiled] = {}

    def _compile(self, dialect: Dialect) -> Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self.statement.compile(dialect=dialect)  # type: ignore[attr-defined]
            self._compiled[dialect.name] = compiled
        return compiled

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> Sequence[Any]:
        """The rows (named tuples) of the statement run with ``params`` on ``connection``."""
        dialect = connection.dialect
        if dialect.driver != "psycopg":
            return connection.execute(self.statement, params).all()
        compiled = self._compile(dialect)
        sql = compiled.string
        parameters = compiled.construct_params(params) or {}
        dbapi_connection = connection.connection.driver_connection
        assert dbapi_connection is not None  # an open connection, in the session's transaction
        cursor = dbapi_connection.cursor(row_factory=namedtuple_row)
        dispatch = connection.dispatch
        if dispatch.before_cursor_execute:
            dispatch.before_cursor_execute(connection, cursor, sql, parameters, None, False)
        try:
            with cursor:
                rows = cursor.execute(sql, parameters).fetchall()
        except dialect.loaded_dbapi.Error as error:
            raise _translated(connection, error, sql, parameters) from error
        if dispatch.after_cursor_execute:
            dispatch.after_cursor_execute(connection, cursor, sql, parameters, None, False)
        return rows


def _translated(
    connection: Connection, error: Any, sql: str, parameters: Mapping[str, Any]
) -> Exception:
    """``error`` as SQLAlchemy raises it. A lost connection is invalidated first and the
    pool renewed, as SQLAlchemy does on any disconnection (the server may have restarted:
    the other pooled connections are then lost too; those checked out finish as they can)."""
    dialect = connection.dialect
    lost = dialect.is_disconnect(error, connection.connection.dbapi_connection, None)
    if lost:
        connection.invalidate(error)
        connection.engine.dispose(close=False)
    return DBAPIError.instance(
        sql,
        parameters,
        error,
        dialect.loaded_dbapi.Error,
        connection_invalidated=lost,
        dialect=dialect,
    )
