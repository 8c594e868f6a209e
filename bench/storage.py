"""Storage benchmark: streaming writes and reads of a large file, local folder and S3.

    python bench/storage.py [--mib 256]

Writes ``--mib`` MiB (as 1 MiB chunks of CSV-like text, as the open-data writers hand
them) through ``participa.storage`` into a local folder and into a bucket of moto's S3
server (the one the tests use, started on a free loopback port), then reads it back in
chunks. Each measurement runs in a fresh Python process and prints MiB/s and the peak
resident memory (VmHWM) for a tenth of the size and for all of it: equal peaks mean the
memory does not grow with the file. (moto keeps objects in its own process: the S3
figures measure the client's side, not a production bucket's throughput.)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHUNK = (b"12345678,2026-12-07,3;7;19;42,1\n" * 32768)[: 1024 * 1024]


def peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(kind: str, mib: int, endpoint: str | None) -> dict:
    sys.path.insert(0, str(ROOT))
    from participa.storage import LocalStorage

    if kind == "local":
        store = LocalStorage(tempfile.mkdtemp(prefix="bench-storage-"))
    else:
        from tests.support.s3 import new_bucket

        store = new_bucket(endpoint or "")
    start = time.perf_counter()
    stored = store.write("opendata/bench/v1/boletas.csv", (CHUNK for _ in range(mib)))
    wrote = time.perf_counter() - start
    start = time.perf_counter()
    size = sum(len(c) for c in store.read_chunks("opendata/bench/v1/boletas.csv"))
    read = time.perf_counter() - start
    assert size == stored.bytes == mib * len(CHUNK)
    return {
        "backend": kind,
        "mib": mib,
        "write_mib_s": round(mib / wrote, 1),
        "read_mib_s": round(mib / read, 1),
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--one", nargs=3, metavar=("KIND", "MIB", "ENDPOINT"))
    args = parser.parse_args()
    if args.one:
        kind, mib, endpoint = args.one
        print(json.dumps(measure(kind, int(mib), endpoint)))
        return
    sys.path.insert(0, str(ROOT))
    from tests.support.s3 import moto_server

    with moto_server() as endpoint:
        for kind in ("local", "s3"):
            for mib in (max(1, args.mib // 10), args.mib):
                out = subprocess.run(
                    [sys.executable, __file__, "--one", kind, str(mib), endpoint],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                print(out.stdout.strip())


if __name__ == "__main__":
    main()
