"""Statements that depend on the bound database's dialect (above :mod:`participa.db` and
:mod:`participa.extensions`, which it uses)."""

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite

from participa.db import Base
from participa.extensions import db


def insert_ignoring_conflicts(
    model: type[Base] | Table, index_elements: list[str] | None = None
) -> Insert:
    """``INSERT ... ON CONFLICT (index_elements) DO NOTHING`` for the bound database's dialect
    (without ``index_elements``: a conflict on any unique constraint does nothing).

    Used where a unique constraint decides a race (one ballot, one support): the losing
    insert does nothing instead of failing, and the caller reads the winning row.
    """
    if db.engine.dialect.name == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing(index_elements=index_elements)
    return sqlite.insert(model).on_conflict_do_nothing(index_elements=index_elements)
