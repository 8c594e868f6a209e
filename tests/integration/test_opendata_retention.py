"""Retention of open data versions (participa.opendata.retention) on the database the
tests run on (PostgreSQL here and in CI), and the migration that keeps each version's
datapackage in its row."""

import json
from types import SimpleNamespace

from flask_migrate import upgrade
from sqlalchemy import select, text

from participa.config import default_config
from participa.db import utcnow
from participa.extensions import db
from participa.opendata import retention, services, tasks
from participa.opendata.models import Publication
from participa.proposals.models import Proposal
from participa.storage import storage
from tests import factories as f
from tests.support.migrating import migrating_app
from tests.support.opendata import tallied_process


def add_proposal(process, title: str) -> None:
    db.session.add(
        Proposal(
            process_id=process.id,
            author_id=f.user().id,
            title=title,
            body="Cuerpo de la propuesta",
            category="medio-ambiente",
        )
    )
    db.session.commit()


def versions(process, trigger_first="tally", more=5) -> list[Publication]:
    """A tallied process and ``1 + more`` published versions, each with new data."""
    first = services.publish(process, trigger_first)
    db.session.commit()
    published = [first]
    for n in range(more):
        add_proposal(process, f"Propuesta número {n}")
        published.append(services.publish(process, "daily"))
        db.session.commit()
    return published


def test_the_policy_keeps_the_newest_and_the_first_version_of_each_official_result():
    def pub(version, runs, trigger="daily"):
        return SimpleNamespace(version=version, result_runs=runs, trigger=trigger)

    history = [
        pub(1, []),
        pub(2, [7], "tally"),  # the first with run 7
        pub(3, [7]),
        pub(4, [7, 8], "tally"),  # the first with run 8
        pub(5, [8]),
        pub(6, None, "results"),  # before runs were recorded: kept, a result may be its first
        pub(7, None),
        pub(8, [8]),
        pub(9, [8]),
    ]
    assert retention.kept_versions(history, 2) == {2, 4, 6, 8, 9}
    assert retention.kept_versions(history, 20) == set(range(1, 10))


def test_pruning_deletes_old_files_keeps_the_official_result_and_says_so(client):
    process, _budget, _voters = tallied_process()
    published = versions(process)
    assert published[0].result_runs, "the tally's version records its official run"
    assert [p.version for p in published] == [1, 2, 3, 4, 5, 6]
    assert retention.prune(process, keep=2) == [2, 3, 4]
    db.session.commit()
    assert retention.sweep(process) == [2, 3, 4]
    store = storage()
    for version in (2, 3, 4):
        assert list(store.keys(services.version_prefix(process.slug, version))) == []
    for version in (1, 5, 6):  # v1: the first version with the official outcome
        assert store.exists(services.file_key(process.slug, version, "resultados.csv"))
        got = client.get(f"/datos/{process.slug}/v{version}/resultados.csv")
        assert got.status_code == 200
    assert client.get(f"/datos/{process.slug}/v3/resultados.csv").status_code == 410
    page = client.get(f"/datos/{process.slug}").text
    assert 'data-testid="pruned-3"' in page and 'data-testid="pruned-1"' not in page
    assert f"/datos/{process.slug}/v3/resultados.csv" not in page
    db.session.expire_all()
    rows = db.session.scalars(select(Publication).order_by(Publication.version)).all()
    assert [p.version for p in rows if p.pruned_at] == [2, 3, 4]  # the history stays
    api = client.get(f"/api/v1/datasets?process={process.slug}").json
    assert {d["version"]: d["pruned_at"] is not None for d in api["items"]} == {
        6: False,
        5: False,
        4: True,
        3: True,
        2: True,
        1: False,
    }
    assert retention.prune(process, keep=2) == []  # idempotent
    db.session.commit()
    assert retention.sweep(process) == []  # nothing left to delete


def test_the_beat_task_prunes_every_process_with_the_setting(ctx, monkeypatch):
    assert "prune-open-data-versions" in ctx.extensions["celery"].conf.beat_schedule
    monkeypatch.setitem(ctx.config, "OPENDATA_KEEP_VERSIONS", 3)
    process, _budget, _voters = tallied_process()
    versions(process, more=4)
    done = tasks.prune_versions()
    assert done == [{"process_id": process.id, "status": "ok", "pruned": [2], "swept": [2]}]
    assert tasks.prune_versions()[0]["pruned"] == []


def test_a_publication_that_did_not_commit_leaves_nothing_visible_and_is_cleaned(client):
    process, _budget, _voters = tallied_process()
    services.publish(process, "tally")
    db.session.commit()
    add_proposal(process, "Ciclovía por la avenida")
    orphan = services.publish(process, "daily")
    assert orphan.version == 2
    db.session.rollback()  # the worker died before its commit: the files stay, no row
    store = storage()
    assert store.exists(services.file_key(process.slug, 2, "propuestas.csv"))
    assert client.get(f"/datos/{process.slug}/v2/propuestas.csv").status_code == 404
    assert retention.sweep(process) == []  # the next version's number: never touched
    store.write(services.file_key(process.slug, 0, "stale.csv"), [b"x"])  # below the newest
    assert retention.sweep(process) == [0]
    republished = services.publish(process, "daily")  # takes v2 again, over the leftovers
    db.session.commit()
    assert republished.version == 2
    names = {k.rsplit("/", 1)[-1] for k in store.keys(services.version_prefix(process.slug, 2))}
    assert names == {f["name"] for f in republished.files}


BEFORE = "e5a1c3d7f902"


def test_the_migration_fills_the_datapackage_from_the_local_file(app, bare_database, tmp_path):
    package = {"name": "participa-p", "resources": [{"path": "propuestas.csv"}]}
    folder = tmp_path / "opendata" / "p" / "v1"
    folder.mkdir(parents=True)
    (folder / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    with migrating_app(app, bare_database) as (migrating, engine):
        migrating.instance_path = str(tmp_path)
        with migrating.app_context():
            upgrade(revision=BEFORE)
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO processes (id, slug, title, description, municipality, "
                        "created_at, vote_scope, verification_to_vote, verification_to_propose, "
                        "in_person_voting) VALUES (1, 'p', 'P', '', 'M', :now, 'all', false, "
                        "false, false)"
                    ),
                    {"now": utcnow()},
                )
                for version in (1, 2):  # v2's file is on another node's disk
                    conn.execute(
                        text(
                            "INSERT INTO publications (id, process_id, version, trigger, "
                            "published_at, files, fingerprint) VALUES "
                            "(:v, 1, :v, 'daily', :now, '[]', 'x')"
                        ),
                        {"v": version, "now": utcnow()},
                    )
            upgrade(revision="a10b1c3d5e02")
            with engine.connect() as conn:
                rows = conn.execute(
                    text("SELECT version, datapackage FROM publications ORDER BY version")
                ).all()
    found = {v: (json.loads(p) if isinstance(p, str) else p) for v, p in rows}
    assert found == {1: package, 2: None}


def test_the_retention_setting_has_a_default():
    assert default_config("/tmp")["OPENDATA_KEEP_VERSIONS"] == 10
