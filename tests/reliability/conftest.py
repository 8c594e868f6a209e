"""Reliability tests: real PostgreSQL, a real Celery worker on Redis, a real HTTP server.

Every test here needs all three services (``PARTICIPA_TEST_DATABASE_URL`` and
``PARTICIPA_TEST_REDIS_URL``); with ``PARTICIPA_REQUIRE_SERVICES=1`` a missing one fails.
"""

import time
from collections.abc import Iterator

import pytest

from participa.extensions import db
from tests.conftest import need
from tests.support.reliability import sendings_finished
from tests.support.smtp_sink import SMTPSink
from tests.support.worker import serving_worker, wait_until


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


@pytest.fixture(scope="package")
def worker(app, database_url, redis_url, tmp_path_factory) -> Iterator[dict]:
    """A worker subprocess of this package, on a queue of its own, with the test app's
    Celery sending to it (and set back to eager afterwards). Unsent notifications are sent
    again by ``send_pending`` as soon as beat runs (``NOTIFICATION_RESEND_AFTER=0``). It
    mails by SMTP to ``worker["mailbox"]`` (``tests/support/smtp_sink.py``)."""
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


@pytest.fixture
def live_server_csrf() -> bool:
    """The live server of these tests takes forms without a CSRF token, as posted by
    ``requests`` (``tests/support/auth.py:http_session``)."""
    return False
