"""Ballots under load: residents confirming their ballots through gunicorn and PostgreSQL.

    python bench/load_ballots.py [--rate 500] [--duration 30] [--voters 20000]
                                 [--workers W] [--threads T] [--worker-class gthread]
                                 [--pool-size 4] [--rate-limits]

1. A fresh PostgreSQL database (``participa_bench_ballots``, dropped and recreated next to
   ``BENCH_ADMIN_URL``, default ``postgresql://postgres@127.0.0.1/test``) migrated with
   Alembic; a process in its voting phase that asks voters to verify their residency, a
   knapsack budget of 30 projects, and ``--voters`` verified residents (bulk COPY; one
   password hash reused, since nobody logs in through the form).
2. Each resident's session cookie is minted with the application's own code (Flask-Login's
   ``login_user`` and Flask-WTF's ``generate_csrf`` in a request context, signed with the
   server's secret key), and the **confirmation POST** of a different valid ballot per
   resident (3 to 8 projects within the budget, with the CSRF token) is written out before
   the clock starts. CSRF protection stays on. Then every table is vacuumed and analyzed
   and a checkpoint is taken (``harness.settle``), so the setup's writes cost nothing
   during the run.
3. gunicorn (``--workers`` × ``--threads``) serves ``participa:create_app()`` on
   127.0.0.1 with the default configuration and Celery on Redis (``BENCH_BROKER``,
   default ``redis://127.0.0.1:6379/14``) as in production: the receipt of each ballot is
   a notification row, and each web process queues a sending of the pending ones at most
   twice a second (the "tasks queued"); no worker drains the queue during the run, and the
   queue is deleted afterwards. The per-account rate limits are off unless ``--rate-limits``
   (each voter confirms once, so they never refuse; on, they add a Redis round trip).
4. The open-loop generator of ``bench/harness.py`` sends one confirmation every
   ``1/--rate`` seconds for ``--warmup`` + ``--duration`` seconds (the warm-up is stored
   but not measured), each resident once. (Debian's ``wrk`` 4.1 is closed-loop, which
   hides queueing; ``wrk2`` is not packaged. The generator's own CPU is printed.) It
   prints the achieved rate, latency percentiles measured from each request's due time,
   errors, ballots accepted (303 to the budget page) against ballot rows, receipts,
   items and notifications in the database (must agree), the CPU used by gunicorn, by
   PostgreSQL for this database and by the generator, and the CPU other programs of the
   machine took meanwhile (measurements are only meaningful when that is small).

Exit status 1 if accepted ballots and stored ones differ or any request failed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import secrets
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

BROKER = os.environ.get("BENCH_BROKER", "redis://127.0.0.1:6379/14")  # a database of its own
ANALYZED = ("ballots", "ballot_items", "notifications")


def seed(app, voters: int, projects: int, rng: random.Random) -> tuple[str, int, dict[int, int]]:
    """The process, budget, projects and verified voters; (slug, budget id, costs)."""
    import psycopg
    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    from participa.budgets.services import create_budget, create_project
    from participa.db import utcnow
    from participa.extensions import db
    from participa.processes.services import add_phase, create_process

    with app.app_context():
        upgrade()
        process = create_process(
            title="Presupuesto participativo de prueba",
            slug="carga",
            description="",
            municipality="Prueba",
            district_id=None,
            published=True,
        )
        process.verification_to_vote = True
        budget = create_budget(
            process,
            title="Presupuesto municipal",
            amount=30_000_000,
            ballot_type="knapsack",
            max_projects=10,
        )
        for i in range(projects):
            create_project(
                budget,
                title=f"Proyecto {i + 1}",
                cost=rng.randint(5, 40) * 100_000,
                description="Una obra del presupuesto participativo. " * 5,
            )
        now = utcnow()
        add_phase(
            process,
            title="Votación",
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=30),
            allows_vote=True,
            reason="Fase de votación de la prueba de carga, abierta desde ayer.",
        )
        db.session.commit()
        costs = {p.id: p.cost for p in budget.projects}
        budget_id = budget.id
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        db.engine.dispose()

    password = generate_password_hash("bench-password-not-used")
    created = utcnow()
    with psycopg.connect(harness.libpq_url(url)) as conn, conn.cursor() as cur:
        with cur.copy("COPY identities (id, document_hash, created_at) FROM STDIN") as copy:
            for i in range(1, voters + 1):
                copy.write_row((i, f"{i:064x}", created))
        with cur.copy(
            "COPY users (id, email, name, password_hash, role, created_at, identity_id, "
            "email_confirmed_at) FROM STDIN"  # voting needs a confirmed e-mail
        ) as copy:
            for i in range(1, voters + 1):
                copy.write_row(
                    (
                        i,
                        f"vecina{i}@carga.example",
                        f"Vecina {i}",
                        password,
                        "resident",
                        created,
                        i,
                        created,
                    )
                )
        cur.execute("SELECT setval('identities_id_seq', %s)", (voters,))
        cur.execute("SELECT setval('users_id_seq', %s)", (voters,))
        conn.commit()
    with psycopg.connect(harness.libpq_url(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return "carga", budget_id, costs


def selection(costs: dict[int, int], amount: int, rng: random.Random) -> list[int]:
    """3 to 8 distinct projects whose total fits the budget."""
    ids = list(costs)
    while True:
        chosen = rng.sample(ids, rng.randint(3, 8))
        if sum(costs[i] for i in chosen) <= amount:
            return sorted(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=500.0, help="confirmations per second")
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds first")
    parser.add_argument("--voters", type=int, default=20_000)
    parser.add_argument("--projects", type=int, default=30)
    parser.add_argument("--workers", type=int, default=harness.GUNICORN["workers"])
    parser.add_argument("--threads", type=int, default=harness.GUNICORN["threads"])
    parser.add_argument(
        "--worker-class", default=harness.GUNICORN["worker_class"], choices=("gthread", "sync")
    )
    parser.add_argument(
        "--rate-limits",
        action="store_true",
        help="keep the per-account limits on (counted in Redis); each voter confirms once",
    )
    parser.add_argument("--pool-size", type=int, default=0, help="0: the threads per worker")
    parser.add_argument("--connections", type=int, default=256, help="most client connections")
    parser.add_argument("--database", default="participa_bench_ballots")
    args = parser.parse_args()

    needed = math.ceil(args.rate * (args.warmup + args.duration))
    if needed > args.voters:
        parser.error(f"{needed} confirmations need at least as many --voters")
    rng = random.Random(2026)
    secret = secrets.token_hex(32)
    instance = tempfile.mkdtemp(prefix="participa-bench-")
    os.environ["PARTICIPA_INSTANCE_PATH"] = instance
    url = harness.fresh_database(args.database)

    from participa import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret, "CENSUS_SALT": secret})
    began = time.perf_counter()
    slug, budget_id, costs = seed(app, args.voters, args.projects, rng)
    seeded = time.perf_counter() - began
    path = f"/procesos/{slug}/presupuestos/{budget_id}/boleta/confirmar"
    accepted_location = f"/procesos/{slug}/presupuestos/{budget_id}/"

    server = harness.Server(
        env={
            "DATABASE_URL": url,
            "SECRET_KEY": secret,
            "CENSUS_SALT": secret,
            "PARTICIPA_INSTANCE_PATH": instance,
            "CELERY_BROKER_URL": BROKER,
            "PARTICIPA_RATELIMIT_ENABLED": "true" if args.rate_limits else "false",
            "PARTICIPA_SQLALCHEMY_ENGINE_OPTIONS": json.dumps(
                {
                    "pool_size": args.pool_size or args.threads,
                    "max_overflow": 2,
                }
            ),
        },
        workers=args.workers,
        threads=args.threads,
        worker_class=args.worker_class,
    )
    began = time.perf_counter()
    voters = list(range(1, needed + 1))
    rng.shuffle(voters)
    requests = []
    for cookie, token in harness.mint_sessions(app, voters):
        body = urlencode(
            [
                ("csrf_token", token),
                *(("project", str(p)) for p in selection(costs, 30_000_000, rng)),
            ]
        ).encode()
        requests.append(
            harness.http_request("POST", path, server.port, cookie=f"session={cookie}", body=body)
        )
    prepared = time.perf_counter() - began
    harness.settle(url)

    import redis

    queue = redis.Redis.from_url(BROKER)
    queue.delete("celery")  # only the tasks this run queues are counted
    log_path = Path(instance) / "gunicorn.log"
    server.start(log_path)
    try:
        server.warm(["/", f"/procesos/{slug}/presupuestos/{budget_id}/"])
        cpu_web, cpu_pg = server.cpu_seconds(), harness.postgres_cpu(args.database)
        busy, before = harness.machine_busy_seconds(), harness.machine()
        # Autovacuum analyzes a table within a minute once 50 rows and a tenth of it have
        # changed; a run is shorter than that, so the end of the warm-up stands for it.
        # Without it PostgreSQL keeps the plans it made while the tables were empty: the
        # foreign-key checks of the ballot items read the ballots table row by row.
        analyze = threading.Timer(args.warmup, harness.analyze, (url, ANALYZED))
        analyze.start()
        run = harness.open_loop(server.port, requests, args.rate, max_connections=args.connections)
        analyze.join()
        busy = harness.machine_busy_seconds() - busy
        cpu_web = server.cpu_seconds() - cpu_web
        cpu_pg = harness.cpu_since(cpu_pg, harness.postgres_cpu(args.database))
    finally:
        server.stop()

    import psycopg

    with psycopg.connect(harness.libpq_url(url)) as conn:
        stored = conn.execute("SELECT count(*) FROM ballots WHERE budget_id = %s", (budget_id,))
        stored = stored.fetchone()[0]
        items = conn.execute("SELECT count(*) FROM ballot_items").fetchone()[0]
        receipts = conn.execute(
            "SELECT count(*) FROM ballots WHERE receipt_hash IS NOT NULL"
        ).fetchone()[0]
        notes = conn.execute("SELECT count(*) FROM notifications").fetchone()[0]
    queued = queue.llen("celery")
    queue.delete("celery", *queue.scan_iter("participa-rl*"))  # tasks and rate-limit counters

    ok = [r.status == 303 and r.location.endswith(accepted_location) for r in run.results]
    accepted = [r for r, good in zip(run.results, ok, strict=True) if good]
    failed = [r for r, good in zip(run.results, ok, strict=True) if not good]
    measured = [(r, good) for r, good in zip(run.results, ok, strict=True) if r.due >= args.warmup]
    expected_items = sum(
        req.count(b"&project=") for req, good in zip(requests, ok, strict=True) if good
    )
    statuses: dict[int | str, int] = {}
    for r in failed:
        statuses[r.status or r.error] = statuses.get(r.status or r.error, 0) + 1

    print(f"Ballot confirmations under load ({before} before the run)")
    print(
        f"  setup     : {args.voters:,} verified residents, {len(costs)} projects, knapsack; "
        f"seeded in {seeded:.1f} s, {len(requests):,} requests prepared in {prepared:.1f} s"
    )
    print(
        f"  server    : gunicorn {args.workers} workers x {args.threads} threads "
        f"({args.worker_class}), "
        f"SQLAlchemy pool {args.pool_size or args.threads}/worker, Celery on Redis, CSRF on, "
        f"rate limits {'on' if args.rate_limits else 'off'}, synchronous_commit on"
    )
    span = args.duration
    print(
        f"  load      : open loop at {args.rate:.0f}/s, {args.warmup:.0f} s warm-up + "
        f"{span:.0f} s measured; {len(measured):,} measured requests"
    )
    ok_measured = [r for r, good in measured if good]
    last = max((r.due + r.latency for r, _good in measured if not math.isnan(r.latency)), default=0)
    achieved = len(ok_measured) / max(last - args.warmup, 1e-9)
    print(f"  achieved  : {achieved:.0f} accepted ballots/s over the measured window")
    print(f"  latency   : {harness.latency_line([r.latency for r in ok_measured])}")
    print(f"  errors    : {len(failed)} {statuses or ''}")
    print(
        f"  ballots   : {len(accepted):,} accepted by HTTP, {stored:,} stored, "
        f"{receipts:,} with a receipt hash, {items:,} items (expected {expected_items:,}), "
        f"{notes:,} notifications, {queued:,} tasks queued"
    )
    total = run.wall
    print(
        f"  CPU       : gunicorn {cpu_web:.1f} s, PostgreSQL {cpu_pg:.1f} s, generator "
        f"{run.client_cpu:.1f} s over {total:.1f} s wall "
        f"({(cpu_web + cpu_pg + run.client_cpu) / total * 100:.0f}% of one core); "
        f"per stored ballot {cpu_web / max(stored, 1) * 1000:.2f} ms web + "
        f"{cpu_pg / max(stored, 1) * 1000:.2f} ms database"
    )
    others = max(busy - cpu_web - cpu_pg - run.client_cpu, 0.0)
    print(
        f"  machine   : {busy / total / (os.cpu_count() or 1) * 100:.0f}% busy during the run; "
        f"{others:.1f} s of CPU went to other programs"
    )
    consistent = len(accepted) == stored == receipts == notes and items == expected_items
    print(f"  verdict   : {'consistent' if consistent else 'INCONSISTENT'}")
    if not consistent or failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
