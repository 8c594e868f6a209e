"""One SQL statement counter for every test that counts queries (the ``count_queries``
fixture): SQLAlchemy's ``before_cursor_execute`` event on the app's engine, so it sees every
statement any session or connection of the app runs inside the block, the requests' own."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from participa.extensions import db


@contextmanager
def counting() -> Iterator[list[str]]:
    """The SQL statements run inside the block, in order (``len()`` to count them)."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
