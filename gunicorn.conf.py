"""gunicorn's settings for Participa: ``gunicorn 'participa:create_app()'`` run from this
directory reads them (as do docker-compose and the benchmarks in ``bench/``); command-line
options and ``GUNICORN_CMD_ARGS`` override them.

Threads, not one process per request: a confirmation spends about a third of its time
waiting for PostgreSQL, which another thread uses. Two per process, since Python runs one
thread at a time in a process: in paired runs of ``bench/load_ballots.py`` at 500/s,
4 processes of 2 threads kept a shorter queue than 3 of 4 (p99 155 against 439 ms; 1.3
against 1.7 s on a slow minute).
"""

import gc
import os

wsgi_app = "participa:create_app()"
bind = os.environ.get("PARTICIPA_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))
threads = int(os.environ.get("PARTICIPA_THREADS", 2))
keepalive = 5  # seconds an idle client connection is kept (behind a reverse proxy)
# Each worker tells the master it is alive by touching a file several times a second; on a
# disk-backed /tmp that costs a filesystem write each time (gunicorn's own advice).
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"


def post_worker_init(worker: object) -> None:
    """The application's own objects, built once per worker, are never garbage: freezing
    them spares every full collection of looking through them again (35 ms each, a pause
    of the worker's requests, measured on the development machine)."""
    gc.freeze()


# Operations (README, "Operations"): gunicorn's own error and access logs in the app's
# format when it is JSON; Prometheus metrics added up over the worker processes.
if (os.environ.get("PARTICIPA_LOG_FORMAT") or os.environ.get("LOG_FORMAT") or "").lower() == "json":
    logger_class = "participa.ops.logs.GunicornJsonLogger"


def on_starting(server: object) -> None:
    """A fresh ``PROMETHEUS_MULTIPROC_DIR``: the files of a previous run's processes would
    be added to this run's counts."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            if name.endswith(".db"):
                os.remove(os.path.join(folder, name))


def child_exit(server: object, worker: object) -> None:
    """A worker that ended leaves its counts (they stay in the sums) but no live gauge."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
