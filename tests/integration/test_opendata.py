"""Publication of a process's open data: a valid Frictionless package, immutable versions,
and nothing that should stay private."""

import hashlib
import json

import pytest
from sqlalchemy import select

from participa.accounts.models import User
from participa.budgets.models import Ballot
from participa.extensions import db
from participa.opendata import services
from participa.opendata.catalogue import DATASETS
from participa.opendata.models import Publication
from participa.results import queries
from participa.results import services as results
from tests import factories as f
from tests.support.ballots import cast_ballot
from tests.support.opendata import folder_of, proposal, read_csv, tallied_process


def test_published_package_is_valid_and_hashes_match(ctx):
    # here, not at the module's top: a module skipped whole takes away every test module
    # that imports its helpers (the route matrix, the CSRF matrix, the i18n tests)
    frictionless = pytest.importorskip("frictionless")
    process, budget, _voters = tallied_process()
    publication = services.publish(process, "manual")
    db.session.commit()
    assert publication.version == 1
    folder = folder_of(publication)
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["taskNumber", "rowNumber", "fieldName", "type", "note"])

    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert package["version"] == "1.0.0" and package["created"].endswith("Z")
    assert package["sources"]
    for resource in package["resources"]:
        data = (folder / resource["path"]).read_bytes()
        assert resource["bytes"] == len(data)
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert resource["encoding"] == "utf-8"
        for field in resource.get("schema", {}).get("fields", []):
            assert field["description"] and field["description_en"]
    names = {r["path"] for r in package["resources"]}
    for dataset in DATASETS:
        assert {f"{dataset.name}.csv", f"{dataset.name}.json"} <= names
    assert f"presupuesto-{budget.id}.pb" in names
    # the Publication row lists every file with the same hashes
    listed = {x["name"]: x for x in publication.files}
    assert set(listed) == names | {"datapackage.json"}
    for name, entry in listed.items():
        data = (folder / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["bytes"] == len(data)
    # the JSON files hold the same rows, valid against the same Table Schemas
    for resource in package["resources"]:
        if resource["format"] != "json":
            continue
        table = frictionless.Resource(
            path=resource["path"],
            basepath=str(folder),
            format="json",
            schema=frictionless.Schema.from_descriptor(resource["schema"]),
        )
        table_report = frictionless.validate(table)
        assert table_report.valid, table_report.flatten(["rowNumber", "fieldName", "note"])
        rows = json.loads((folder / resource["path"]).read_text(encoding="utf-8"))
        assert len(rows) == resource["row_count"]
        assert len(read_csv(folder, resource["path"].replace(".json", ".csv"))) == len(rows)


def test_datasets_hold_ballots_results_and_execution(ctx):
    process, budget, _voters = tallied_process()
    publication = services.publish(process, "tally")
    db.session.commit()
    folder = folder_of(publication)
    ballots = read_csv(folder, "boletas.csv")
    stored = db.session.execute(
        select(Ballot.public_id, Ballot.receipt_hash).where(Ballot.budget_id == budget.id)
    ).all()
    assert sorted(b["ballot"] for b in ballots) == sorted(public for public, _hash in stored)
    assert all(len(b["date"]) == 10 for b in ballots)  # the day only
    assert list(ballots[0]) == ["ballot", "budget_id", "date", "projects", "points"]
    # the receipts apart, sorted by hash: nothing ties a receipt to a ballot's choices
    receipts = read_csv(folder, "comprobantes.csv")
    assert list(receipts[0]) == ["budget_id", "receipt_hash"]
    assert [r["receipt_hash"] for r in receipts] == sorted(hash_ for _public, hash_ in stored)
    assert {r["budget_id"] for r in receipts} == {str(budget.id)}
    outcome = read_csv(folder, "resultados.csv")
    run = queries.published_run(budget)
    assert {int(r["project_id"]) for r in outcome if r["selected"] == "true"} == {
        o.project_id for o in run.selected
    }
    assert {r["rule"] for r in outcome} == {"greedy"}
    budget_row = read_csv(folder, "presupuestos.csv")[0]
    assert budget_row["rule"] == "greedy" and budget_row["ballots_counted"] == "6"
    assert read_csv(folder, "ejecucion.csv")[0]["status_name"] == "En obra"
    assert read_csv(folder, "hitos.csv")[0]["text"] == "Arranque"
    assert read_csv(folder, "fases.csv")[0]["starts_at"].endswith("Z")


def test_versions_increment_only_when_data_changed(ctx):
    process, _budget, _voters = tallied_process()
    first = services.publish(process, "tally")
    db.session.commit()
    assert services.publish(process, "daily") is None  # nothing changed
    db.session.commit()
    proposal(process, f.user(), "Parque nuevo")
    db.session.commit()
    second = services.publish(process, "daily")
    db.session.commit()
    assert (first.version, second.version) == (1, 2)
    assert db.session.scalar(select(Publication.id).where(Publication.version == 3)) is None
    # older versions stay as they were
    old = folder_of(first)
    assert "Parque nuevo" not in (old / "propuestas.csv").read_text(encoding="utf-8")
    assert "Parque nuevo" in (folder_of(second) / "propuestas.csv").read_text(encoding="utf-8")
    assert not list(old.parent.glob(".tmp-*"))


def test_hidden_proposals_are_excluded(ctx):
    process, _budget, _voters = tallied_process()
    folder = folder_of(services.publish(process, "manual"))
    db.session.commit()
    for name in ("propuestas.csv", "propuestas.json"):
        text = (folder / name).read_text(encoding="utf-8")
        assert "Ciclovía en la avenida" in text
        assert "Propuesta ofensiva" not in text


def test_ballots_and_counts_absent_before_results_are_public(ctx):
    process = f.process(now_allows=("allows_vote", "allows_support"))
    process.phases[1].shows_vote_counts = False  # the current phase hides counts
    budget = f.budget(process)
    p1, *_ = f.project_ids(budget)
    cast_ballot(budget, f.user(), [p1])
    author = f.user()
    proposal(process, author, "Con apoyos", supports_count=7)
    db.session.commit()
    folder = folder_of(services.publish(process, "daily"))
    db.session.commit()
    assert read_csv(folder, "boletas.csv") == []
    assert read_csv(folder, "comprobantes.csv") == []
    assert read_csv(folder, "resultados.csv") == []
    assert not list(folder.glob("*.pb"))
    row = read_csv(folder, "propuestas.csv")[0]
    assert row["title"] == "Con apoyos" and row["supports"] == ""
    assert json.loads((folder / "propuestas.json").read_text())[0]["supports"] is None
    assert read_csv(folder, "presupuestos.csv")[0]["ballots_counted"] == ""


def test_ballots_hidden_while_the_results_phase_hides_vote_counts(ctx):
    process, _budget, _voters = tallied_process()
    process.phases[2].shows_vote_counts = False
    db.session.commit()
    folder = folder_of(services.publish(process, "daily"))
    db.session.commit()
    assert read_csv(folder, "boletas.csv") == []
    assert all(r["votes"] == "" for r in read_csv(folder, "resultados.csv"))
    assert not list(folder.glob("*.pb"))


def test_no_personal_field_in_any_dataset(ctx):
    process, _budget, voters = tallied_process()
    admin = f.admin()
    db.session.commit()
    folder = folder_of(services.publish(process, "manual"))
    db.session.commit()
    users = db.session.scalars(select(User)).all()
    assert len(users) >= len(voters) + 2
    forbidden_columns = {"email", "name", "user_id", "author_id", "identity_id", "voter_ref"}
    forbidden_columns |= {"document_hash", "officer_id", "password_hash", "evaluator_id"}
    texts = {}
    for path in folder.iterdir():
        texts[path.name] = path.read_text(encoding="utf-8")
    for name, content in texts.items():
        for user in [*users, admin]:
            assert user.email not in content, (name, user.email)
            assert user.name not in content, (name, user.name)
        if name.endswith(".csv"):
            header = set(content.splitlines()[0].split(","))
            assert not header & forbidden_columns, (name, header & forbidden_columns)
    package = json.loads(texts["datapackage.json"])
    for resource in package["resources"]:
        fields = {fd["name"] for fd in resource.get("schema", {}).get("fields", [])}
        assert not fields & forbidden_columns
    # identity (census) hashes never appear either
    from participa.census.models import Identity

    for identity in db.session.scalars(select(Identity)):
        for content in texts.values():
            assert identity.document_hash not in content


def test_publish_task_after_tally_and_daily_beat(ctx, app):
    from participa.opendata.tasks import publish_all, publish_process
    from participa.results.tasks import tally_budget

    process, budget, _voters = tallied_process()
    assert "publish-open-data-daily" in app.config["CELERY"]["beat_schedule"]
    run = results.request_tally(budget)
    db.session.commit()
    tally_budget.delay(run.id)  # eager: publishes after the tally
    pubs = db.session.scalars(select(Publication)).all()
    assert [(p.version, p.trigger) for p in pubs] == [(1, "tally")]
    assert publish_process(process.id, "daily")["status"] == "unchanged"
    assert publish_all()[0]["status"] == "unchanged"
