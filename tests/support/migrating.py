"""A second application on an empty database of its own, to run the migrations step by step
(upgrade to the revision before a data migration, insert old rows, upgrade, look)."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from participa import create_app
from participa.extensions import db
from tests.conftest import _postgres_admin


@contextmanager
def bare_database_url(tmp_path: Path, suffix: str) -> Iterator[str]:
    """An empty database: ``participa_test_<pid>_<suffix>`` on the tests' PostgreSQL server
    (dropped afterwards), else a SQLite file in ``tmp_path``."""
    pg = os.environ.get("PARTICIPA_TEST_DATABASE_URL")
    if not pg:
        yield f"sqlite:///{tmp_path / 'migration.db'}"
        return
    name = f"participa_test_{os.getpid()}_{suffix}"
    base, admin = _postgres_admin(pg)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@contextmanager
def migrating_app(tests_app: Flask, url: str, **config: Any) -> Iterator[tuple[Flask, Engine]]:
    """An application on ``url`` (for ``upgrade``/``downgrade`` inside its app context) and an
    engine for raw SQL on it; the Celery tasks stay bound to the tests' application."""
    migrating = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, **config})
    tests_celery = tests_app.extensions["celery"]
    tests_celery.set_current()
    tests_celery.set_default()
    engine = create_engine(url)
    try:
        yield migrating, engine
    finally:
        engine.dispose()
        with migrating.app_context():
            db.engine.dispose()
