"""Fixtures of the integration tests."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.migrating import bare_database_url


@pytest.fixture
def bare_database(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database of this test's own (PostgreSQL when the tests run on it), for
    migration tests (tests.support.migrating)."""
    with bare_database_url(tmp_path, request.node.module.__name__.rsplit(".", 1)[-1]) as url:
        yield url
