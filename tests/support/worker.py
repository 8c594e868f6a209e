"""A real Celery worker subprocess on Redis, and how to wait for what it does (shared by
tests/worker and tests/reliability)."""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from celery.signals import after_task_publish

from participa.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def start_worker(
    *,
    database_url: str,
    redis_url: str,
    queue: str,
    log: Path,
    instance: Path,
    env: dict[str, str] | None = None,
    pool: str = "solo",
    queues: tuple[str, ...] | None = None,
) -> subprocess.Popen:
    """A ``celery worker`` subprocess on ``database_url``, its default queue ``queue`` and
    its tally queue ``queue``-tally (the tasks it sends stay on them), in a process group of
    its own; returns once it is ready. It consumes both, or only ``queues``. ``env`` adds
    ``PARTICIPA_*`` settings."""
    environment = os.environ | {
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": redis_url,
        "PARTICIPA_TESTING": "true",
        "PARTICIPA_CELERY__task_default_queue": queue,
        "PARTICIPA_TALLY_QUEUE": tally_queue(queue),
        "PARTICIPA_SECRET_KEY": "test-secret",
        "PARTICIPA_INSTANCE_PATH": str(instance),
    }
    with log.open("a") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "worker.app",
                "worker",
                f"--pool={pool}",
                "--concurrency=1",
                "-Q",
                ",".join(queues or (queue, tally_queue(queue))),
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=environment | (env or {}),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill_worker reaches the children
        )
    starts = log.read_text().count("ready.")
    deadline = time.monotonic() + 60
    while log.read_text().count("ready.") == starts:
        if process.poll() is not None or time.monotonic() > deadline:
            kill_worker(process)
            pytest.fail(f"the Celery worker did not start:\n{log.read_text()}")
        time.sleep(0.1)
    return process


def tally_queue(queue: str) -> str:
    """The tally queue that goes with the test queue ``queue``."""
    return f"{queue}-tally"


def kill_worker(process: subprocess.Popen) -> None:
    """SIGKILL the worker's whole process group (no warm shutdown, nothing acknowledged)."""
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def stop_worker(process: subprocess.Popen) -> None:
    """A warm shutdown (SIGTERM), then SIGKILL if it takes too long."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            kill_worker(process)


@contextlib.contextmanager
def running_worker(
    database_url: str, redis_url: str, tmp_path_factory, name: str, env=None
) -> Iterator[dict]:
    """A worker subprocess on queue ``participa-<name>-<pid>``, stopped afterwards; its
    process, log, queue and Redis URL."""
    queue = f"participa-{name}-{os.getpid()}"
    log = tmp_path_factory.mktemp(f"{name}-worker") / "worker.log"
    process = start_worker(
        database_url=database_url,
        redis_url=redis_url,
        queue=queue,
        log=log,
        instance=tmp_path_factory.mktemp(f"{name}-instance"),
        env=env,
    )
    try:
        yield {"process": process, "log": log, "queue": queue, "redis_url": redis_url}
    finally:
        stop_worker(process)


@contextlib.contextmanager
def sending_to(app, worker: dict) -> Iterator[dict]:
    """The test app's Celery sending its tasks to ``worker`` (not run eagerly), set back as
    it was afterwards: the tests after it run their tasks in-process again."""
    celery = app.extensions["celery"]
    keys = ("task_always_eager", "broker_url", "task_default_queue", "tally_queue")
    saved = {k: celery.conf[k] for k in keys}
    switch_broker(
        celery,
        task_always_eager=False,
        broker_url=worker["redis_url"],
        task_default_queue=worker["queue"],
        tally_queue=tally_queue(worker["queue"]),
    )
    try:
        yield worker
    finally:
        switch_broker(celery, **saved)


@contextlib.contextmanager
def serving_worker(
    app, database_url: str, redis_url: str, tmp_path_factory, name: str, env=None
) -> Iterator[dict]:
    """:func:`running_worker` with the test app's Celery sending to it (:func:`sending_to`)."""
    with (
        running_worker(database_url, redis_url, tmp_path_factory, name, env) as worker,
        sending_to(app, worker),
    ):
        yield worker


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> object:
    """Poll ``condition`` (in a fresh read of the database) until it is truthy."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.expire_all()
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def log_count(log: Path, text: str, start: int = 0) -> int:
    """Occurrences of ``text`` in the worker's log after character ``start``."""
    return log.read_text()[start:].count(text)


@contextlib.contextmanager
def published_tasks() -> Iterator[list[tuple[str, str]]]:
    """The (task name, task id) of every task this process sends during the block (the
    test's own sends and those of a live server it runs)."""
    sent: list[tuple[str, str]] = []

    def record(sender=None, headers=None, **_kwargs) -> None:
        sent.append((sender, headers["id"]))

    after_task_publish.connect(record, weak=False)
    try:
        yield sent
    finally:
        after_task_publish.disconnect(record)


def tasks_ended(log: Path, tasks: list[tuple[str, str]]) -> bool:
    """Whether the worker has finished each of ``tasks`` (succeeded or raised: its last
    word; a retry keeps the task's id and ends in one of them later)."""
    text = log.read_text()
    return all(
        re.search(rf"{re.escape(name)}\[{re.escape(task_id)}\] (?:succeeded|raised)", text)
        for name, task_id in tasks
    )


def switch_broker(celery, **conf) -> None:
    """Point the test app's Celery at another broker, dropping the connections it cached
    (an eager run earlier in the session leaves a pool bound to ``memory://``)."""
    celery.conf.update(conf)
    celery.close()  # forgets the connection pool
    celery.amqp._producer_pool = None  # and the producers bound to it
