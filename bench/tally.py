"""Tally benchmark: Participa against pabutools, and greedy on a million ballots.

    python bench/tally.py [--skip-pabutools] [--ballots 1000000] [--database-url URL]

Each measurement runs in a fresh Python process and reports its wall time and peak
resident memory (VmHWM), so one measurement cannot inflate another's memory figure.

1. Poland_Lodz_2022.pb (90,494 voters, 160 projects): Method of Equal Shares with Add1
   completion, Participa (exact rationals) and pabutools (same definition), same run.
2. A synthetic approval budget with 1,000,000 ballots and 200 projects in PostgreSQL:
   the greedy tally from the database to the stored outcome (``run_tally``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LODZ = (
    Path(os.environ.get("PARTICIPA_PABULIB_DIR", ROOT.parent / "shared" / "pabulib"))
    / "Poland_Lodz_2022.pb"
)
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/participa_bench"


def peak_mb() -> float:
    """Peak resident memory of this process, in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def report(**figures) -> None:
    figures["peak_mb"] = round(peak_mb(), 1)
    print(json.dumps(figures))


# ── measurements (each runs in its own process) ──────────────────────────────────────


def lodz_participa() -> None:
    sys.path.insert(0, str(ROOT))
    from participa.tallying import tally
    from participa.tallying.pabulib import read, to_election

    start = time.perf_counter()
    election = to_election(read(LODZ))
    parsed = time.perf_counter()
    outcome = tally(election, "equalshares/add1")
    done = time.perf_counter()
    report(
        parse_s=round(parsed - start, 3),
        tally_s=round(done - parsed, 3),
        selected=sorted(map(str, outcome.selected)),
    )


def lodz_pabutools() -> None:
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import method_of_equal_shares

    start = time.perf_counter()
    instance, profile = parse_pabulib(str(LODZ))
    parsed = time.perf_counter()
    outcome = method_of_equal_shares(
        instance, profile.as_multiprofile(), sat_class=Cost_Sat, voter_budget_increment=1
    )
    done = time.perf_counter()
    report(
        parse_s=round(parsed - start, 3),
        tally_s=round(done - parsed, 3),
        selected=sorted(p.name for p in outcome),
    )


def million_setup(url: str, ballots: int) -> None:
    """Create the database with one budget of 200 projects and ``ballots`` ballots."""
    import psycopg
    from sqlalchemy import create_engine, make_url, text

    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = make_url(url).database
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    os.environ["DATABASE_URL"] = url
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade

    from participa import create_app
    from participa.budgets.services import create_budget
    from participa.extensions import db
    from participa.processes.services import create_process

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        process = create_process(
            title="Bench",
            slug="bench",
            description="",
            municipality="Bench",
            district_id=None,
            published=True,
        )
        budget = create_budget(
            process, title="Un millón", amount=50_000_000, ballot_type="approval", max_projects=10
        )
        db.session.commit()
        budget_id = budget.id
    rng = random.Random(1)
    pg = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(pg) as conn, conn.cursor() as cur:
        costs = [rng.randint(50, 1500) * 1000 for _ in range(200)]
        with cur.copy(
            "COPY projects (budget_id, position, title, description, cost, created_at) FROM STDIN"
        ) as copy:
            for i, cost in enumerate(costs):
                copy.write_row((budget_id, i, f"Proyecto {i}", "", cost, "2026-01-01"))
        cur.execute("SELECT id FROM projects WHERE budget_id = %s ORDER BY position", (budget_id,))
        project_ids = [row[0] for row in cur.fetchall()]
        weights = [rng.paretovariate(1.2) for _ in project_ids]
        with cur.copy(
            "COPY ballots (id, budget_id, voter_ref, public_id, channel, created_at,"
            " updated_at) FROM STDIN"
        ) as copy:
            for b in range(1, ballots + 1):
                copy.write_row(
                    (b, budget_id, f"v{b}", f"{b:016x}", "import", "2026-01-01", "2026-01-01")
                )
        with cur.copy("COPY ballot_items (ballot_id, project_id, budget_id) FROM STDIN") as copy:
            for b in range(1, ballots + 1):
                for pid in set(rng.choices(project_ids, weights, k=rng.randint(1, 10))):
                    copy.write_row((b, pid, budget_id))
        cur.execute("SELECT setval('ballots_id_seq', %s)", (ballots,))
        conn.commit()
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE ballot_items")
        conn.execute("VACUUM ANALYZE ballots")
    print(json.dumps({"budget_id": budget_id}))


def million_tally(url: str, budget_id: int) -> None:
    os.environ["DATABASE_URL"] = url
    sys.path.insert(0, str(ROOT))
    from participa import create_app
    from participa.budgets.models import Budget
    from participa.extensions import db
    from participa.results.services import request_tally
    from participa.results.tasks import run_tally

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        budget = db.session.get(Budget, budget_id)
        run = request_tally(budget)
        db.session.commit()
        start = time.perf_counter()
        run = run_tally(run.id)
        elapsed = time.perf_counter() - start
        report(
            tally_s=round(elapsed, 3),
            ballots=run.ballots_counted,
            selected=len(run.selected),
            status=run.status,
        )


# ── orchestration ────────────────────────────────────────────────────────────────────


def child(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-pabutools", action="store_true")
    parser.add_argument("--skip-million", action="store_true")
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("measure", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:  # running as a child
        {
            "lodz-participa": lambda: lodz_participa(),
            "lodz-pabutools": lambda: lodz_pabutools(),
            "million-setup": lambda: million_setup(args.database_url, args.ballots),
            "million-tally": lambda: million_tally(args.database_url, int(args.measure[1])),
        }[args.measure[0]]()
        return

    print(f"Łódź 2022 ({LODZ.name}), Method of Equal Shares with Add1 completion")
    ours = child("lodz-participa")
    print(
        f"  Participa : parse {ours['parse_s']:.2f} s, tally {ours['tally_s']:.2f} s, "
        f"peak {ours['peak_mb']:.0f} MB, {len(ours['selected'])} projects funded"
    )
    if not args.skip_pabutools:
        theirs = child("lodz-pabutools")
        print(
            f"  pabutools : parse {theirs['parse_s']:.2f} s, tally {theirs['tally_s']:.2f} s, "
            f"peak {theirs['peak_mb']:.0f} MB, {len(theirs['selected'])} projects funded"
        )
        print(
            f"  ratio     : tally {theirs['tally_s'] / ours['tally_s']:.0f}x faster, "
            f"memory {theirs['peak_mb'] / ours['peak_mb']:.1f}x smaller; same outcome: "
            f"{ours['selected'] == theirs['selected']}"
        )
    if args.skip_million:
        return
    print(f"Greedy on {args.ballots:,} approval ballots, 200 projects, PostgreSQL → stored result")
    setup = child(
        "million-setup", "--ballots", str(args.ballots), "--database-url", args.database_url
    )
    result = child("million-tally", str(setup["budget_id"]), "--database-url", args.database_url)
    print(
        f"  Participa : {result['tally_s']:.2f} s for {result['ballots']:,} ballots "
        f"({result['selected']} funded, {result['status']}), peak {result['peak_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
