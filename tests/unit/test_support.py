"""The shared test tools do what the tests that use them rely on."""

import threading

import pytest

from tests import conftest
from tests.support.parallel import run_together


def test_run_together_releases_every_target_at_once_and_keeps_their_order():
    arrived: list[int] = []
    lock = threading.Lock()

    def target(n: int):
        def run(wait) -> tuple[int, int]:
            with lock:
                arrived.append(n)
            wait()
            with lock:
                return n, len(arrived)  # how many had arrived when this one went on

        return run

    results = run_together([target(n) for n in range(8)])
    assert [n for n, _ in results] == list(range(8))
    assert all(seen == 8 for _, seen in results)  # none went on before the last arrived


def test_run_together_raises_what_a_target_raised():
    def fine(wait) -> int:
        wait()
        return 1

    def broken(wait) -> int:
        wait()
        raise LookupError("lost the race")

    with pytest.raises(LookupError, match="lost the race"):
        run_together([fine, broken, fine])


def test_a_local_run_finds_no_service_where_none_listens():
    # nothing listens on port 1: the run stays on SQLite (and without Redis)
    assert not conftest._postgres_answers("postgresql+psycopg://postgres@127.0.0.1:1/test")
    assert not conftest._redis_answers("redis://127.0.0.1:1/0")


def test_sqlite_can_be_forced(monkeypatch):
    monkeypatch.setenv("PARTICIPA_TEST_DATABASE_URL", "unset below, restored after the test")
    monkeypatch.delenv("PARTICIPA_TEST_DATABASE_URL")
    monkeypatch.setenv("PARTICIPA_TEST_SQLITE", "1")
    monkeypatch.setattr(conftest, "_postgres_answers", lambda url: True)  # PostgreSQL is there
    monkeypatch.setattr(conftest, "_redis_answers", lambda url: False)
    conftest._use_local_services()
    assert "PARTICIPA_TEST_DATABASE_URL" not in conftest.os.environ
    monkeypatch.delenv("PARTICIPA_TEST_SQLITE")
    conftest._use_local_services()
    assert conftest.os.environ["PARTICIPA_TEST_DATABASE_URL"] == conftest.LOCAL_DATABASE_URL
