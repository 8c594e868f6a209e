"""Declarative base with a stable naming convention so Alembic migrations are reproducible."""

from datetime import UTC, datetime

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

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


def utcnow() -> datetime:
    """Current time as a naive UTC datetime: the one representation stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)


def insert_ignoring_conflicts(model: type, index_elements: list[str]) -> object:
    """``INSERT ... ON CONFLICT (index_elements) DO NOTHING`` for the bound database's dialect.

    Used where a unique constraint decides a race (one ballot, one support): the losing
    insert does nothing instead of failing, and the caller reads the winning row.
    """
    from participa.extensions import db

    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model).on_conflict_do_nothing(index_elements=index_elements)
