"""Real ``celery beat`` subprocesses on Redis (RedBeat), each in a process group of its own,
and how to read the schedule they share."""

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.worker import kill_worker, stop_worker

ROOT = Path(__file__).resolve().parents[2]


def start_beat(
    *, redis_url: str, log: Path, instance: Path, env: dict[str, str]
) -> subprocess.Popen:
    """A ``celery beat`` on ``redis_url`` with the settings ``env`` adds; returns once it has
    started (it may still be waiting for the schedule's lock)."""
    environment = os.environ | {
        "CELERY_BROKER_URL": redis_url,
        "PARTICIPA_TESTING": "true",
        "PARTICIPA_INSTANCE_PATH": str(instance),
    }
    with log.open("a") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "worker.app", "beat", "--loglevel=DEBUG"],
            cwd=ROOT,
            env=environment | env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    wait_for_log(process, log, "beat: Starting...")
    return process


def wait_for_log(process: subprocess.Popen, log: Path, text: str, count: int = 1) -> None:
    """Wait until ``text`` is in the log ``count`` times; fail if the process ends first."""
    deadline = time.monotonic() + 60
    while log.read_text().count(text) < count:
        if process.poll() is not None or time.monotonic() > deadline:
            kill_worker(process)
            pytest.fail(f"waiting for {text!r} from beat:\n{log.read_text()[-5000:]}")
        time.sleep(0.05)


@contextlib.contextmanager
def running_beat(redis_url: str, log: Path, env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """:func:`start_beat` (its instance folder beside ``log``), stopped afterwards."""
    process = start_beat(redis_url=redis_url, log=log, instance=log.parent / "instance", env=env)
    try:
        yield process
    finally:
        stop_worker(process)
