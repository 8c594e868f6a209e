"""A real Celery worker on Redis, started once for the worker tests (the helpers that start,
kill and watch workers are in ``tests/support/worker.py``, shared with ``tests/reliability``,
which starts and kills workers of its own; ``redis_url`` is in ``tests/conftest.py``)."""

import pytest

from tests.support.worker import serving_worker


@pytest.fixture(scope="session")
def celery_worker(app, database_url, redis_url, tmp_path_factory):
    """A worker subprocess on the test database, consuming a queue of its own, with the
    test app's Celery sending to it."""
    with serving_worker(app, database_url, redis_url, tmp_path_factory, "test") as worker:
        yield worker
