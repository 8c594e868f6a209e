"""Publication benchmark: the open data of a million ballots published with flat memory.

    python bench/publish_memory.py [--ballots 1000000] [--projects 200] [--keep]

1. Setup (:func:`closed_budget`, fast: ``INSERT ... SELECT generate_series`` in
   PostgreSQL): a database of its own (``participa_bench_publish``, dropped at the end
   unless ``--keep``) with one approval budget of ``--projects`` projects and ``--ballots``
   ballots of 1 to 6 projects each (popular projects more often), voting closed, a results
   phase open, an official tally stored: its open data publish the ballots and a ``.pb``.
2. Each measurement is one child process publishing the process's open data
   (``participa.opendata.services.publish``: every dataset as CSV and JSON, the ``.pb``,
   the data package) into a temporary instance folder, then rolling back. The parent
   reads the child's wall time and peak resident memory (``ru_maxrss`` from ``wait4``):
   **before**, the ``.pb`` built whole in memory as it was (``dump(export_pb(budget))``),
   and **after**, streamed (``PbStream``). Both publications must have the same files,
   byte for byte (the same fingerprint and ``.pb`` sha256).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.harness import database_url, drop_database, fresh_database  # noqa: E402

DB_NAME = "participa_bench_publish"


def closed_budget(url: str, ballots: int, projects: int) -> int:
    """Build the budget in the (fresh) database at ``url``; its id."""
    os.environ["DATABASE_URL"] = url
    from datetime import timedelta

    from flask_migrate import upgrade
    from sqlalchemy import text

    from participa import create_app
    from participa.budgets.services import create_budget
    from participa.db import utcnow
    from participa.extensions import db
    from participa.processes.services import add_phase, create_process
    from participa.results.services import request_tally
    from participa.results.tasks import run_tally

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
        now = utcnow()
        add_phase(
            process,
            title="Votación",
            starts_at=now - timedelta(days=30),
            ends_at=now - timedelta(days=2),
            allows_vote=True,
            reason="Benchmark: historia de un proceso",
        )
        add_phase(
            process,
            title="Resultados",
            starts_at=now - timedelta(days=2),
            ends_at=now + timedelta(days=300),
            shows_results=True,
            reason="Benchmark: historia de un proceso",
        )
        params = {"b": budget.id, "n": ballots, "p": projects}
        db.session.execute(
            text(
                "INSERT INTO projects (budget_id, position, title, description, cost, created_at)"
                " SELECT :b, g, 'Proyecto ' || g, '', (50 + (g * 7919) % 1450) * 1000, now()"
                " FROM generate_series(1, :p) g"
            ),
            params,
        )
        db.session.execute(
            text(
                "INSERT INTO ballots (budget_id, voter_ref, public_id, receipt_hash, channel,"
                " created_at, updated_at)"
                " SELECT :b, 'v' || g, substr(md5(g::text), 1, 16),"
                " encode(sha256(g::text::bytea), 'hex'), 'import',"
                " timestamp '2026-01-01' + g * interval '1 second',"
                " timestamp '2026-01-01' + g * interval '1 second'"
                " FROM generate_series(1, :n) g"
            ),
            params,
        )
        # 1 to 6 projects a ballot; project k of the list drawn as floor(p * u^2): skewed
        db.session.execute(
            text(
                "INSERT INTO ballot_items (ballot_id, project_id, budget_id)"
                " SELECT DISTINCT b.id, pr.ids[1 + floor(:p * power("
                "   (abs(hashtext(b.id || ':' || k)) % 1000003) / 1000003.0, 2))::int], :b"
                " FROM ballots b"
                " CROSS JOIN (SELECT array_agg(id ORDER BY position) AS ids FROM projects"
                "             WHERE budget_id = :b) pr"
                " CROSS JOIN LATERAL generate_series(1, 1 + b.id % 6) k"
                " WHERE b.budget_id = :b"
            ),
            params,
        )
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        budget_id = budget.id
        run = request_tally(budget)
        db.session.commit()
        run_tally(run.id)
    return budget_id


class _WholePb:
    """The ``.pb`` as publications wrote it before: the whole file built in memory."""

    def __init__(self, budget) -> None:
        self.budget, self.votes = budget, 0

    def __iter__(self):
        from participa.interop.pabulib import export_pb
        from participa.tallying.pabulib import dump

        pb = export_pb(self.budget)
        self.votes = len(pb.votes)
        yield dump(pb)


def publish_child(url: str, way: str) -> None:
    """Publish in this process (``way``: before or after), print what was published."""
    os.environ["DATABASE_URL"] = url
    instance = tempfile.mkdtemp(prefix="bench-publish-")
    os.environ["PARTICIPA_INSTANCE_PATH"] = instance
    from sqlalchemy import select

    from participa import create_app
    from participa.extensions import db
    from participa.opendata import services
    from participa.processes.models import Process

    if way == "before":
        services.PbStream = _WholePb  # type: ignore[misc,assignment]
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        process = db.session.scalar(select(Process).where(Process.slug == "bench"))
        publication = services.publish(process, "manual")
        files = {f["name"]: f for f in publication.files}
        pb = next(f for name, f in files.items() if name.endswith(".pb"))
        print(
            json.dumps(
                {
                    "fingerprint": publication.fingerprint,
                    "pb_sha256": pb["sha256"],
                    "pb_mb": round(pb["bytes"] / 1e6, 1),
                    "votes": pb["rows"],
                    "files_mb": round(sum(f["bytes"] for f in files.values()) / 1e6, 1),
                }
            )
        )
        db.session.rollback()
    shutil.rmtree(instance, ignore_errors=True)


def measure(url: str, way: str) -> dict:
    """Run :func:`publish_child` in a child; its figures, wall time and peak RSS."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, __file__, "--database-url", url, "child", way],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    out = child.stdout.read() if child.stdout else ""
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"the {way} publication failed ({status})")
    figures = json.loads(out.strip().splitlines()[-1])
    return figures | {"seconds": seconds, "peak_mb": usage.ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="the kept database, as it is")
    parser.add_argument("--database-url", default=None, help=argparse.SUPPRESS)
    parser.add_argument("child", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        publish_child(args.database_url, args.child[1])
        return
    url = database_url(DB_NAME) if args.reuse else fresh_database(DB_NAME)
    try:
        if not args.reuse:
            start = time.perf_counter()
            closed_budget(url, args.ballots, args.projects)
            print(
                f"Setup: {args.ballots:,} ballots x {args.projects} projects, tallied, "
                f"in {time.perf_counter() - start:.0f} s"
            )
        results = {way: measure(url, way) for way in ("after", "before")}
        for way in ("before", "after"):
            r = results[way]
            print(
                f"  {way:>6}: {r['seconds']:6.1f} s, peak RSS {r['peak_mb']:6.0f} MB "
                f"(.pb {r['pb_mb']} MB, {r['votes']:,} votes; all files {r['files_mb']} MB)"
            )
        same = all(
            results["before"][k] == results["after"][k] for k in ("fingerprint", "pb_sha256")
        )
        print(f"  same files byte for byte: {'yes' if same else 'NO'}")
        if not same:
            raise SystemExit(1)
    finally:
        if not args.keep:
            drop_database(DB_NAME)


if __name__ == "__main__":
    main()
