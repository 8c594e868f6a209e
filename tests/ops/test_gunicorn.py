"""gunicorn as in production, with two worker processes: /metrics adds up every process's
counts (PROMETHEUS_MULTIPROC_DIR) and gunicorn's own log lines are JSON too."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.ops.conftest import closed_port

ROOT = Path(__file__).resolve().parents[2]
BATCH = 20


def _get(url: str, headers: dict | None = None) -> tuple[int, bytes, dict]:
    request = urllib.request.Request(url, headers={"Connection": "close", **(headers or {})})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status, answer.read(), dict(answer.headers)


def _wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            _get(url)
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"gunicorn did not answer:\n{log.read_text()}")


def _healthz_counts(text: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "participa_http_requests_total"
        and sample.labels.get("endpoint") == "ops.healthz"
    )


def _processes_that_answered(folder: Path, scratch: Path) -> int:
    """How many worker processes have counted a /healthz (each file read on its own)."""
    answered = 0
    for index, path in enumerate(sorted(folder.glob("counter_*.db"))):
        alone = scratch / str(index)
        alone.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, alone / path.name)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))
        answered += _healthz_counts(generate_latest(registry).decode()) > 0
    return answered


def test_two_gunicorn_workers_count_into_one_metrics_page(app, ctx, database_url, tmp_path):
    port = closed_port()
    log = tmp_path / "gunicorn.log"
    environment = os.environ | {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "CENSUS_SALT": "test-census-salt",
        "PARTICIPA_INSTANCE_PATH": str(tmp_path / "instance"),
        "PARTICIPA_METRICS_ENABLED": "true",
        "PARTICIPA_LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    environment.pop("CELERY_BROKER_URL", None)
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "gunicorn.conf.py",
                "--workers",
                "2",
                "--threads",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
            ],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/readyz", process, log)
        sent = 0
        with ThreadPoolExecutor(8) as pool:
            # until both processes have answered some (concurrent requests spread them)
            while sent < 50 * BATCH and (
                sent == 0 or _processes_that_answered(tmp_path / "metrics", tmp_path / "one") < 2
            ):
                answers = list(pool.map(lambda _: _get(f"{base}/healthz"), range(BATCH)))
                assert {status for status, _body, _headers in answers} == {200}
                sent += BATCH
        status, body, _headers = _get(f"{base}/metrics")
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert status == 200
    assert _processes_that_answered(tmp_path / "metrics", tmp_path / "two") == 2
    assert _healthz_counts(body.decode()) == sent  # one page adds up both processes
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    booted = [json.loads(line) for line in lines if "Booting worker" in line]
    assert len(booted) == 2 and all(entry["logger"] == "gunicorn.error" for entry in booted)
