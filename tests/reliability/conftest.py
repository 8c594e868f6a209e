"""Reliability tests: real PostgreSQL, a real Celery worker on Redis, a real HTTP server.

Every test here needs all three services (``PARTICIPA_TEST_DATABASE_URL`` and
``PARTICIPA_TEST_REDIS_URL``); with ``PARTICIPA_REQUIRE_SERVICES=1`` a missing one fails.
"""

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from participa.extensions import db
from participa.opendata.models import Publication
from participa.results.models import ProjectOutcome, RunStatus, TallyRun
from participa.tallying import Outcome
from tests import factories as f
from tests.conftest import need
from tests.live import serve
from tests.smtp_sink import SMTPSink
from tests.worker.conftest import (  # noqa: F401  (redis_url: a fixture)
    log_count,
    redis_url,
    serving_worker,
    start_worker,
    stop_worker,
    switch_broker,
    wait_until,
)

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused


@pytest.fixture
def pg(ctx, is_postgres, request):
    """An application context on an empty PostgreSQL database. With a worker, the test ends
    once the sendings of receipts it queued have run: the worker runs them a moment after
    the commit, and emptying the tables beside one could deadlock."""
    need(is_postgres, "reliability tests run on PostgreSQL (PARTICIPA_TEST_DATABASE_URL)")
    yield ctx
    if "worker" in request.fixturenames:
        log = request.getfixturevalue("worker")["log"]
        time.sleep(0.5)  # a sending just queued reaches the worker (which holds it till due)
        wait_until(lambda: sendings_finished(log), 30, "the queued sendings run")
        db.session.rollback()


def sendings_finished(log: Path) -> bool:
    """Whether every ``send_pending`` the worker received has ended."""
    text = log.read_text()
    received = len(re.findall(r"send_pending\[[^\]]+\] received", text))
    ended = len(re.findall(r"send_pending\[[^\]]+\] (?:succeeded|raised|retry)", text))
    return ended >= received


@pytest.fixture(scope="package")
def worker(app, database_url, redis_url, tmp_path_factory) -> Iterator[dict]:  # noqa: F811
    """A worker subprocess of this package, on a queue of its own, with the test app's
    Celery sending to it (and set back to eager afterwards). Unsent notifications are sent
    again by ``send_pending`` as soon as beat runs (``NOTIFICATION_RESEND_AFTER=0``). It
    mails by SMTP to ``worker["mailbox"]`` (``tests/smtp_sink.py``)."""
    need(
        app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"),
        "reliability tests run on PostgreSQL (PARTICIPA_TEST_DATABASE_URL)",
    )
    with SMTPSink() as mailbox:
        env = {
            "PARTICIPA_NOTIFICATION_RESEND_AFTER": "0",
            "PARTICIPA_MAIL_SERVER": "127.0.0.1",
            "PARTICIPA_MAIL_PORT": str(mailbox.port),
        }
        with serving_worker(
            app, database_url, redis_url, tmp_path_factory, "reliability", env
        ) as worker:
            yield worker | {"mailbox": mailbox}


@pytest.fixture(scope="package")
def live_server(app) -> Iterator[str]:
    """The test app served by a real threaded WSGI server on a free port; its base URL."""
    with serve(app) as url:
        yield url


def login(base_url: str, email: str, password: str = f.PASSWORD) -> requests.Session:
    """A browser-like session signed in through the login form."""
    session = requests.Session()
    response = session.post(
        f"{base_url}/entrar", data={"email": email, "password": password}, allow_redirects=False
    )
    assert response.status_code == 302, response.text
    return session


def finished_runs(budget_id: int) -> list[TallyRun]:
    return list(
        db.session.scalars(
            select(TallyRun)
            .where(
                TallyRun.budget_id == budget_id,
                TallyRun.status.in_((RunStatus.DONE, RunStatus.FAILED)),
            )
            .order_by(TallyRun.id)
        )
    )


def outcome_rows(run_id: int) -> list[tuple]:
    """Every stored figure of a run's outcome, project by project in rank order."""
    rows = db.session.scalars(
        select(ProjectOutcome).where(ProjectOutcome.run_id == run_id).order_by(ProjectOutcome.rank)
    )
    return [
        (
            o.project_id,
            o.rank,
            o.votes,
            o.selected,
            o.remaining_before,
            o.reason,
            o.tied,
            o.price,
            o.effective_votes,
        )
        for o in rows
    ]


def decision_rows(outcome: Outcome) -> list[tuple]:
    """The same figures from a pure tally, as they would be stored."""

    def text(value) -> str | None:
        return None if value is None else str(value)

    return [
        (
            d.project_id,
            d.rank,
            d.score,
            d.selected,
            d.remaining_before,
            str(d.reason),
            d.tied,
            text(d.price),
            text(d.effective_votes),
        )
        for d in outcome.decisions
    ]


def publications(process_id: int) -> list[Publication]:
    return list(db.session.scalars(select(Publication).where(Publication.process_id == process_id)))
