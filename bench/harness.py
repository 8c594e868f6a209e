"""What the HTTP benchmarks share: a fresh PostgreSQL database, a gunicorn server on
loopback, and an open-loop load generator.

The load generator sends request ``i`` at ``start + i / rate`` whether or not earlier
requests have been answered (open loop, constant arrival rate), over keep-alive
connections it opens as needed. A request's latency is measured from the moment it was
*due*, not from when a connection was free to send it, so a slow server cannot hide its
queue (no coordinated omission, as in wrk2). The requests are whole HTTP/1.1 messages
built before the clock starts; the generator only writes bytes and reads the status line,
the headers and ``Content-Length`` bytes of body.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import platform
import resource
import runpy
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import uvloop

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1/test")


# ── database ─────────────────────────────────────────────────────────────────────────────


def fresh_database(name: str) -> str:
    """Drop and recreate database ``name`` next to ``ADMIN_URL``; its SQLAlchemy URL."""
    from sqlalchemy import create_engine, make_url, text

    base = make_url(ADMIN_URL).set(drivername="postgresql+psycopg")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def recreate_database(url: str) -> None:
    """Drop and create again the database that SQLAlchemy ``url`` names (its server's
    ``postgres`` database does it)."""
    _on_server(url, drop=True, create=True)


def drop_database(url_or_name: str) -> None:
    """Drop the database that SQLAlchemy URL (or name, next to ``ADMIN_URL``) names."""
    url = url_or_name if "://" in url_or_name else database_url(url_or_name)
    _on_server(url, drop=True, create=False)


def _on_server(url: str, *, drop: bool, create: bool) -> None:
    from sqlalchemy import create_engine, make_url, text

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if drop:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def analyze(url: str, tables: tuple[str, ...]) -> None:
    """``ANALYZE`` ``tables`` of the database at SQLAlchemy ``url``, as autovacuum would."""
    import psycopg

    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(f"ANALYZE {', '.join(tables)}")


def settle(url: str) -> None:
    """What the setup wrote (the seeding, and the sessions minted one transaction each),
    settled before the clock starts, as hours of use would have left it: every table
    vacuumed and analyzed, then a checkpoint. Otherwise autovacuum and the checkpointer
    do it during the run, on the same two CPUs."""
    import psycopg

    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        conn.execute("CHECKPOINT")


def database_url(name: str) -> str:
    """The SQLAlchemy URL of database ``name`` next to ``ADMIN_URL``."""
    from sqlalchemy import make_url

    url = make_url(ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """The same URL for psycopg directly (no ``+psycopg`` driver suffix)."""
    from sqlalchemy import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# ── server ───────────────────────────────────────────────────────────────────────────────


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


GUNICORN = runpy.run_path(str(ROOT / "gunicorn.conf.py"))  # the production settings


@dataclass
class Server:
    """A gunicorn serving ``participa:create_app()`` on 127.0.0.1 with the settings of
    ``gunicorn.conf.py``, but the ones given here."""

    env: dict[str, str]
    workers: int = GUNICORN["workers"]
    threads: int = GUNICORN["threads"]
    worker_class: str = GUNICORN["worker_class"]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def command(self) -> list[str]:
        return [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            self.worker_class,
            "--threads",
            str(self.threads),
            "--keep-alive",
            "300",  # no reverse proxy in front: the generator keeps its connections
            "--backlog",
            "2048",
            "participa:create_app()",
        ]

    def start(self, log_path: Path) -> None:
        self.log_path = log_path
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=log_path.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{log_path.read_text()[-3000:]}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=2).read()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 30 s")

    def warm(self, paths: list[str], rounds: int = 20) -> None:
        """A few GETs, so that every worker has imported, compiled and connected."""
        for _ in range(rounds):
            for path in paths:
                with contextlib.suppress(OSError):
                    urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10).read()

    def cpu_seconds(self) -> float:
        """User + system CPU of the gunicorn master and its workers, from /proc."""
        if self.process is None:
            return 0.0
        pids = [self.process.pid, *_children(self.process.pid)]
        return sum(_proc_cpu(pid) for pid in pids)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu(database: str) -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL process serving ``database``, and by the
    server's shared processes (WAL writer, checkpointer, background writer): not by the
    backends of other databases (other programs on the machine)."""
    import psycopg

    with psycopg.connect(libpq_url(database_url(database))) as conn:
        pids = [
            row[0]
            for row in conn.execute(
                "SELECT pid FROM pg_stat_activity"
                " WHERE (datname = %s AND pid <> pg_backend_pid()) OR datname IS NULL",
                (database,),
            )
        ]
    return {pid: _proc_cpu(pid) for pid in pids}


def cpu_since(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two :func:`postgres_cpu` snapshots (new processes count whole)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (not idle or waiting), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def cpu_probe() -> float:
    """Milliseconds of CPU for a fixed pure-Python loop: how fast this (possibly shared,
    virtual) machine runs Python right now; lower is faster."""
    began = time.process_time()
    total = 0
    for i in range(2_000_000):
        total += i
    return (time.process_time() - began) * 1000


def machine() -> str:
    """CPU count and model, the interpreter (the server's too), the load average now and
    :func:`cpu_probe`."""
    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    probe = min(cpu_probe() for _ in range(3))
    python = f"Python {platform.python_version()} {sys.executable}"
    return f"{os.cpu_count()} CPUs ({model}), {python}, load {load}, CPU probe {probe:.0f} ms"


# ── sessions ─────────────────────────────────────────────────────────────────────────────

USER_AGENT = "participa-bench/1"


def mint_sessions(app, user_ids) -> list[tuple[str, str]]:
    """(session cookie value, CSRF form token) of each user, made by the application's own
    code in a request context (``start_session``: Flask-Login's ``login_user`` on a fresh
    permanent session, stored server-side and committed; Flask-WTF's ``generate_csrf``)
    and signed with its secret key, as a login through the form would leave them; no
    password is hashed or checked."""
    from flask import session
    from flask_wtf.csrf import generate_csrf

    from participa.accounts.models import User
    from participa.accounts.views import start_session
    from participa.extensions import db

    serializer = app.session_interface.get_signing_serializer(app)
    minted = []
    environ = {"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": USER_AGENT}
    for user_id in user_ids:
        with app.test_request_context("/", environ_base=environ):
            start_session(User(id=user_id))
            db.session.commit()
            token = generate_csrf()
            minted.append((serializer.dumps(dict(session)), token))
    return minted


# ── requests ─────────────────────────────────────────────────────────────────────────────


def http_request(
    method: str, path: str, port: int, *, cookie: str = "", body: bytes = b"", ua: str = ""
) -> bytes:
    """One HTTP/1.1 keep-alive request, as bytes."""
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Connection: keep-alive",
        f"User-Agent: {ua or USER_AGENT}",
    ]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    if method == "POST":
        lines.append("Content-Type: application/x-www-form-urlencoded")
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class Result:
    due: float  # when the request should have been sent (seconds from the start)
    latency: float  # from ``due`` to the last byte of the response; NaN on error
    status: int  # 0: connection error or timeout
    location: str = ""
    error: str = ""  # why there is no status


IDLE_REUSE = 10.0  # seconds a kept-alive connection may wait unused (the server keeps 300)


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, str, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, location, close = 0, "", False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.lower()
        if name == "content-length":
            length = int(value)
        elif name == "location":
            location = value.strip()
        elif name == "connection" and value.strip().lower() == "close":
            close = True
    if length:
        await reader.readexactly(length)
    return status, location, close


async def _open_loop(
    port: int, requests: list[bytes], rate: float, max_connections: int, timeout: float
) -> list[Result]:
    idle: list[tuple[float, asyncio.StreamReader, asyncio.StreamWriter]] = []  # since when
    opened = 0
    free = asyncio.Condition()
    results: list[Result] = [Result(0.0, math.nan, 0)] * len(requests)
    clock = time.perf_counter  # not loop.time(): uvloop's counts whole milliseconds
    start = clock() + 0.05

    async def connection():
        nonlocal opened
        async with free:
            while not idle and opened >= max_connections:
                await free.wait()
            while idle:
                since, reader, writer = idle.pop()
                if clock() - since < IDLE_REUSE:
                    return reader, writer
                opened -= 1  # the server may be closing it (keep-alive timeout): a new one
                writer.close()
            opened += 1
        try:
            return await asyncio.open_connection("127.0.0.1", port)
        except BaseException:
            async with free:
                opened -= 1
                free.notify()
            raise

    async def release(conn, reusable: bool):
        nonlocal opened
        async with free:
            if reusable:
                idle.append((clock(), *conn))
            else:
                opened -= 1
                conn[1].close()
            free.notify()

    async def one(i: int, due: float) -> None:
        conn = None
        try:
            async with asyncio.timeout(timeout):
                conn = await connection()
                conn[1].write(requests[i])
                status, location, close = await _read_response(conn[0])
            results[i] = Result(due - start, clock() - due, status, location)
            await release(conn, not close)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as error:
            results[i] = Result(due - start, math.nan, 0, error=type(error).__name__)
            if conn is not None:
                await release(conn, False)

    tasks = []
    for i in range(len(requests)):
        due = start + i / rate
        delay = due - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    for _since, _reader, writer in idle:
        writer.close()
    return results


@dataclass
class Run:
    results: list[Result]
    wall: float  # seconds from the first due time to the last answer
    client_cpu: float  # CPU seconds the generator itself used


def open_loop(
    port: int,
    requests: list[bytes],
    rate: float,
    *,
    max_connections: int = 256,
    timeout: float = 120.0,
) -> Run:
    """Send ``requests`` at ``rate`` per second (open loop) and time every answer."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    began = time.monotonic()
    # uvloop: the generator shares the machine with the server, and costs it half the CPU
    # of asyncio's own loop (0.14 against 0.25 ms per request, measured here)
    results = uvloop.run(_open_loop(port, requests, rate, max_connections, timeout))
    wall = time.monotonic() - began
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(results, wall, cpu)


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank) of ``values``."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def latency_line(latencies: list[float]) -> str:
    """Percentiles of the answered requests (failed ones have no latency)."""
    ms = [x * 1000 for x in latencies if not math.isnan(x)]
    return (
        f"p50 {percentile(ms, 50):.1f} ms, p95 {percentile(ms, 95):.1f} ms, "
        f"p99 {percentile(ms, 99):.1f} ms, max {max(ms, default=math.nan):.1f} ms"
    )
