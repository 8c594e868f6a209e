"""A site of several machines on one host, for the multi-node test: two web nodes (gunicorn
with ``gunicorn.conf.py``), two Celery workers and two beats, each a real process with an
instance folder of its own, all on one PostgreSQL database, one Redis and one storage.

Every node is a production node (``TESTING`` off, CSRF and rate limits on): it gets each
setting it needs from the environment, as a deployment would give it, and nothing of the
test process's own ``PARTICIPA_*`` variables. The processes of node ``a`` read
``SECRET_KEY`` and ``CENSUS_SALT`` from the environment, those of node ``b`` from files
(``*_FILE``, as Docker secrets): the same values. Each process writes its output to a log file
of its own; :meth:`Site.tails` prints their ends when a test fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
import requests

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "multi-node-secret-key-shared-by-every-node"
CENSUS_SALT = "multi-node-census-salt-shared-by-every-node"
START_TIMEOUT = 90.0  # seconds for a process to start (two CPUs shared by six processes)
SCHEDULER_EVERY = 1.0  # seconds between beat's scheduler passes (production: a minute)
WEB_NODES = ("a", "b")


@dataclass
class Node:
    """One process of the site: its name (``web-a``, ``worker-b``, ``beat-a``...), the
    process, its log file and instance folder, and its URL if it serves HTTP."""

    name: str
    process: subprocess.Popen
    log: Path
    instance: Path
    url: str | None = None


@dataclass
class Site:
    """The running site: its nodes and the mail folder they share."""

    nodes: list[Node] = field(default_factory=list)
    mail: Path | None = None

    @property
    def web(self) -> list[str]:
        """The base URLs of the web nodes, in order (``a``, ``b``)."""
        return [node.url for node in self.nodes if node.url]

    def node(self, name: str) -> Node:
        return next(node for node in self.nodes if node.name == name)

    def tails(self, lines: int = 60) -> str:
        """The last ``lines`` of every node's log."""
        parts = []
        for node in self.nodes:
            text = node.log.read_text(errors="replace") if node.log.exists() else ""
            status = node.process.poll()
            state = "running" if status is None else f"exited with {status}"
            tail = "\n".join(text.splitlines()[-lines:])
            parts.append(f"----- {node.name} ({state}): {node.log}\n{tail}")
        return "\n".join(parts)

    def check_alive(self) -> None:
        """Fail (with the logs) if a node has died."""
        dead = [n.name for n in self.nodes if n.process.poll() is not None]
        if dead:
            pytest.fail(f"node(s) {', '.join(dead)} died:\n{self.tails()}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# the host's variables a node never inherits from the test process: its settings are given
SITE_SETTINGS = (
    *("PARTICIPA_", "CELERY_", "STORAGE_", "DATABASE_URL", "REDIS_URL", "RATELIMIT_"),
    *("SECRET_KEY", "CENSUS_SALT", "AWS_", "SENTRY_", "PROMETHEUS_", "LOG_FORMAT"),
)


def node_environment(
    *,
    database_url: str,
    redis_url: str,
    instance: Path,
    storage: dict[str, str],
    secrets: dict[str, str],
    mail: Path,
    public_url: str,
    run_id: str,
) -> dict[str, str]:
    """The environment of one node: the host's, without any ``PARTICIPA_*`` variable of the
    test process, plus every setting a production node of this site needs (``secrets``:
    ``SECRET_KEY`` and ``CENSUS_SALT``, or the ``*_FILE`` variables naming them)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(SITE_SETTINGS)}
    env = (
        base
        | secrets
        | {
            "PYTHONPATH": str(ROOT),  # the node runs in its own folder, like another machine
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": redis_url,
            "PARTICIPA_TESTING": "false",
            "PARTICIPA_DEBUG": "false",
            "PARTICIPA_INSTANCE_PATH": str(instance),
            "PARTICIPA_PUBLIC_URL": public_url,
            # plain http on loopback: a secure cookie would never come back
            "PARTICIPA_SESSION_COOKIE_SECURE": "false",
            "PARTICIPA_MAIL_OUTBOX_DIR": str(mail),  # no mail server: messages as files
            # this run's own keys in the shared Redis (queues, beat, rate-limit counters), so
            # that another run on the same Redis database takes none of its tasks
            "PARTICIPA_RATELIMIT_KEY_PREFIX": f"participa-rl-{run_id}",
            "PARTICIPA_CELERY__broker_transport_options__global_keyprefix": f"{run_id}:",
            "PARTICIPA_CELERY__redbeat_key_prefix": f"{run_id}:redbeat:",
            # beat's scheduler pass every second instead of every minute (the test waits for it)
            "PARTICIPA_CELERY__beat_schedule__advance-phases__schedule": str(SCHEDULER_EVERY),
            "PARTICIPA_NOTIFICATION_SEND_DELAY": "0",
        }
    )
    return env | storage


def _spawn(name: str, command: list[str], env: dict[str, str], folder: Path) -> Node:
    instance = folder / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    log = folder / f"{name}.log"
    with log.open("a") as out:
        process = subprocess.Popen(
            command,
            cwd=folder,  # its own working folder: nothing shared by accident
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group of its own: stop() reaches children
        )
    return Node(name, process, log, instance)


def web_command(port: int, home: Path) -> tuple[list[str], dict[str, str]]:
    """gunicorn with the project's ``gunicorn.conf.py``, two processes of two threads (its
    control socket in its own folder: not the one of every gunicorn of the host)."""
    command = [
        *[sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")],
        *["--control-socket", str(home / "gunicorn.ctl")],
    ]
    return command, {
        "PARTICIPA_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "PARTICIPA_THREADS": "2",
    }


def worker_command(name: str) -> list[str]:
    """A Celery worker consuming the default queue and the tally queue."""
    return [
        *[sys.executable, "-m", "celery", "-A", "worker.app", "worker", "--concurrency=1"],
        *["-Q", "celery,tally", f"--hostname=worker-{name}@%h", "--loglevel=INFO"],
    ]


def beat_command() -> list[str]:
    """Celery beat (its scheduler from the settings: RedBeat, the schedule in Redis)."""
    return [sys.executable, "-m", "celery", "-A", "worker.app", "beat", "--loglevel=INFO"]


def _ready_web(node: Node) -> bool:
    """Whether the web node says it is ready (``/readyz``: database, broker, storage)."""
    try:
        return requests.get(f"{node.url}/readyz", timeout=5).status_code == 200
    except requests.RequestException:  # not listening yet
        return False


def _ready_log(node: Node, text: str) -> bool:
    return text in node.log.read_text(errors="replace")


def wait_ready(site: Site) -> None:
    """Return once every node is ready: the web nodes' ``/readyz`` answers 200, the workers
    say ``ready.``, the beats have started; fail with the logs otherwise."""
    checks = {
        "web": _ready_web,
        "worker": lambda node: _ready_log(node, "ready."),
        "beat": lambda node: _ready_log(node, "beat: Starting"),
    }
    waiting = list(site.nodes)
    deadline = time.monotonic() + START_TIMEOUT
    while waiting:
        site.check_alive()
        waiting = [n for n in waiting if not checks[n.name.split("-")[0]](n)]
        if waiting and time.monotonic() > deadline:
            names = ", ".join(n.name for n in waiting)
            pytest.fail(f"not ready after {START_TIMEOUT}s: {names}\n{site.tails()}")
        time.sleep(0.2)


def signal_group(node: Node, number: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(node.process.pid, number)


def stop_all(nodes: list[Node], timeout: float = 15.0) -> None:
    """SIGTERM to every node's process group at once (a warm shutdown), SIGKILL to what is
    left after ``timeout`` seconds (children included)."""
    for node in nodes:
        signal_group(node, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for node in nodes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            node.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        signal_group(node, signal.SIGKILL)
        node.process.wait(timeout=20)


@contextlib.contextmanager
def running_site(
    *, database_url: str, redis_url: str, folder: Path, storage: dict[str, str]
) -> Iterator[Site]:
    """Start the six processes of the site (web, worker and beat on nodes ``a`` and ``b``),
    wait until each is ready, yield the :class:`Site`; stop them all afterwards.

    ``storage`` holds the storage settings given to every node (``STORAGE_URL`` and the
    like; empty: each node keeps its files in its own instance folder)."""
    run_id = f"nodes-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    mail = folder / "mail"
    mail.mkdir(parents=True, exist_ok=True)
    ports = {name: free_port() for name in WEB_NODES}
    secrets = {"a": {"SECRET_KEY": SECRET_KEY, "CENSUS_SALT": CENSUS_SALT}, "b": {}}
    for name, value in (("SECRET_KEY", SECRET_KEY), ("CENSUS_SALT", CENSUS_SALT)):
        (folder / "secrets").mkdir(exist_ok=True)  # node b reads them as Docker secrets
        (folder / "secrets" / name.lower()).write_text(value + "\n")
        secrets["b"][f"{name}_FILE"] = str(folder / "secrets" / name.lower())
    site = Site(mail=mail)

    def environment(home: Path) -> dict[str, str]:
        return node_environment(
            secrets=secrets[home.name.rsplit("-", 1)[1]],
            database_url=database_url,
            redis_url=redis_url,
            instance=home / "instance",
            storage=storage,
            mail=mail,
            public_url=f"http://127.0.0.1:{ports[WEB_NODES[0]]}",
            run_id=run_id,
        )

    try:
        for name in WEB_NODES:  # each process a machine: a folder of its own
            home = folder / f"web-{name}"
            command, extra = web_command(ports[name], home)
            web = _spawn(f"web-{name}", command, environment(home) | extra, home)
            web.url = f"http://127.0.0.1:{ports[name]}"
            site.nodes.append(web)
            home = folder / f"worker-{name}"
            site.nodes.append(_spawn(home.name, worker_command(name), environment(home), home))
            home = folder / f"beat-{name}"
            site.nodes.append(_spawn(home.name, beat_command(), environment(home), home))
        wait_ready(site)
        yield site
    finally:
        stop_all(site.nodes)
        forget_keys(redis_url, [f"{run_id}:*", f"LIMITS:LIMITER/participa-rl-{run_id}/*"])


def forget_keys(redis_url: str, patterns: list[str]) -> None:
    """Delete this run's keys from the shared Redis (its queues, counters and schedule)."""
    client = redis.Redis.from_url(redis_url)
    for pattern in patterns:
        for key in client.scan_iter(match=pattern, count=1000):
            client.delete(key)


# --- visiting the site over HTTP ---------------------------------------------------------

CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Visitor:
    """A browser-like visitor: one cookie jar for every node (they share 127.0.0.1, and a
    cookie is not bound to a port), forms posted with the CSRF token of their page."""

    def __init__(self) -> None:
        self.http = requests.Session()

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.http.get(url, timeout=60, **kwargs)

    def token(self, page_url: str) -> str:
        """The CSRF token of the form on ``page_url`` (which must answer 200)."""
        page = self.get(page_url)
        assert page.status_code == 200, f"{page_url}: {page.status_code}\n{page.text[:2000]}"
        found = CSRF_TOKEN.search(page.text)
        assert found, f"no CSRF token on {page_url}"
        return found.group(1)

    def post(self, url: str, data: dict, *, token: str, **kwargs) -> requests.Response:
        return self.http.post(
            url, data=data | {"csrf_token": token}, allow_redirects=False, timeout=60, **kwargs
        )

    def submit(self, page_url: str, data: dict, action: str | None = None, **kwargs):
        """Fill in the form of ``page_url`` and post it (to ``action`` if given)."""
        return self.post(action or page_url, data, token=self.token(page_url), **kwargs)

    def login(self, base: str, email: str, password: str) -> None:
        answer = self.submit(f"{base}/entrar", {"email": email, "password": password})
        assert answer.status_code == 302, f"login on {base}: {answer.status_code}"


def sha256(response: requests.Response) -> str:
    return hashlib.sha256(response.content).hexdigest()


def wait_for(site: Site, condition, timeout: float, what: str):
    """Poll ``condition`` (each time in a fresh transaction of the test's database session)
    until it returns something truthy, and return it; fail clearly, with the nodes' logs,
    after ``timeout`` seconds or as soon as a node dies."""
    from participa.extensions import db

    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()  # a fresh snapshot, and no transaction left open meanwhile
        value = condition()
        if value:
            return value
        site.check_alive()
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}\n{site.tails()}")
        time.sleep(0.1)


def wait_served(site: Site, path: str, timeout: float, what: str) -> None:
    """Poll ``path`` on the first web node until it answers 200 (a file still being
    prepared answers 503 with Retry-After meanwhile); fail clearly otherwise."""
    url = site.web[0] + path
    deadline = time.monotonic() + timeout
    while (status := requests.get(url, timeout=60).status_code) != 200:
        site.check_alive()
        if status != 503 or time.monotonic() > deadline:
            pytest.fail(f"{what} ({path}): {status} after waiting\n{site.tails()}")
        time.sleep(0.2)


def log_count(site: Site, prefix: str, text: str) -> int:
    """Occurrences of ``text`` in the logs of the nodes whose name starts with ``prefix``."""
    return sum(
        node.log.read_text(errors="replace").count(text)
        for node in site.nodes
        if node.name.startswith(prefix)
    )
