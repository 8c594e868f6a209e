"""``/metrics`` in Prometheus's text format, when ``METRICS_ENABLED``.

Counted as the application works (:mod:`participa.ops.counters`): HTTP requests by
endpoint, method and status, their latency, ballots stored, tally durations (in the
worker). Read at each scrape: the depth of the Celery queues (``LLEN`` of each queue's
Redis list) and the outbox backlog (e-mails not sent nor given up, one indexed count).

Who may read it: only addresses in ``METRICS_ALLOWED_IPS`` (default: this machine), and,
when ``METRICS_TOKEN`` is set, only with ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Iterable, Iterator

import redis
from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from participa.extensions import db
from participa.notifications.models import Notification
from participa.ops.counters import HTTP_LATENCY, HTTP_REQUESTS

logger = logging.getLogger(__name__)
bp = Blueprint("ops_metrics", __name__)
QUEUES = ("celery", "tally")


def registry() -> CollectorRegistry:
    """This process's metrics, or every process's under ``PROMETHEUS_MULTIPROC_DIR``."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    merged = CollectorRegistry()
    MultiProcessCollector(merged)
    return merged


class LiveCollector(Collector):
    """What is read at scrape time: the queues' depth and the outbox backlog."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "participa_queue_depth", "Tasks waiting in a Celery queue (Redis)", labels=["queue"]
        )
        for queue, length in self._queue_lengths():
            depth.add_metric([queue], length)
        yield depth
        backlog = GaugeMetricFamily(
            "participa_outbox_backlog", "E-mail notifications neither sent nor given up"
        )
        try:
            backlog.add_metric([], self._outbox_backlog())
        except SQLAlchemyError as error:  # the database is down: the other metrics still
            logger.warning("outbox backlog unavailable: %s", type(error).__name__)
            db.session.rollback()
        yield backlog

    def _queue_lengths(self) -> Iterable[tuple[str, int]]:
        celery = self.app.extensions["celery"]
        url = str(celery.conf.broker_url or "")
        if not url.startswith(("redis://", "rediss://")):
            return []  # eager tasks (memory://): no queue
        names = dict.fromkeys((*QUEUES, str(celery.conf.task_default_queue)))
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            return [(name, int(client.llen(name))) for name in names]  # type: ignore[arg-type]
        except redis.RedisError as error:
            logger.warning("queue depth unavailable: %s", type(error).__name__)
            return []
        finally:
            client.close()

    def _outbox_backlog(self) -> int:
        # the partial index on unsent e-mails answers this without reading sent rows
        query = select(func.count()).where(
            Notification.sent_at.is_(None),
            Notification.failed_at.is_(None),
            Notification.by_email,
        )
        return int(db.session.scalar(query) or 0)


def _allowed() -> bool:
    config = current_app.config
    networks = config.get("METRICS_ALLOWED_IPS")
    if isinstance(networks, str):
        networks = [n.strip() for n in networks.split(",") if n.strip()]
    if networks:
        try:
            address = ipaddress.ip_address(request.remote_addr or "")
        except ValueError:
            return False
        if not any(address in ipaddress.ip_network(n, strict=False) for n in networks):
            return False
    token = config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return True


@bp.get("/metrics")
def metrics() -> Response:
    if not current_app.config.get("METRICS_ENABLED"):
        abort(404)
    if not _allowed():
        abort(403)
    live = CollectorRegistry(auto_describe=False)
    live.register(LiveCollector(current_app._get_current_object()))  # type: ignore[attr-defined]
    body = generate_latest(registry()) + generate_latest(live)
    return Response(body, mimetype=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _count(response: Response) -> Response:
    started = g.pop("metrics_started", None)
    endpoint = request.endpoint or "unknown"  # a 404 has none: one label for them all
    HTTP_REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    if started is not None:
        HTTP_LATENCY.labels(endpoint, request.method).observe(time.perf_counter() - started)
    return response


def init_metrics(app: Flask) -> None:
    app.before_request(_start_timer)
    app.after_request(_count)
    app.register_blueprint(bp)


def serve_worker_metrics(port: int) -> None:
    """The worker's own ``/metrics`` on ``port`` (tally durations), for a worker whose
    metrics are not in the web's ``PROMETHEUS_MULTIPROC_DIR``."""
    start_http_server(port, registry=registry())
    logger.info("worker metrics on port %s", port)
