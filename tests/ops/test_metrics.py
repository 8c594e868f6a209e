"""/metrics: requests, latencies, ballots stored, tally durations, queue depth and the
outbox backlog, for the addresses and the token allowed."""

from __future__ import annotations

import re
import urllib.request

import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from participa.budgets.models import BallotType
from participa.db import utcnow
from participa.extensions import db
from participa.notifications.models import Notification
from participa.results import services
from participa.results.tasks import tally_budget
from tests import factories as f
from tests.conftest import need
from tests.ops.conftest import closed_port
from tests.support.ballots import cast_ballot, voting_budget
from tests.support.worker import running_worker, sending_to, wait_until

LOCAL = {"REMOTE_ADDR": "127.0.0.1"}


def samples(text: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _labelled(name: str, **labels: str) -> tuple[str, tuple]:
    return name, tuple(sorted(labels.items()))


def scrape(client, **headers) -> dict[tuple[str, tuple], float]:
    answer = client.get("/metrics", environ_base=LOCAL, headers=headers)
    assert answer.status_code == 200, answer.status_code
    assert answer.headers["Content-Type"].startswith("text/plain")
    return samples(answer.text)


@pytest.fixture
def metrics(client, monkeypatch):
    monkeypatch.setitem(client.application.config, "METRICS_ENABLED", True)
    return client


def test_metrics_are_off_unless_enabled(client):
    assert client.get("/metrics", environ_base=LOCAL).status_code == 404


def test_only_the_allowed_addresses_and_the_token_read_them(metrics, monkeypatch):
    assert metrics.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 403
    config = metrics.application.config
    monkeypatch.setitem(config, "METRICS_ALLOWED_IPS", "10.0.0.0/8, 203.0.113.0/24")
    assert metrics.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 200
    assert metrics.get("/metrics", environ_base=LOCAL).status_code == 403
    monkeypatch.setitem(config, "METRICS_ALLOWED_IPS", [])
    monkeypatch.setitem(config, "METRICS_TOKEN", "s3cret-scraper")
    assert metrics.get("/metrics", environ_base=LOCAL).status_code == 403
    wrong = {"Authorization": "Bearer nope"}
    assert metrics.get("/metrics", environ_base=LOCAL, headers=wrong).status_code == 403
    right = {"Authorization": "Bearer s3cret-scraper"}
    assert metrics.get("/metrics", environ_base=LOCAL, headers=right).status_code == 200


def test_requests_are_counted_by_endpoint_method_and_status(metrics):
    key = _labelled(
        "participa_http_requests_total", endpoint="ops.healthz", method="GET", status="200"
    )
    missing = _labelled(
        "participa_http_requests_total", endpoint="unknown", method="GET", status="404"
    )
    latency = _labelled(
        "participa_http_request_duration_seconds_count", endpoint="ops.healthz", method="GET"
    )
    before = scrape(metrics)
    for _ in range(3):
        metrics.get("/healthz")
    metrics.get("/no-such-page")
    after = scrape(metrics)
    assert after[key] - before.get(key, 0) == 3
    assert after[missing] - before.get(missing, 0) == 1
    assert after[latency] - before.get(latency, 0) == 3


def test_a_confirmed_ballot_raises_ballots_stored_by_one(metrics, auth):
    budget = voting_budget(BallotType.APPROVAL)
    p1, p2, *_ = f.project_ids(budget)
    key = ("participa_ballots_stored_total", ())
    before = scrape(metrics)[key]
    voter = auth.login(f.user())
    base = f"/procesos/{budget.process.slug}/presupuestos/{budget.id}"
    assert metrics.post(f"{base}/boleta/confirmar", data={"project": [p1]}).status_code == 303
    assert scrape(metrics)[key] == before + 1
    # the same ballot again changes nothing; a changed one is stored again
    assert metrics.post(f"{base}/boleta/confirmar", data={"project": [p1]}).status_code == 303
    assert scrape(metrics)[key] == before + 1
    assert metrics.post(f"{base}/boleta/confirmar", data={"project": [p2]}).status_code == 303
    assert scrape(metrics)[key] == before + 2
    assert voter.id


def test_the_outbox_backlog_counts_unsent_emails(metrics):
    key = ("participa_outbox_backlog", ())
    assert scrape(metrics)[key] == 0
    person = f.user()
    for by_email in (True, True, False):  # an in-app-only notice is no e-mail to send
        db.session.add(
            Notification(
                user_id=person.id, kind="receipt", subject="s", body="b", by_email=by_email
            )
        )
    db.session.commit()
    assert scrape(metrics)[key] == 2
    first = db.session.query(Notification).filter(Notification.by_email).first()
    first.sent_at = utcnow()
    db.session.commit()
    assert scrape(metrics)[key] == 1


@pytest.mark.redis
def test_queue_depth_is_read_from_redis_at_scrape_time(ctx, build, redis_url):
    queue = f"participa-ops-depth-{closed_port()}"
    client = redis.Redis.from_url(redis_url)
    client.delete(queue)
    config = {"broker_url": redis_url, "task_always_eager": False, "task_default_queue": queue}
    with build(METRICS_ENABLED=True, CELERY=config) as other:
        celery = other.extensions["celery"]
        try:
            with other.app_context():
                for _ in range(3):  # no worker consumes this queue (the default one)
                    celery.send_task("participa.notifications.tasks.send_pending", (0,))
            found = scrape(other.test_client())
        finally:
            client.delete(queue)
    assert found[("participa_queue_depth", (("queue", queue),))] == 3
    assert ("participa_queue_depth", (("queue", "tally"),)) in found
    assert ("participa_queue_depth", (("queue", "celery"),)) in found


@pytest.mark.worker
def test_the_worker_serves_its_tally_durations(
    app, ctx, database_url, redis_url, tmp_path_factory, is_postgres
):
    need(is_postgres, "worker tests run on PostgreSQL")
    port = closed_port()
    env = {"PARTICIPA_METRICS_WORKER_PORT": str(port)}
    with (
        running_worker(database_url, redis_url, tmp_path_factory, "ops-metrics", env) as worker,
        sending_to(app, worker),
    ):
        budget = f.budget(f.process(now_allows=("allows_vote",)), amount=1000, costs=(600, 500))
        cast_ballot(budget, f.user(), f.project_ids(budget)[:1])
        run = services.request_tally(budget)
        db.session.commit()
        tally_budget.delay(run.id)
        text = wait_until(
            lambda: _tallies_counted(port) and _read(port), 60, "the worker's tally duration"
        )
    assert samples(text)[("participa_tally_duration_seconds_count", ())] == 1
    assert re.search(r'participa_tally_duration_seconds_bucket\{le="\+Inf"\} 1\.0', text)


def _read(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        return answer.read().decode()


def _tallies_counted(port: int) -> bool:
    try:
        return samples(_read(port)).get(("participa_tally_duration_seconds_count", ()), 0) >= 1
    except OSError:  # not listening yet
        return False
