"""Backup and restore benchmark: ``flask --app participa backup dump`` and ``restore`` of a
database with many ballots (the README's runbook, "Backup and restore").

    python bench/backup_restore.py [--ballots 1000000] [--database-url URL] [--skip-setup]

1. Setup (``bench/tally.py``'s ``million_setup``, by COPY): a PostgreSQL database with one
   approval budget of 200 projects and ``--ballots`` ballots.
2. ``backup dump`` into a new folder (pg_dump custom format), then ``backup restore`` into a
   new database and a new instance folder (pg_restore in one transaction). Prints the
   seconds of each, the dump's size and the database's size, and checks that the restored
   database holds as many ballots and ballot items.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.harness import drop_database, recreate_database  # noqa: E402

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/participa_bench_backup"


def _tally_bench():
    spec = importlib.util.spec_from_file_location("bench_tally", ROOT / "bench" / "tally.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def flask(command: list[str], url: str, instance: Path) -> float:
    environment = os.environ | {
        "DATABASE_URL": url,
        "PARTICIPA_INSTANCE_PATH": str(instance),
        "SECRET_KEY": "bench-only",
        "CENSUS_SALT": "bench-only",
    }
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "participa", *command],
        cwd=ROOT,
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def counts(url: str) -> tuple[int, int, str]:
    engine = create_engine(url)
    with engine.connect() as connection:
        ballots = connection.execute(text("SELECT count(*) FROM ballots")).scalar_one()
        items = connection.execute(text("SELECT count(*) FROM ballot_items")).scalar_one()
        size = connection.execute(
            text("SELECT pg_size_pretty(pg_database_size(current_database()))")
        ).scalar_one()
    engine.dispose()
    return ballots, items, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--skip-setup", action="store_true", help="reuse the database")
    args = parser.parse_args()
    url = args.database_url
    if not args.skip_setup:
        print(f"Setting up {args.ballots:,} ballots in PostgreSQL …")
        _tally_bench().million_setup(url, args.ballots)
    restored = make_url(url).set(database=make_url(url).database + "_restored")
    restored_url = restored.render_as_string(hide_password=False)
    recreate_database(restored_url)
    work = Path(tempfile.mkdtemp(prefix="participa-backup-bench-"))
    try:
        ballots, items, size = counts(url)
        dump = flask(["backup", "dump", str(work / "backup")], url, work / "instance")
        dump_mb = (work / "backup" / "database.dump").stat().st_size / 1e6
        restore = flask(["backup", "restore", str(work / "backup")], restored_url, work / "new")
        again = counts(restored_url)
        assert again[:2] == (ballots, items), (again, ballots, items)
        print(f"{ballots:,} ballots, {items:,} ballot items, database {size}")
        print(f"  backup dump:    {dump:.1f} s, database.dump {dump_mb:.0f} MB")
        print(f"  backup restore: {restore:.1f} s into a new database ({again[2]}), same counts")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        drop_database(restored_url)


if __name__ == "__main__":
    main()
