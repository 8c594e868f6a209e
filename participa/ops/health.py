"""``/healthz``: the process answers. ``/readyz``: what it needs answers too (the database,
the Celery broker, the shared storage, and any check added with :func:`add_ready_check`).

Both touch no session (no cookie is read or set), are never rate-limited (no limit names
them) and are open while a signed-in person has new legal notices to accept (the
interstitial lets the ``ops.`` endpoints through). The answers name what failed, never a
URL or an error message (they may carry a host or a password): those go to the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import redis
from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from participa.extensions import db
from participa.storage import storage

logger = logging.getLogger(__name__)
bp = Blueprint("ops", __name__)

Check = Callable[[], object]
CHECKS = "participa.ready_checks"
TIMEOUT = 2.0  # seconds each check may take


def add_ready_check(app: Flask, name: str, check: Check) -> None:
    """Make ``/readyz`` also call ``check`` (it raises when what it checks is not ready)."""
    app.extensions.setdefault(CHECKS, {})[name] = check


def check_database() -> None:
    """``SELECT 1`` on a pooled connection, with a short statement timeout on PostgreSQL."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"SET LOCAL statement_timeout = {int(TIMEOUT * 1000)}"))
        connection.execute(text("SELECT 1"))
        connection.rollback()


def check_broker() -> None:
    """A ping of the Celery broker when it is Redis; the embedded ``memory://`` (tasks run
    in this process) is always ready; any other broker is connected to once."""
    celery = current_app.extensions["celery"]
    url = str(celery.conf.broker_url or "memory://")
    if url.startswith("memory://"):
        return
    if url.startswith(("redis://", "rediss://")):
        client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
        try:
            client.ping()
        finally:
            client.close()
        return
    with celery.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=TIMEOUT)


def check_storage() -> None:
    """The shared storage answers (the local folder exists and is writable)."""
    storage().check()


def init_health(app: Flask) -> None:
    add_ready_check(app, "database", check_database)
    add_ready_check(app, "broker", check_broker)
    add_ready_check(app, "storage", check_storage)
    app.register_blueprint(bp)


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    return _no_store(jsonify(status="ok"))


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    results: dict[str, str] = {}
    for name, check in current_app.extensions.get(CHECKS, {}).items():
        try:
            check()
            results[name] = "ok"
        except Exception as error:
            logger.warning("readiness check %s failed: %s", name, type(error).__name__)
            results[name] = "failed"
    failed = sorted(name for name, status in results.items() if status != "ok")
    if failed:
        answer = jsonify(status="unavailable", checks=results, failed=failed)
        return _no_store(answer), 503
    return _no_store(jsonify(status="ready", checks=results))
