"""docker-compose.yml cannot run here (no Docker engine); check what can be checked."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_describes_the_stack_with_real_entry_points():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert "gunicorn" in services["web"]["command"]
    assert "'participa:create_app()'" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A worker.app worker")
    assert services["beat"]["command"].startswith("celery -A worker.app beat")
    assert callable(importlib.import_module("participa").create_app)
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
        assert env["CELERY_BROKER_URL"].startswith("redis://")


def test_worker_entry_point_registers_the_tasks():
    env = os.environ | {
        "PARTICIPA_SECRET_KEY": "x",
        "CELERY_BROKER_URL": "memory://",
        "PARTICIPA_INSTANCE_PATH": str(ROOT / "instance"),
    }
    code = "from worker.app import celery_app; print(sorted(celery_app.tasks))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert "participa.results.tasks.tally_budget" in out
    assert "participa.processes.tasks.advance_phases" in out
    assert "participa.notifications.tasks.send_notification" in out


def test_secret_key_is_required_outside_debug_and_tests():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "PARTICIPA_SECRET_KEY")}
    code = "from participa import create_app; create_app()"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr
