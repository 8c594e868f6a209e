"""Log lines with the request's id, as text or one JSON object per line (``LOG_FORMAT``).

Each request has an id: the client's (or the proxy's) ``X-Request-ID`` when well formed,
else a new one; it is answered in the same header, is on every log record written while
the request is served, and travels with every Celery task sent meanwhile (a header of the
task's message), so the worker's lines for that task carry it too, beside the task's id
and name. A task sending another task passes its request id on.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from celery import Task
from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    before_task_publish,
    task_postrun,
    task_prerun,
)
from flask import Flask, Response, g, has_request_context, request
from gunicorn.glogging import Logger

HEADER = "X-Request-ID"
TASK_HEADER = "participa_request_id"
WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


# (task id, task name, request id) of the task this thread runs
_task: ContextVar[tuple[str, str, str | None] | None] = ContextVar("participa_task", default=None)


def request_id() -> str | None:
    """The id of the request being served, else of the request that sent the running task."""
    if has_request_context():
        found = g.get("request_id")
        if found:
            return found
    task = _task.get()
    return task[2] if task else None


def _take_request_id() -> None:
    incoming = request.headers.get(HEADER, "")
    g.request_id = incoming if WELL_FORMED.fullmatch(incoming) else uuid.uuid4().hex


def _answer_request_id(response: Response) -> Response:
    if g.get("request_id"):
        response.headers[HEADER] = g.request_id
    return response


class ContextFilter(logging.Filter):
    """Puts ``request_id``, ``task_id`` and ``task_name`` on every record (None outside)."""

    def filter(self, record: logging.LogRecord) -> bool:
        task = _task.get()
        record.request_id = request_id()
        record.task_id = task[0] if task else None
        record.task_name = task[1] if task else None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, the
    request id, the task's id and name, and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        if getattr(record, "task_id", None):
            line["task_id"] = record.task_id  # type: ignore[attr-defined]
            line["task_name"] = record.task_name  # type: ignore[attr-defined]
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """A line of text: time, level, logger, request id (``-`` outside a request), message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s [%(name)s] [%(request_tag)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.request_tag = getattr(record, "request_id", None) or "-"
        return super().format(record)


def _formatter(kind: str) -> logging.Formatter:
    return JsonFormatter() if kind == "json" else TextFormatter()


def _dress(handler: logging.Handler, kind: str) -> None:
    if not any(isinstance(f, ContextFilter) for f in handler.filters):
        handler.addFilter(ContextFilter())
    handler.setFormatter(_formatter(kind))


_settings: dict[str, str] = {"format": "text"}


def configure_logging(app: Flask) -> None:
    """The root logger writes to stderr in ``LOG_FORMAT`` at ``LOG_LEVEL``; records of
    every logger (Flask's, Celery's, gunicorn's error log) carry the request id."""
    kind = str(app.config.get("LOG_FORMAT") or "text").lower()
    _settings["format"] = kind
    root = logging.getLogger()
    ours: list[logging.Handler] = [h for h in root.handlers if getattr(h, "participa", False)]
    if not ours:
        stream = logging.StreamHandler(sys.stderr)
        stream.participa = True  # type: ignore[attr-defined]
        root.addHandler(stream)
        ours = [stream]
    for handler in ours:
        _dress(handler, kind)
    root.setLevel(str(app.config.get("LOG_LEVEL") or "INFO").upper())
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)  # Flask's own: the root's handler writes
    app.before_request(_take_request_id)
    app.after_request(_answer_request_id)


@after_setup_logger.connect
@after_setup_task_logger.connect
def _celery_logs(logger: logging.Logger, **_kwargs: Any) -> None:
    """The worker's and beat's handlers (Celery sets them up) in the same format."""
    for handler in logger.handlers:
        _dress(handler, _settings["format"])


@before_task_publish.connect
def _send_request_id(headers: dict | None = None, **_kwargs: Any) -> None:
    found = request_id()
    if headers is not None and found:
        headers.setdefault(TASK_HEADER, found)


@task_prerun.connect
def _task_starts(task_id: str, task: Task, **_kwargs: Any) -> None:
    carried = getattr(task.request, TASK_HEADER, None)
    if carried is None and isinstance(task.request.headers, dict):
        carried = task.request.headers.get(TASK_HEADER)
    _task.set((task_id, task.name, carried or request_id()))


@task_postrun.connect
def _task_ends(**_kwargs: Any) -> None:
    _task.set(None)


class GunicornJsonLogger(Logger):
    """gunicorn's error and access logs as JSON lines (``LOG_FORMAT=json``, named by
    gunicorn.conf.py)."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            for handler in logger.handlers:
                _dress(handler, "json")
