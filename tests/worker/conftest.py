"""A real Celery worker on Redis, started once for the worker tests (the helpers that start,
kill and watch workers are in ``tests/support/worker.py``, shared with ``tests/reliability``,
which starts and kills workers of its own; ``redis_url`` is in ``tests/conftest.py``)."""

import pytest

from tests.support.worker import running_worker, sending_to


@pytest.fixture(scope="session")
def worker_process(database_url, redis_url, tmp_path_factory):
    """A worker subprocess on the test database, consuming a queue of its own, started once."""
    with running_worker(database_url, redis_url, tmp_path_factory, "test") as worker:
        yield worker


@pytest.fixture
def celery_worker(app, worker_process):
    """The worker, with the test app's Celery sending to it during this test only (after
    it, tasks run in-process again, as every other test expects)."""
    with sending_to(app, worker_process) as worker:
        yield worker
