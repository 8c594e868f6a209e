"""Celery entry point: ``celery -A worker.app worker`` and ``celery -A worker.app beat``."""

import sys

from celery.signals import worker_ready

from participa import create_app

ROLE = "beat" if "beat" in sys.argv[1:] else "worker"  # the database timeouts, the name

flask_app = create_app({"PROCESS_ROLE": ROLE})
celery_app = flask_app.extensions["celery"]


@worker_ready.connect
def _serve_metrics(**_kwargs: object) -> None:
    """``METRICS_WORKER_PORT``: this worker's own /metrics (tally durations)."""
    port = flask_app.config.get("METRICS_WORKER_PORT")
    if port:
        from participa.ops.metrics import serve_worker_metrics

        serve_worker_metrics(int(port))
