"""A real Celery worker on Redis, started once for the worker tests."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from tests.conftest import need

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("PARTICIPA_TEST_REDIS_URL", "")
    need(bool(url), "worker tests need Redis (PARTICIPA_TEST_REDIS_URL)")
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as error:
        need(False, f"Redis at {url} does not answer: {error}")
    return url  # each run consumes a queue of its own, so nothing needs flushing


@pytest.fixture(scope="session")
def celery_worker(app, database_url, redis_url, tmp_path_factory):
    """A ``celery worker`` subprocess on the test database, consuming a queue of its own."""
    queue = f"participa-test-{os.getpid()}"
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    env = os.environ | {
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": redis_url,
        "PARTICIPA_TESTING": "true",
        "PARTICIPA_CELERY__task_default_queue": queue,  # tasks it sends stay on its queue
        "PARTICIPA_SECRET_KEY": "test-secret",
        "PARTICIPA_INSTANCE_PATH": str(tmp_path_factory.mktemp("worker-instance")),
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "worker.app",
                "worker",
                "--pool=solo",
                "-Q",
                queue,
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the Celery worker did not start:\n{log.read_text()}")
        time.sleep(0.2)
    celery = app.extensions["celery"]
    saved = {k: celery.conf[k] for k in ("task_always_eager", "broker_url", "task_default_queue")}
    _switch_broker(celery, task_always_eager=False, broker_url=redis_url, task_default_queue=queue)
    yield {"process": process, "log": log, "queue": queue}
    _switch_broker(celery, **saved)
    process.terminate()
    process.wait(timeout=30)


def _switch_broker(celery, **conf) -> None:
    """Point the test app's Celery at another broker, dropping the connections it cached
    (an eager run earlier in the session leaves a pool bound to ``memory://``)."""
    celery.conf.update(conf)
    celery.close()  # forgets the connection pool
    celery.amqp._producer_pool = None  # and the producers bound to it
