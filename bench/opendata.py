"""Open data benchmark: one million ballots exported to CSV with flat memory.

    python bench/opendata.py [--ballots 1000000] [--database-url URL] [--skip-setup]

1. Setup (``bench/tally.py``'s ``million_setup``, by COPY): a PostgreSQL database with one
   approval budget of 200 projects and ``--ballots`` ballots; then its voting is moved into
   the past, a results phase is opened and a receipt hash is given to every ballot, so that
   the open data publish the ballots.
2. Each measurement runs in a fresh Python process: the ``boletas`` dataset of
   ``participa.opendata.rows`` (keyset pagination on the random public id, batches of
   10,000 ballots) written as CSV to /dev/null by ``participa.opendata.services.csv_chunks``,
   the code that writes ``boletas.csv`` of each published version. It prints rows per
   second and the peak resident memory (VmHWM), for a tenth of the ballots and for all of
   them: equal peaks mean memory does not grow with the number of ballots.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/participa_bench_opendata"


def _tally_bench():
    spec = importlib.util.spec_from_file_location("bench_tally", ROOT / "bench" / "tally.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def setup(url: str, ballots: int) -> None:
    _tally_bench().million_setup(url, ballots)  # prints {"budget_id": ...}
    os.environ["DATABASE_URL"] = url
    sys.path.insert(0, str(ROOT))
    from datetime import timedelta

    from sqlalchemy import select, text

    from participa import create_app
    from participa.db import utcnow
    from participa.extensions import db
    from participa.processes.models import Process
    from participa.processes.services import add_phase
    from participa.results.services import request_tally, run_tally

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        process = db.session.scalar(select(Process).where(Process.slug == "bench"))
        now = utcnow()
        add_phase(
            process,
            title="Votación",
            starts_at=now - timedelta(days=30),
            ends_at=now - timedelta(days=2),
            allows_vote=True,
        )
        add_phase(
            process,
            title="Resultados",
            starts_at=now - timedelta(days=2),
            ends_at=now + timedelta(days=300),
            shows_results=True,
        )
        db.session.execute(
            text("UPDATE ballots SET receipt_hash = encode(sha256(public_id::bytea), 'hex')")
        )
        db.session.commit()
        budget = process.budgets[0]
        run = request_tally(budget)  # ballots are published with the official outcome
        db.session.commit()
        run_tally(run.id)
        budget_id = budget.id
    print(json.dumps({"budget_id": budget_id}))


def peak_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def export(url: str, limit: int | None) -> None:
    os.environ["DATABASE_URL"] = url
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import select

    from participa import create_app
    from participa.extensions import db
    from participa.opendata.catalogue import BY_NAME
    from participa.opendata.services import csv_chunks
    from participa.processes.models import Process

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        process = db.session.scalar(select(Process).where(Process.slug == "bench"))
        dataset = BY_NAME["boletas"]
        baseline = peak_mb()
        rows = 0

        def counted():
            nonlocal rows
            for row in itertools.islice(dataset.rows(process), limit):
                rows += 1
                yield row

        size = 0
        start = time.perf_counter()
        with open(os.devnull, "w", encoding="utf-8") as sink:
            for chunk in csv_chunks(dataset, counted()):
                size += len(chunk)
                sink.write(chunk)
        elapsed = time.perf_counter() - start
    print(
        json.dumps(
            {
                "rows": rows,
                "seconds": round(elapsed, 2),
                "rows_per_s": round(rows / elapsed),
                "csv_mb": round(size / 1e6, 1),
                "baseline_mb": round(baseline, 1),
                "peak_mb": round(peak_mb(), 1),
            }
        )
    )


def child(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--skip-setup", action="store_true", help="reuse the database")
    parser.add_argument("--limit", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("measure", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:  # running as a child
        if args.measure[0] == "setup":
            setup(args.database_url, args.ballots)
        else:
            export(args.database_url, args.limit)
        return
    db = ["--database-url", args.database_url]
    if not args.skip_setup:
        print(f"Setting up {args.ballots:,} ballots in PostgreSQL …")
        child("setup", "--ballots", str(args.ballots), *db)
    print(f"boletas.csv: {args.ballots:,} approval ballots, 200 projects, PostgreSQL → CSV")
    for limit in (args.ballots // 10, args.ballots):
        r = child("export", "--limit", str(limit), *db)
        print(
            f"  {r['rows']:>9,} rows: {r['seconds']:.1f} s, {r['rows_per_s']:,} rows/s, "
            f"{r['csv_mb']} MB of CSV, peak memory {r['peak_mb']:.0f} MB "
            f"(after start-up {r['baseline_mb']:.0f} MB)"
        )


if __name__ == "__main__":
    main()
