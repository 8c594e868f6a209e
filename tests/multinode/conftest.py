"""The multi-node test's site: six real processes on the test database (PostgreSQL), the
test Redis and one shared storage folder (``tests/support/nodes.py``)."""

from collections.abc import Iterator

import pytest

from tests.conftest import need
from tests.support.nodes import Site, running_site


@pytest.fixture
def site(ctx, is_postgres, database_url, redis_url, tmp_path) -> Iterator[Site]:
    """Two web nodes, two workers and two beats, on ``ctx``'s database (emptied after the
    test, once every node has stopped), sharing ``STORAGE_URL`` (a folder)."""
    need(is_postgres, "the multi-node test runs on PostgreSQL (PARTICIPA_TEST_DATABASE_URL)")
    with running_site(
        database_url=database_url,
        redis_url=redis_url,
        folder=tmp_path,
        storage={"STORAGE_URL": f"file://{tmp_path / 'storage'}"},
    ) as running:
        yield running


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A failing test shows the end of every node's log."""
    outcome = yield
    report = outcome.get_result()
    running = getattr(item, "funcargs", {}).get("site")
    if report.failed and isinstance(running, Site):
        report.sections.append(("logs of the nodes", running.tails()))
