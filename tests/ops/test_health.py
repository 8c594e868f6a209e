"""/healthz says the process answers; /readyz that the database and the broker do too."""

from __future__ import annotations

import pytest

from participa.ops.health import add_ready_check
from tests import factories as f
from tests.ops.conftest import closed_port


def test_healthz_answers_without_session_database_or_interstitial(
    client, auth, count_queries, monkeypatch
):
    monkeypatch.setitem(client.application.config, "LEGAL_ACCEPTANCE_REQUIRED", True)
    auth.login(f.user())  # has accepted no legal notice: every page asks for it first
    assert client.get("/").status_code == 302

    with count_queries() as seen:
        answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json == {"status": "ok"}
    assert seen == []  # not even the signed-in user is loaded
    assert "Set-Cookie" not in answer.headers
    assert answer.headers["Cache-Control"] == "no-store"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and "Set-Cookie" not in ready.headers


def test_healthz_needs_no_csrf_token_and_no_rate_limit(build):
    with build(WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=True) as other:
        client = other.test_client()
        answers = {client.get("/healthz").status_code for _ in range(300)}
        assert answers == {200}
        assert client.head("/healthz").status_code == 200


@pytest.mark.redis
def test_readyz_is_ready_with_the_database_and_redis_up(build, redis_url):
    with build(CELERY={"broker_url": redis_url, "task_always_eager": False}) as other:
        answer = other.test_client().get("/readyz")
    assert answer.status_code == 200, answer.json
    assert answer.json == {
        "status": "ready",
        "checks": {"database": "ok", "broker": "ok", "storage": "ok"},
    }


def test_the_embedded_memory_broker_counts_as_ready(client):
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json["checks"] == {"database": "ok", "broker": "ok", "storage": "ok"}


def test_readyz_names_the_broker_on_a_closed_port_without_its_password(build):
    broker = f"redis://:hunter2-broker@127.0.0.1:{closed_port()}/0"
    with build(CELERY={"broker_url": broker, "task_always_eager": False}) as other:
        client = other.test_client()
        answer = client.get("/readyz")
        alive = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json["failed"] == ["broker"]
    assert answer.json["checks"] == {"database": "ok", "broker": "failed", "storage": "ok"}
    assert b"hunter2" not in answer.data and b"redis://" not in answer.data
    assert alive.status_code == 200  # alive, only not ready


def test_readyz_names_the_database_when_it_is_unreachable(build):
    url = f"postgresql+psycopg://postgres:hunter2-db@127.0.0.1:{closed_port()}/participa"
    with build(SQLALCHEMY_DATABASE_URI=url) as other:
        client = other.test_client()
        answer = client.get("/readyz")
        alive = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json["failed"] == ["database"]
    assert answer.json["checks"]["broker"] == "ok"
    assert b"hunter2" not in answer.data and b"postgresql" not in answer.data
    assert alive.status_code == 200


def test_readyz_names_the_storage_when_its_folder_cannot_be_written(build, tmp_path):
    folder = tmp_path / "not-a-folder"
    folder.write_text("a file where the storage folder should be")
    with build(STORAGE_URL=f"file://{folder}") as other:
        answer = other.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json["failed"] == ["storage"]
    assert str(tmp_path).encode() not in answer.data


def test_a_check_added_later_is_called_and_named(build):
    def storage() -> None:
        raise OSError("/srv/participa/storage is not mounted")

    with build() as other:
        add_ready_check(other, "storage", storage)
        answer = other.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json["failed"] == ["storage"]
    assert b"/srv" not in answer.data
