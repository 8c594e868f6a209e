"""Operations tests: health and readiness, request ids in logs and tasks, metrics, Sentry,
the database session settings, backup and restore."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from participa import create_app
from participa.extensions import db


def closed_port() -> int:
    """A loopback port nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def built(app: Flask, **config: Any) -> Iterator[Flask]:
    """Another application, as a process started with ``config`` would build it (on the
    test database unless told otherwise); the test app's Celery is the default again
    afterwards."""
    celery = {**app.config["CELERY"], **config.pop("CELERY", {})}
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "LEGAL_ACCEPTANCE_REQUIRED": False,
            "CELERY": celery,
            **config,
        }
    )
    try:
        yield other
    finally:
        with other.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
        app.extensions["celery"].set_default()
        app.extensions["celery"].set_current()  # building another app made its own current


@pytest.fixture
def build(app: Flask):
    """``with build(**config) as other:`` (:func:`built` on the test app)."""
    return lambda **config: built(app, **config)
