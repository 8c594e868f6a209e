"""Download benchmark: ``boletas.csv`` of a million ballots served from storage, ten at a
time, while the home page keeps answering.

    python bench/ballots_download.py [--ballots 1000000] [--downloads 10] [--rounds 3]

1. Setup (``bench/publish_memory.py``'s ``closed_budget``, ``INSERT ... SELECT
   generate_series``): a database of its own (``participa_bench_download``, dropped at the
   end unless ``--keep``) with one budget of ``--ballots`` ballots, voting closed, results
   public, an official tally stored.
2. The worker's part, in a child process: the ballots CSV of the official run written to
   a storage folder (``participa.results.ballots_file.store``); its wall time and peak RSS.
3. The disk: the stored file read with ``dd`` (page cache warm, as the server reads it).
4. gunicorn with the settings of ``gunicorn.conf.py`` (``bench/harness.py``), on that
   database and storage. The home page is requested one request after another, first
   alone (quiet), then while ``--downloads`` clients each download ``boletas.csv``
   ``--rounds`` times (reading it whole). Printed: the downloads' throughput (MB/s, all
   together and each) and the home page's p50/p95 during them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.harness import (  # noqa: E402
    Server,
    database_url,
    drop_database,
    fresh_database,
    percentile,
)
from bench.publish_memory import closed_budget  # noqa: E402

DB_NAME = "participa_bench_download"


def write_child(url: str, storage_dir: str) -> None:
    """The worker's task, in this process: write the official run's boletas.csv."""
    os.environ["DATABASE_URL"] = url
    from sqlalchemy import select

    from participa import create_app
    from participa.budgets.models import Budget
    from participa.extensions import db
    from participa.results import ballots_file
    from participa.results.queries import published_run

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "STORAGE_URL": storage_dir})
    with app.app_context():
        budget = db.session.scalar(select(Budget))
        run = published_run(budget)
        start = time.perf_counter()
        status = ballots_file.store(run.id)
        seconds = time.perf_counter() - start
        db.session.commit()
        print(
            json.dumps(
                {
                    "status": status,
                    "seconds": seconds,
                    "key": ballots_file.key(run),
                    "path": f"/procesos/bench/presupuestos/{budget.id}/resultados/boletas.csv",
                }
            )
        )


def write_file(url: str, storage_dir: str) -> dict:
    child = subprocess.Popen(
        [sys.executable, __file__, "--database-url", url, "child", storage_dir],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    out = child.stdout.read() if child.stdout else ""
    _pid, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        raise SystemExit("writing boletas.csv failed")
    return json.loads(out.strip().splitlines()[-1]) | {"peak_mb": usage.ru_maxrss / 1024}


def disk_speed(path: Path, *flags: str) -> str:
    """The speed ``dd`` reports reading ``path`` (``iflag=direct``: from the disk itself,
    not the page cache)."""
    done = subprocess.run(
        ["dd", f"if={path}", "of=/dev/null", "bs=1M", *flags], capture_output=True, text=True
    )
    return done.stderr.strip().splitlines()[-1].rsplit(", ", 1)[-1]


def download(port: int, path: str, rounds: int, sizes: list[tuple[int, float]]) -> None:
    """GET ``path`` ``rounds`` times on one connection, reading each answer whole."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    for _ in range(rounds):
        start = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        if response.status != 200:
            raise RuntimeError(f"boletas.csv answered {response.status}")
        size = 0
        while chunk := response.read(1 << 20):
            size += len(chunk)
        sizes.append((size, time.perf_counter() - start))
    conn.close()


def home_latencies(port: int, stop: threading.Event, count: int | None = None) -> list[float]:
    """GET / one after another until ``stop`` (or ``count`` times); each latency (s)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    latencies: list[float] = []
    while not stop.is_set() and (count is None or len(latencies) < count):
        start = time.perf_counter()
        conn.request("GET", "/")
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"the home page answered {response.status}")
        latencies.append(time.perf_counter() - start)
        time.sleep(0.02)
    conn.close()
    return latencies


def ms(values: list[float], p: float) -> str:
    return f"{1000 * percentile(values, p):.0f} ms"


def serve_and_measure(url: str, storage_dir: str, path: str, args) -> None:
    instance = tempfile.mkdtemp(prefix="bench-download-")
    server = Server(
        env={
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-secret",
            "CENSUS_SALT": "bench-census-salt",
            "PARTICIPA_INSTANCE_PATH": instance,
            "STORAGE_URL": storage_dir,
            "PARTICIPA_RATELIMIT_ENABLED": "false",
        }
    )
    server.start(Path(instance) / "gunicorn.log")
    try:
        server.warm(["/", path], rounds=3)
        quiet = home_latencies(server.port, threading.Event(), count=100)
        sizes: list[tuple[int, float]] = []
        stop = threading.Event()
        busy: list[float] = []
        home = threading.Thread(target=lambda: busy.extend(home_latencies(server.port, stop)))
        clients = [
            threading.Thread(target=download, args=(server.port, path, args.rounds, sizes))
            for _ in range(args.downloads)
        ]
        home.start()
        time.sleep(0.5)
        start = time.perf_counter()
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        elapsed = time.perf_counter() - start
        stop.set()
        home.join()
    finally:
        server.stop()
        shutil.rmtree(instance, ignore_errors=True)
    total = sum(size for size, _ in sizes)
    each = [size / seconds / 1e6 for size, seconds in sizes]
    print(
        f"  {len(sizes)} downloads ({args.downloads} at a time) of {sizes[0][0] / 1e6:.1f} MB "
        f"in {elapsed:.1f} s: {total / elapsed / 1e6:.0f} MB/s together, "
        f"{statistics.median(each):.0f} MB/s each (median)"
    )
    print(
        f"  home page: quiet p50 {ms(quiet, 50)}, p95 {ms(quiet, 95)}; during the downloads "
        f"p50 {ms(busy, 50)}, p95 {ms(busy, 95)}, max {1000 * max(busy):.0f} ms "
        f"({len(busy)} requests)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--downloads", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="the kept database, as it is")
    parser.add_argument("--database-url", default=None, help=argparse.SUPPRESS)
    parser.add_argument("child", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        write_child(args.database_url, args.child[1])
        return
    url = database_url(DB_NAME) if args.reuse else fresh_database(DB_NAME)
    storage_dir = tempfile.mkdtemp(prefix="bench-storage-")
    try:
        if not args.reuse:
            start = time.perf_counter()
            closed_budget(url, args.ballots, args.projects)
            print(f"Setup: {args.ballots:,} ballots, in {time.perf_counter() - start:.0f} s")
        written = write_file(url, storage_dir)
        stored = Path(storage_dir) / written["key"]
        print(
            f"  written once by the worker: {stored.stat().st_size / 1e6:.1f} MB in "
            f"{written['seconds']:.1f} s, peak RSS {written['peak_mb']:.0f} MB"
        )
        print(
            f"  disk, dd of the stored file: {disk_speed(stored, 'iflag=direct')} from the "
            f"disk (iflag=direct), {disk_speed(stored)} from the page cache"
        )
        serve_and_measure(url, storage_dir, written["path"], args)
    finally:
        shutil.rmtree(storage_dir, ignore_errors=True)
        if not args.keep:
            drop_database(DB_NAME)


if __name__ == "__main__":
    main()
