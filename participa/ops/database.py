"""PostgreSQL session settings of each process: its ``application_name``
(``participa-web:<host>:<pid>``, ``participa-worker:…``, ``participa-beat:…``, seen in
``pg_stat_activity``), a ``statement_timeout`` and an ``idle_in_transaction_session_timeout``.

The web's statements are short: ``DATABASE_STATEMENT_TIMEOUT`` (30 s) stops a runaway
query instead of letting it hold a connection and its locks, and
``DATABASE_IDLE_IN_TRANSACTION_TIMEOUT`` (60 s) ends a transaction left open. A worker
reads a million ballots in one statement and counts for minutes with its transaction open
(Equal Shares), so ``DATABASE_WORKER_STATEMENT_TIMEOUT`` and
``DATABASE_WORKER_IDLE_IN_TRANSACTION_TIMEOUT`` default to two hours, a safety net above
the longest tally (0 turns a timeout off). Beat runs short scheduler passes: the web's.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

ROLES = ("web", "worker", "beat")


def timeouts(config: dict[str, Any]) -> tuple[float, float]:
    """(statement, idle in transaction) timeouts in seconds for this process's role."""
    if config.get("PROCESS_ROLE") == "worker":
        return (
            float(config["DATABASE_WORKER_STATEMENT_TIMEOUT"]),
            float(config["DATABASE_WORKER_IDLE_IN_TRANSACTION_TIMEOUT"]),
        )
    return (
        float(config["DATABASE_STATEMENT_TIMEOUT"]),
        float(config["DATABASE_IDLE_IN_TRANSACTION_TIMEOUT"]),
    )


def application_name(role: str) -> str:
    """``participa-<role>:<host>:<pid>``, cut to PostgreSQL's 63 bytes."""
    return f"participa-{role}:{socket.gethostname()}:{os.getpid()}"[:63]


def session_options(app: Flask) -> None:
    """Add the timeouts and the connect timeout to the engine options of a PostgreSQL
    database (before the engine is made); other databases are left as they are."""
    uri = str(app.config.get("SQLALCHEMY_DATABASE_URI") or "")
    if not uri.startswith("postgresql"):
        return
    statement, idle = timeouts(app.config)
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("connect_timeout", int(app.config["DATABASE_CONNECT_TIMEOUT"]))
    settings = (
        f"-c statement_timeout={int(statement * 1000)} "
        f"-c idle_in_transaction_session_timeout={int(idle * 1000)}"
    )
    connect_args["options"] = f"{connect_args.get('options', '')} {settings}".strip()
    options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def name_connections(engine: Engine, role: str) -> None:
    """Each new PostgreSQL connection says which process opened it (the pid is read when
    connecting: gunicorn's and Celery's forked children each have their own)."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "do_connect")
    def _name(_dialect: object, _record: object, _args: list, params: dict) -> None:
        params["application_name"] = application_name(role)
