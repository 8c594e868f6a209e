"""Test fixtures.

The database tests run on PostgreSQL when ``PARTICIPA_TEST_DATABASE_URL`` is set (a fresh
``participa_test_<pid>`` database is created from it), else on a temporary SQLite file. The
schema is built by the Alembic migrations, and every table is emptied after each test.

Local runs use the services as CI does when they are there: with no
``PARTICIPA_TEST_DATABASE_URL`` (or ``PARTICIPA_TEST_REDIS_URL``) set, a PostgreSQL server
(a Redis server) answering on 127.0.0.1 within a second is used with CI's URL
(:data:`LOCAL_DATABASE_URL`, :data:`LOCAL_REDIS_URL`). ``PARTICIPA_TEST_SQLITE=1`` keeps the
run on SQLite (and probes nothing for the database).

With ``PARTICIPA_REQUIRE_SERVICES=1`` (CI), a test that needs a missing service fails instead
of being skipped (as does any other skip: a missing package or data file, a ``skipif``, a
module skipped whole), and the property tests (hypothesis) try the same examples on every run, so
that a CI verdict is reproducible; elsewhere they explore new examples each run and replay
the failures they found (``.hypothesis/``).
"""

import os
from collections.abc import Iterator

import pytest
import redis
from flask import Flask
from flask_migrate import upgrade
from hypothesis import settings
from sqlalchemy import create_engine, insert, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from participa import create_app
from participa.categories.defaults import default_rows
from participa.categories.models import Category
from participa.extensions import db
from tests.support.auth import Auth
from tests.support.live import serve
from tests.support.mail import Outbox
from tests.support.queries import counting

REQUIRE_SERVICES = os.environ.get("PARTICIPA_REQUIRE_SERVICES") == "1"

# CI's URLs (.ci/run): used for a local run when the server answers on loopback
LOCAL_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LOCAL_REDIS_URL = "redis://127.0.0.1:6379/15"


def _postgres_answers(url: str) -> bool:
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 1}, poolclass=NullPool)
        with engine.connect():
            pass
    except Exception:  # not there, or not ours to use: stay on SQLite
        return False
    return True


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def _use_local_services() -> None:
    """Set the service URLs a local run left unset to the servers found on loopback."""
    if (
        not os.environ.get("PARTICIPA_TEST_DATABASE_URL")
        and os.environ.get("PARTICIPA_TEST_SQLITE") != "1"
        and _postgres_answers(LOCAL_DATABASE_URL)
    ):
        os.environ["PARTICIPA_TEST_DATABASE_URL"] = LOCAL_DATABASE_URL
    if not os.environ.get("PARTICIPA_TEST_REDIS_URL") and _redis_answers(LOCAL_REDIS_URL):
        os.environ["PARTICIPA_TEST_REDIS_URL"] = LOCAL_REDIS_URL


_use_local_services()
settings.register_profile("ci", derandomize=True)
if REQUIRE_SERVICES:
    settings.load_profile("ci")


def need(condition: bool, reason: str) -> None:
    """Skip (locally) or fail (in CI) when a service a test needs is missing."""
    if condition:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


def _postgres_admin(url: str) -> tuple[URL, object]:
    base: URL = make_url(url).set(drivername="postgresql+psycopg")
    return base, create_engine(base, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh database of this test run's own (PostgreSQL: ``participa_test_<pid>``,
    dropped at the end, so parallel runs on one server never meet)."""
    pg = os.environ.get("PARTICIPA_TEST_DATABASE_URL")
    if not pg:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    name = f"participa_test_{os.getpid()}"
    base, engine = _postgres_admin(pg)
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield base.set(database=name).render_as_string(hide_password=False)
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    engine.dispose()


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    os.environ["PARTICIPA_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("instance"))
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            # room for the parallel-request tests (20 threads, each with its own connection)
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "pool_size": 10,
                "max_overflow": 30,
            },
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,  # tests/functional/test_rate_limits.py builds its own
            # the accounts the factories make accepted nothing: tests/functional/
            # test_legal_documents.py switches the question on
            "LEGAL_ACCEPTANCE_REQUIRED": False,
        }
    )
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The test Redis (``PARTICIPA_TEST_REDIS_URL``), answering; a test using it carries the
    ``redis`` or ``worker`` marker (checked at collection)."""
    url = os.environ.get("PARTICIPA_TEST_REDIS_URL", "")
    need(bool(url), "this test needs Redis (PARTICIPA_TEST_REDIS_URL)")
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as error:
        need(False, f"Redis at {url} does not answer: {error}")
    return url  # each run consumes a queue of its own, so nothing needs flushing


@pytest.fixture
def is_postgres(app: Flask) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def _empty_tables(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in db.metadata.sorted_tables]
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for name in reversed(tables):
                    conn.execute(text(f"DELETE FROM {name}"))
            # the categories a new installation has (inserted by their migration)
            conn.execute(insert(Category.__table__), default_rows())


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    """An application context on an empty database."""
    with app.app_context():
        yield app
        db.session.remove()
    _empty_tables(app)


@pytest.fixture
def client(ctx: Flask):
    return ctx.test_client()


@pytest.fixture
def live_server_csrf() -> bool:
    """Whether ``live_server`` checks CSRF tokens: yes, as in production (a browser sends
    them); a directory whose tests post forms without one overrides this fixture."""
    return True


@pytest.fixture
def live_server(ctx: Flask, live_server_csrf: bool) -> Iterator[str]:
    """The test app served by a real threaded WSGI server on a free loopback port, on
    ``ctx``'s database (emptied after the test); its base URL."""
    with serve(ctx, csrf=live_server_csrf) as url:
        yield url


@pytest.fixture(scope="module")
def module_ctx(app: Flask) -> Iterator[Flask]:
    """An application context kept for a whole module, for modules that seed one world and
    visit many pages of it (the tables are emptied when the module ends). A module using
    it must not also use the per-test ``ctx``, which empties the tables after each test."""
    with app.app_context():
        yield app
        db.session.remove()
    _empty_tables(app)


@pytest.fixture(scope="module")
def module_live_server(module_ctx: Flask) -> Iterator[str]:
    """``live_server`` for a whole module, on ``module_ctx``'s database, CSRF on: the one
    variant, for the modules that seed one world (seconds) and visit many pages of it."""
    with serve(module_ctx, csrf=True) as url:
        yield url


@pytest.fixture
def count_queries():
    """``with count_queries() as seen:``: the SQL statements the block runs, in order
    (``tests/support/queries.py``)."""
    return counting


@pytest.fixture
def outbox(ctx: Flask, tmp_path, monkeypatch) -> Outbox:
    """The messages the app sends, written to a folder of this test's own as ``make demo``
    does (``MAIL_OUTBOX_DIR``): ``outbox.link(email, "confirmar")`` (``tests/support/mail.py``)."""
    monkeypatch.setitem(ctx.config, "MAIL_OUTBOX_DIR", str(tmp_path / "mail"))
    return Outbox(tmp_path / "mail")


@pytest.fixture
def auth(client) -> Auth:
    """Sign-in on ``client`` through the login form, as in Flask's tutorial:
    ``auth.login(user)``, ``auth.login_as(Role.ADMIN)``, ``auth.attempt(email, password)``
    (``tests/support/auth.py``, which also signs in real HTTP sessions and browsers)."""
    return Auth(client)


def _service_of(item: pytest.Item) -> str | None:
    path = str(item.path)
    if "/tests/browser/" in path:
        return "Chromium (browser)"
    if "/tests/worker/" in path:
        return "Redis + Celery worker"
    if item.get_closest_marker("redis"):
        return "Redis"
    if "ctx" in getattr(item, "fixturenames", ()):
        url = os.environ.get("PARTICIPA_TEST_DATABASE_URL")
        return "PostgreSQL" if url else "SQLite"
    return None


def _redis_marker_error(item: pytest.Item) -> str | None:
    """A test that uses Redis (the ``redis_url`` fixture) carries the ``redis`` marker (or
    ``worker``, as every test of tests/worker/ does), and only such a test carries it."""
    uses = "redis_url" in getattr(item, "fixturenames", ())
    marked = item.get_closest_marker("redis") or item.get_closest_marker("worker")
    if uses and not marked and "/tests/worker/" not in str(item.path):
        return f"{item.nodeid} uses Redis but has no redis marker"
    if item.get_closest_marker("redis") and not uses:
        return f"{item.nodeid} is marked redis but does not use Redis (redis_url)"
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    errors = [error for item in items if (error := _redis_marker_error(item))]
    if errors:
        raise pytest.UsageError("\n".join(errors))
    for item in items:
        item.user_properties.append(("service", _service_of(item)))


SKIP_IN_CI = (
    "skipped, and PARTICIPA_REQUIRE_SERVICES=1 allows no skip (a missing service, package or "
    "data file must fail CI): "
)


def _skip_reason(longrepr: object) -> str:
    """The reason of a skip report (pytest keeps it as ``(path, line, reason)``)."""
    return longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """In CI, any skipped test fails: ``pytest.skip``, ``importorskip``, a ``skipif`` mark.
    An expected failure (``xfail``, reported as skipped with ``wasxfail``) stays one."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_SERVICES and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = SKIP_IN_CI + _skip_reason(report.longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    """In CI, a module skipped as a whole (a module-level ``importorskip``, which also takes
    away every module importing from it) is a collection error, not tests that vanish."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_SERVICES and report.skipped:
        report.outcome = "failed"
        report.longrepr = SKIP_IN_CI + _skip_reason(report.longrepr)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """One line per real service: how many tests ran on it, and how many were skipped."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") != "call" and outcome != "skipped":
                continue
            service = dict(getattr(report, "user_properties", ())).get("service")
            if service:
                counts.setdefault(service, {}).setdefault(outcome, 0)
                counts[service][outcome] += 1
    if counts:
        terminalreporter.section("services used")
        for service, by_outcome in sorted(counts.items()):
            detail = ", ".join(f"{n} {outcome}" for outcome, n in sorted(by_outcome.items()))
            terminalreporter.write_line(f"{service}: {detail}")


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3-compatible server (moto's server mode, tests/support/s3.py)."""
    from tests.support.s3 import moto_server

    with moto_server() as url:
        yield url


@pytest.fixture(params=["local", "s3-redirect", "s3-stream"])
def site_storage(request, ctx: Flask, tmp_path):
    """The application's storage for one test, once per backend: a local folder, and an S3
    bucket served by redirect and by streaming."""
    from participa.storage import LocalStorage
    from tests.support.s3 import new_bucket

    if request.param == "local":
        chosen = LocalStorage(tmp_path / "storage")
    else:
        endpoint = request.getfixturevalue("s3_endpoint")
        chosen = new_bucket(endpoint, serve=request.param.removeprefix("s3-"))
    previous = ctx.extensions.get("storage")
    ctx.extensions["storage"] = chosen
    yield chosen
    if previous is None:
        ctx.extensions.pop("storage", None)
    else:
        ctx.extensions["storage"] = previous
