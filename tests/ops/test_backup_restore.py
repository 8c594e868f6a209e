"""The runbook of the README ("Backup and restore") followed: a site with a tally,
official results, a receipt and published open data is dumped, restored into a new
database and a new instance folder, and the restored site answers the same."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from participa.extensions import db
from participa.opendata import services as opendata
from participa.results import services as results
from participa.results.tasks import run_tally
from tests import factories as f
from tests.conftest import need
from tests.ops.conftest import built
from tests.support.ballots import cast_ballot
from tests.support.opendata import shift_phases

ROOT = Path(__file__).resolve().parents[2]
TOKEN = re.compile(r'name="csrf_token"[^>]*value="[^"]*"|value="[^"]*"[^>]*name="csrf_token"')


def flask(command: list[str], database_url: str, instance: Path) -> str:
    """``flask --app participa <command>`` as an operator runs it, on this database and
    instance folder."""
    environment = os.environ | {
        "DATABASE_URL": database_url,
        "PARTICIPA_INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret",
        "CENSUS_SALT": "test-census-salt",  # required outside tests, unused by backups
    }
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "participa", *command],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _site() -> tuple[str, str, dict]:
    """A process tallied, its results public, its open data published; a receipt code."""
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process, amount=1000, costs=(600, 500, 300, 200))
    p1, p2, p3, p4 = f.project_ids(budget)
    code = cast_ballot(budget, f.user(), [p2, p3]).receipt_code
    for chosen in ([p1], [p1, p4], [p3, p4], [p2]):
        cast_ballot(budget, f.user(), chosen)
    shift_phases(process, 15)  # voting ended; the results phase is current
    run = results.request_tally(budget)
    db.session.commit()
    run_tally(run.id)
    publication = opendata.publish(process, "tally")
    db.session.commit()
    base = f"/procesos/{process.slug}/presupuestos/{budget.id}/resultados"
    files = {
        f"/datos/{process.slug}/v{publication.version}/{entry['name']}": entry["sha256"]
        for entry in publication.files
    }
    return base, code, files


def _answers(client, base: str, code: str, files: dict) -> dict[str, bytes]:
    seen = {}
    for url in (f"{base}/", f"{base}/resultados.csv", f"{base}/boletas.csv", *files):
        answer = client.get(url)
        assert answer.status_code == 200, url
        seen[url] = TOKEN.sub("", answer.get_data(as_text=True)).encode()
        if url in files:
            seen[url] = answer.data  # the bytes themselves
    check = client.post("/comprobante", data={"code": code})
    assert check.status_code == 200
    seen["receipt"] = TOKEN.sub("", check.get_data(as_text=True)).encode()
    return seen


@pytest.fixture
def new_database(database_url):
    name = f"participa_restored_{os.getpid()}"
    admin = create_engine(
        make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def test_a_restored_copy_serves_the_same_results_receipts_and_open_data(
    app, client, is_postgres, database_url, new_database, tmp_path, monkeypatch
):
    need(is_postgres, "backups are of PostgreSQL (PARTICIPA_TEST_DATABASE_URL)")
    base, code, files = _site()
    before = _answers(client, base, code, files)
    assert "Tu boleta se contó." in before["receipt"].decode()
    assert len(files) >= 3

    backup = tmp_path / "backup"
    said = flask(["backup", "dump", str(backup)], database_url, Path(app.instance_path))
    assert "backup written" in said
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["storage_files"] >= len(files)
    assert (backup / "database.dump").stat().st_size > 0

    instance = tmp_path / "restored-instance"
    said = flask(["backup", "restore", str(backup)], new_database, instance)
    assert f"restored schema {manifest['schema_revision']}" in said

    monkeypatch.setenv("PARTICIPA_INSTANCE_PATH", str(instance))
    with built(app, SQLALCHEMY_DATABASE_URI=new_database) as restored:
        assert restored.instance_path == str(instance)
        after = _answers(restored.test_client(), base, code, files)
    assert after.keys() == before.keys()
    assert "Tu boleta se contó." in after["receipt"].decode()
    for url, answer in before.items():
        assert after[url] == answer, url
    # a second restore into the same, no longer empty, database is refused
    environment = os.environ | {
        "DATABASE_URL": new_database,
        "PARTICIPA_INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret",
        "CENSUS_SALT": "test-census-salt",
    }
    again = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "participa", "backup", "restore", str(backup)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode != 0 and "not empty" in again.stderr
