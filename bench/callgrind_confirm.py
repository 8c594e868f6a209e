"""Instructions the web process spends on one ballot confirmation, counted by callgrind.

    python bench/callgrind_confirm.py [--warmup 30] [--confirmations 100]

The machine's speed varies by a third from minute to minute; instruction counts do not.
The confirmation POST of ``bench/load_ballots.py`` (same seed: a verified-voting process,
a knapsack budget of 30 projects, verified residents, session cookies and CSRF tokens
minted with the application's own code) is served in-process by the WSGI application, on
PostgreSQL, with rate limits off and receipts queued on Redis (``--broker``; only the first
confirmation queues a sending, so every run queues exactly one).

Two runs under ``valgrind --tool=callgrind``, each on a freshly seeded database (seeding
and minting happen in a process of their own, not counted): one serving ``W`` warm-up
confirmations, one serving ``W + K``. What they share (interpreter start, imports, the
application's creation, the first requests' compilations) cancels out in the difference;
``(I(W + K) - I(W)) / K`` is the cost of one warm confirmation. Each confirmation must be
answered with a 303 to the budget page.

``--gunicorn``: the same confirmations sent over HTTP to gunicorn (``gunicorn.conf.py``'s
settings, one worker of ``--threads`` threads) run under callgrind, so what the
in-process count leaves out (the HTTP server, its threads, the garbage collector of a
long-running worker) is counted too. One run: instrumentation starts off, is switched on
after the ``W`` warm-up confirmations (``callgrind_control``), and the worker's count is
dumped after the next ``K``: that count over ``K`` is the cost of a warm confirmation.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
import load_ballots


def prepare(database: str, count: int, state: Path) -> None:
    """Seed a fresh database and write ``count`` confirmation requests to ``state``."""
    rng = random.Random(2026)
    secret = secrets.token_hex(32)
    instance = tempfile.mkdtemp(prefix="participa-callgrind-")
    os.environ["PARTICIPA_INSTANCE_PATH"] = instance
    url = harness.fresh_database(database)
    from participa import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret, "CENSUS_SALT": secret})
    slug, budget_id, costs = load_ballots.seed(app, count, 30, rng)
    requests = []
    for cookie, token in harness.mint_sessions(app, list(range(1, count + 1))):
        chosen = load_ballots.selection(costs, 30_000_000, rng)
        body = urlencode([("csrf_token", token), *(("project", str(p)) for p in chosen)])
        requests.append((cookie, body))
    harness.analyze(url, load_ballots.ANALYZED)
    state.write_text(
        json.dumps(
            {
                "url": url,
                "secret": secret,
                "instance": instance,
                "path": f"/procesos/{slug}/presupuestos/{budget_id}/boleta/confirmar",
                "requests": requests,
            }
        )
    )


def serve(state_file: Path, count: int, broker: str) -> None:
    """Serve the first ``count`` confirmations of ``state_file`` in this process."""
    state = json.loads(state_file.read_text())
    os.environ["PARTICIPA_INSTANCE_PATH"] = state["instance"]
    os.environ["CELERY_BROKER_URL"] = broker  # read by the default configuration
    from participa import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": state["url"],
            "SECRET_KEY": state["secret"],
            "CENSUS_SALT": state["secret"],
            "RATELIMIT_ENABLED": False,
            # one sending queued by the first confirmation, none after: every run alike
            "NOTIFICATION_SEND_DELAY": 1e9,
        }
    )
    path = state["path"]
    statuses = []

    def start_response(status, _headers, _exc_info=None):
        statuses.append(status)

    for cookie, body in state["requests"][:count]:
        data = body.encode()
        environ = {
            "REQUEST_METHOD": "POST",
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1:8000",
            "HTTP_USER_AGENT": harness.USER_AGENT,
            "HTTP_COOKIE": f"session={cookie}",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(data)),
            "wsgi.input": io.BytesIO(data),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        response = app(environ, start_response)
        b"".join(response)
        getattr(response, "close", lambda: None)()
    refused = [s for s in statuses if not s.startswith("303")]
    if refused:
        sys.exit(f"{len(refused)} confirmations not accepted: {refused[:3]}")


def instructions(state: Path, count: int, broker: str, out: Path) -> int:
    """Instructions (callgrind's Ir) of a process serving ``count`` confirmations."""
    subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--serve",
            str(state),
            "--count",
            str(count),
            "--broker",
            broker,
        ],
        check=True,
        stderr=subprocess.DEVNULL,
    )
    totals = re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.MULTILINE)
    assert totals, out
    return int(totals.group(1))


def _post(conn: http.client.HTTPConnection, path: str, cookie: str, body: str) -> int:
    conn.request(
        "POST",
        path,
        body=body.encode(),
        headers={
            "Cookie": f"session={cookie}",
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": harness.USER_AGENT,
        },
    )
    response = conn.getresponse()
    response.read()
    return response.status


def _callgrind_control(*args: str) -> str:
    return subprocess.run(
        ["callgrind_control", *args], check=True, capture_output=True, text=True
    ).stdout


def gunicorn_instructions(
    state_file: Path, warmup: int, count: int, threads: int, broker: str, work: Path
) -> int:
    """Instructions of one gunicorn worker serving ``count`` confirmations over HTTP, after
    ``warmup`` uncounted ones."""
    state = json.loads(state_file.read_text())
    port = harness.free_port()
    root = Path(__file__).resolve().parents[1]
    env = {
        **os.environ,
        "DATABASE_URL": state["url"],
        "SECRET_KEY": state["secret"],
        "CENSUS_SALT": state["secret"],
        "PARTICIPA_INSTANCE_PATH": state["instance"],
        "CELERY_BROKER_URL": broker,
        "PARTICIPA_RATELIMIT_ENABLED": "false",
        "PARTICIPA_NOTIFICATION_SEND_DELAY": "1e9",  # one sending queued, as in-process
        "PARTICIPA_SQLALCHEMY_ENGINE_OPTIONS": json.dumps({"pool_size": threads}),
    }
    command = [
        "valgrind",
        "--tool=callgrind",
        "--trace-children=yes",
        "--instr-atstart=no",
        f"--callgrind-out-file={work}/gunicorn.%p.out",
        str(Path(sys.executable).parent / "gunicorn"),
        "--config",
        str(root / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--threads",
        str(threads),
        "--timeout",
        "600",
        "participa:create_app()",
    ]
    log = (work / "gunicorn.log").open("w")
    server = subprocess.Popen(
        command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                conn.request("GET", "/")
                conn.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError((work / "gunicorn.log").read_text()[-3000:]) from None
                time.sleep(1)
        path, requests = state["path"], state["requests"]
        statuses = [_post(conn, path, c, b) for c, b in requests[:warmup]]
        listing = _callgrind_control()
        workers = [int(pid) for pid in re.findall(r"PID (\d+)", listing) if int(pid) != server.pid]
        assert len(workers) == 1, listing
        worker = str(workers[0])
        _callgrind_control("--zero", worker)
        _callgrind_control("--instr=on", worker)
        statuses += [_post(conn, path, c, b) for c, b in requests[warmup : warmup + count]]
        _callgrind_control("--instr=off", worker)
        _callgrind_control("--dump=counted", worker)
        refused = [s for s in statuses if s != 303]
        if refused:
            sys.exit(f"{len(refused)} confirmations not accepted: {refused[:3]}")
    finally:
        os.killpg(server.pid, 15)
        server.wait()
    dumps = [p for p in work.glob(f"gunicorn.{worker}.out*") if "counted" in p.read_text()[:2000]]
    assert dumps, list(work.iterdir())
    totals = re.search(r"^totals: (\d+)", dumps[-1].read_text(), re.MULTILINE)
    assert totals, dumps[-1]
    return int(totals.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warmup", type=int, default=30, help="W: confirmations not counted")
    parser.add_argument("--confirmations", type=int, default=100, help="K: counted")
    parser.add_argument("--database", default="participa_bench_callgrind")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--gunicorn", action="store_true", help="count a gunicorn worker")
    parser.add_argument("--threads", type=int, default=2, help="the worker's (--gunicorn)")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.count, args.broker)
        return
    import redis

    print(harness.machine())
    work = Path(tempfile.mkdtemp(prefix="participa-callgrind-"))
    if args.gunicorn:
        w, k = args.warmup, args.confirmations
        state = work / "state.json"
        prepare(args.database, w + k, state)
        total = gunicorn_instructions(state, w, k, args.threads, args.broker, work)
        redis.Redis.from_url(args.broker).delete("celery")
        print(f"gunicorn, {k} confirmations: {total:,} instructions")
        print(f"per confirmation: {total / k / 1e6:.2f} M instructions (a gunicorn worker)")
        return
    counts = {}
    for n in (args.warmup, args.warmup + args.confirmations):
        state = work / f"state-{n}.json"
        prepare(args.database, n, state)
        counts[n] = instructions(state, n, args.broker, work / f"callgrind-{n}.out")
        redis.Redis.from_url(args.broker).delete("celery")
        print(f"{n} confirmations: {counts[n]:,} instructions")
    w, k = args.warmup, args.confirmations
    per = (counts[w + k] - counts[w]) / k
    print(f"per confirmation: {per / 1e6:.2f} M instructions ((I(W+K) - I(W)) / K, K={k})")


if __name__ == "__main__":
    main()
