"""The proposal list of a process with 10,000 proposals, through gunicorn and PostgreSQL.

    python bench/proposal_list.py [--proposals 10000] [--requests 1500] [--rate 50]
                                  [--workers W] [--threads T]

1. A fresh PostgreSQL database (``participa_bench_proposals``, next to ``BENCH_ADMIN_URL``,
   default ``postgresql://postgres@127.0.0.1/test``) migrated with Alembic, then by COPY:
   101 districts (a municipality, 10 sectors, 90 colonias), 20,000 residents, one process in
   its supports phase with ``--proposals`` proposals (every state, 1 % hidden by
   moderation, 9 categories, 80 % in a colonia), supports (a long-tailed number per
   proposal; ``supports_count`` agrees with the rows), and 3 comments per proposal on
   average.
2. gunicorn serves ``participa:create_app()`` on 127.0.0.1; the open-loop generator of
   ``bench/harness.py`` requests, in a shuffled order, the list's first page, a page in
   the middle, a search, a district filter and the sort by supports, half anonymously and
   half as signed-in residents (whose page also says which proposals they support and
   carries a support button with its CSRF token per card). Every answer must be a 200.
3. It prints p50/p95/p99/max per kind of page and overall (from each request's due time),
   the achieved rate, and the SQL statements of one signed-in request of each kind
   (counted with an SQLAlchemy event in a test client before the run, which also checks
   that each page lists proposals).
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness

FILLER = (
    "la el de en para con por que una un los las del al más sin sobre entre hacia desde "
    "calle avenida esquina cuadra barrio colonia vecinos vecinas familias niñas niños "
    "jóvenes personas mayores escuela mercado iglesia centro norte sur oriente poniente "
    "mejorar construir reparar ampliar limpiar pintar instalar cambiar cuidar abrir "
    "nuevo nueva seguro segura limpio amplia cerca lejos tarde noche mañana fin semana "
    "todos días años meses proyecto propuesta espacio lugar zona área obra servicio "
    "ciudad municipio gobierno comunidad grupo comité asamblea reunión apoyo ayuda "
    "agua luz camino paso puente muro techo piso reja puerta banca mesa sombra "
    "verde azul grande pequeño alto bajo viejo útil bonito tranquilo peligroso oscuro"
)
WORDS = FILLER.split()
# Each proposal names one or two topics; a search for one finds 2 to 5 % of them.
TOPIC_WORDS = (
    "parque banqueta alumbrado luminarias arbolado huerto ciclovía cruce biblioteca cancha "
    "techado consultorio drenaje bacheo rampa plaza juegos gimnasio taller murales "
    "reciclaje composta transporte parada semáforo vigilancia pavimentación jardín "
    "polinizadores bebederos sanitarios skatepark foro teatro museo guardería comedor "
    "lavaderos estacionamiento mirador huerta"
)
TOPICS = TOPIC_WORDS.split()
STATES = ["submitted"] * 60 + ["evaluating"] * 10 + ["accepted"] * 15 + ["rejected"] * 10
STATES += ["withdrawn"] * 5
SEARCH = "composta"


def text(rng: random.Random, words: int, topics: int = 0) -> str:
    chosen = [rng.choice(WORDS) for _ in range(words)]
    for _ in range(topics):
        chosen.insert(rng.randrange(len(chosen) + 1), rng.choice(TOPICS))
    return " ".join(chosen)


def seed(url: str, proposals: int, residents: int, rng: random.Random) -> dict:
    """Everything the list shows; returns what the requests need to know."""
    import psycopg
    from flask_migrate import upgrade
    from werkzeug.security import generate_password_hash

    from participa import create_app
    from participa.db import utcnow
    from participa.extensions import db
    from participa.processes.services import add_phase, create_process
    from participa.proposals.models import CATEGORIES

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "seed-only", "CENSUS_SALT": "seed-only"}
    )
    with app.app_context():
        upgrade()
        process = create_process(
            title="Propuestas 2027",
            slug="lista",
            description="",
            municipality="Prueba",
            district_id=None,
            published=True,
        )
        now = utcnow()
        add_phase(
            process,
            title="Propuestas y apoyos",
            starts_at=now - timedelta(days=60),
            ends_at=now + timedelta(days=30),
            allows_propose=True,
            allows_support=True,
            allows_comment=True,
        )
        db.session.commit()
        process_id = process.id
        db.engine.dispose()

    password = generate_password_hash("bench-password-not-used")
    categories = list(CATEGORIES)
    created = now - timedelta(days=60)
    with psycopg.connect(harness.libpq_url(url)) as conn, conn.cursor() as cur:
        with cur.copy("COPY districts (id, name, parent_id, level) FROM STDIN") as copy:
            copy.write_row((1, "Municipio de Prueba", None, "municipality"))
            for s in range(10):
                copy.write_row((2 + s, f"Sector {s + 1}", 1, "sector"))
            for c in range(90):
                copy.write_row((12 + c, f"Colonia {c + 1}", 2 + c % 10, "colonia"))
        with cur.copy(
            "COPY users (id, email, name, password_hash, role, created_at, district_id) FROM STDIN"
        ) as copy:
            for i in range(1, residents + 1):
                copy.write_row(
                    (
                        i,
                        f"vecino{i}@lista.example",
                        f"Vecino {i}",
                        password,
                        "resident",
                        created,
                        rng.randint(12, 101),
                    )
                )
        supports: list[tuple[int, int]] = []
        with cur.copy(
            "COPY proposals (id, process_id, author_id, district_id, title, body, category,"
            " cost_estimate, state, supports_count, created_at, hidden_at, reports_count)"
            " FROM STDIN"
        ) as copy:
            for i in range(1, proposals + 1):
                count = min(int(rng.paretovariate(1.1)) - 1, residents)
                supporters = rng.sample(range(1, residents + 1), count) if count else []
                supports += [(i, u) for u in supporters]
                at = created + timedelta(seconds=i * 60 * 60 * 24 * 59 / proposals)
                copy.write_row(
                    (
                        i,
                        process_id,
                        rng.randint(1, residents),
                        rng.randint(12, 101) if rng.random() < 0.8 else None,
                        text(rng, rng.randint(3, 8), 1).capitalize()[:150],
                        text(rng, rng.randint(40, 120), rng.randint(0, 2)),
                        rng.choice(categories),
                        rng.randint(1, 500) * 10_000,
                        rng.choice(STATES),
                        count,
                        at,
                        at + timedelta(hours=1) if rng.random() < 0.01 else None,
                        0,
                    )
                )
        with cur.copy("COPY supports (proposal_id, user_id, created_at) FROM STDIN") as copy:
            for proposal_id, user_id in supports:
                copy.write_row((proposal_id, user_id, now))
        with cur.copy(
            "COPY comments (target_type, target_id, author_id, body, created_at, reports_count)"
            " FROM STDIN"
        ) as copy:
            for i in range(1, proposals + 1):
                for _ in range(rng.choice((0, 0, 1, 2, 3, 4, 5, 8))):
                    copy.write_row(
                        ("proposal", i, rng.randint(1, residents), text(rng, 30), now, 0)
                    )
        for table, top in (("districts", 101), ("users", residents), ("proposals", proposals)):
            cur.execute(f"SELECT setval('{table}_id_seq', %s)", (top,))
        conn.commit()
    with psycopg.connect(harness.libpq_url(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return facts(url)


def facts(url: str) -> dict:
    """What the requests and the report need to know about the seeded database."""
    import psycopg

    with psycopg.connect(harness.libpq_url(url)) as conn:
        visible = conn.execute(
            "SELECT count(*) FROM proposals WHERE hidden_at IS NULL AND state <> 'withdrawn'"
        ).fetchone()[0]
        district = conn.execute(
            "SELECT district_id FROM proposals WHERE district_id IS NOT NULL"
            " GROUP BY district_id ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]
        supports = conn.execute("SELECT count(*) FROM supports").fetchone()[0]
        comments = conn.execute("SELECT count(*) FROM comments").fetchone()[0]
    return {
        "supports": supports,
        "comments": comments,
        "visible": visible,
        "district": district,
    }


def pages(slug: str, visible: int, per_page: int, district: int) -> dict[str, str]:
    base = f"/procesos/{slug}/propuestas/"
    middle = max(1, (visible // per_page) // 2)
    return {
        "first page": base,
        "middle page": f"{base}?page={middle}",
        "search": f"{base}?q={SEARCH}",
        "district": f"{base}?distrito={district}",
        "by supports": f"{base}?orden=apoyos",
    }


def statements_per_page(app, paths: dict[str, str], cookie: str) -> dict[str, int]:
    """SQL statements one signed-in request of each kind runs (test client)."""
    from sqlalchemy import event

    from participa.extensions import db

    counts = {}
    with app.app_context():
        engine = db.engine
    seen = [0]

    def count(*_args):
        seen[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    client = app.test_client()
    client.set_cookie("session", cookie, domain="localhost")
    for name, path in paths.items():
        seen[0] = 0
        response = client.get(
            path,
            headers={"User-Agent": harness.USER_AGENT},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        )
        assert response.status_code == 200, (path, response.status_code)
        assert b'data-testid="proposal-card"' in response.data, path
        counts[name] = seen[0]
    event.remove(engine, "before_cursor_execute", count)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--rate", type=float, default=50.0, help="requests per second")
    parser.add_argument("--workers", type=int, default=harness.GUNICORN["workers"])
    parser.add_argument("--threads", type=int, default=harness.GUNICORN["threads"])
    parser.add_argument("--database", default="participa_bench_proposals")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database of the previous run"
    )
    args = parser.parse_args()

    rng = random.Random(2027)
    secret = secrets.token_hex(32)
    instance = tempfile.mkdtemp(prefix="participa-bench-")
    os.environ["PARTICIPA_INSTANCE_PATH"] = instance
    began = time.perf_counter()
    if args.reuse:
        url = harness.database_url(args.database)
        seeded = facts(url)
    else:
        url = harness.fresh_database(args.database)
        seeded = seed(url, args.proposals, args.residents, rng)
    seed_s = time.perf_counter() - began

    from participa import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": secret,
            "CENSUS_SALT": secret,
            "RATELIMIT_ENABLED": False,
        }
    )
    per_page = app.config["PROPOSALS_PER_PAGE"]
    paths = pages("lista", seeded["visible"], per_page, seeded["district"])
    signed_in = rng.sample(range(1, args.residents + 1), 200)
    cookies = [cookie for cookie, _token in harness.mint_sessions(app, signed_in)]
    statements = statements_per_page(app, paths, cookies[0])
    with app.app_context():
        from participa.extensions import db

        db.engine.dispose()

    server = harness.Server(
        env={
            "DATABASE_URL": url,
            "SECRET_KEY": secret,
            "CENSUS_SALT": secret,
            "PARTICIPA_INSTANCE_PATH": instance,
            "PARTICIPA_RATELIMIT_ENABLED": "false",
        },
        workers=args.workers,
        threads=args.threads,
    )
    kinds = [name for name in paths for _ in range(args.requests // len(paths) + 1)]
    kinds = kinds[: args.requests]
    rng.shuffle(kinds)
    requests = []
    for i, kind in enumerate(kinds):
        cookie = f"session={cookies[i % len(cookies)]}" if i % 2 else ""
        requests.append(harness.http_request("GET", paths[kind], server.port, cookie=cookie))

    server.start(Path(instance) / "gunicorn.log")
    try:
        server.warm(list(paths.values()), rounds=6)
        cpu_web, cpu_pg = server.cpu_seconds(), harness.postgres_cpu(args.database)
        busy, before = harness.machine_busy_seconds(), harness.machine()
        run = harness.open_loop(server.port, requests, args.rate)
        busy = harness.machine_busy_seconds() - busy
        cpu_web = server.cpu_seconds() - cpu_web
        cpu_pg = harness.cpu_since(cpu_pg, harness.postgres_cpu(args.database))
    finally:
        server.stop()

    failed = [r for r in run.results if r.status != 200]
    print(f"Proposal list of one process ({before} before the run)")
    print(
        f"  data      : {args.proposals:,} proposals ({seeded['visible']:,} listed), "
        f"{seeded['supports']:,} supports, {seeded['comments']:,} comments, 101 districts, "
        f"{args.residents:,} residents; seeded in {seed_s:.1f} s"
    )
    print(
        f"  server    : gunicorn {args.workers} workers x {args.threads} threads (gthread); "
        f"{per_page} proposals per page"
    )
    print(
        f"  load      : {len(requests):,} requests, open loop at {args.rate:.0f}/s, "
        f"half signed in; {len(requests) / run.wall:.0f}/s achieved"
    )
    for name, path in paths.items():
        latencies = [r.latency for r, kind in zip(run.results, kinds, strict=True) if kind == name]
        print(
            f"  {name:<12}: {harness.latency_line(latencies)}; {statements[name]} SQL "
            f"statements  ({path})"
        )
    ok = [r.latency for r in run.results if r.status == 200]
    print(f"  all         : {harness.latency_line(ok)}")
    others = max(busy - cpu_web - cpu_pg - run.client_cpu, 0.0)
    print(
        f"  errors      : {len(failed)}; CPU per request {cpu_web / len(requests) * 1000:.1f} ms "
        f"gunicorn + {cpu_pg / len(requests) * 1000:.1f} ms PostgreSQL; machine "
        f"{busy / run.wall / (os.cpu_count() or 1) * 100:.0f}% busy, {others:.1f} s of CPU "
        f"to other programs"
    )
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
