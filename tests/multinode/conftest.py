"""The multi-node test's site: six real processes on the test database (PostgreSQL), the
test Redis and one shared storage (``tests/support/nodes.py``), once on a folder every
node mounts and once on an S3 bucket (moto's server: ``tests/support/s3.py``)."""

from collections.abc import Iterator

import pytest

from tests.conftest import need
from tests.support.nodes import Site, running_site


@pytest.fixture(params=["folder", "s3"])
def shared_storage(request, tmp_path) -> dict[str, str]:
    """The storage settings every node gets: a shared folder (``file://``), or a new bucket
    of the S3 server, served by redirect to presigned URLs (the default)."""
    if request.param == "folder":
        return {"STORAGE_URL": f"file://{tmp_path / 'storage'}"}
    from tests.support.s3 import CREDENTIALS, new_bucket

    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = new_bucket(endpoint)
    return CREDENTIALS | {
        "STORAGE_URL": f"s3://{bucket.bucket}/site",
        "STORAGE_S3_ENDPOINT_URL": endpoint,
        "STORAGE_S3_REGION": CREDENTIALS["AWS_DEFAULT_REGION"],
        "STORAGE_SERVE": "redirect",
    }


@pytest.fixture
def site(ctx, is_postgres, database_url, redis_url, tmp_path, shared_storage) -> Iterator[Site]:
    """Two web nodes, two workers and two beats, on ``ctx``'s database (emptied after the
    test, once every node has stopped), sharing ``shared_storage``."""
    need(is_postgres, "the multi-node test runs on PostgreSQL (PARTICIPA_TEST_DATABASE_URL)")
    with running_site(
        database_url=database_url, redis_url=redis_url, folder=tmp_path, storage=shared_storage
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
