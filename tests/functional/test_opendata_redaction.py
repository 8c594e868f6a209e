"""A proposal hidden by moderation leaves every open data version already published: the
versions are redacted (after the hiding commits, by a task), every file served by the
portal is free of it, the data package's hashes match the files again, and the portal says
which versions were redacted and when."""

import csv
import hashlib
import io

import pytest
from sqlalchemy import select

from participa.accounts.models import Role
from participa.extensions import db
from participa.formatting import datetime as format_datetime
from participa.opendata import services, tasks
from participa.opendata.models import Publication
from tests import factories as f
from tests.support.opendata import folder_of
from tests.support.redaction import TITLE, fetch_every_file, leaks, published_twice


def check_hashes(publication: Publication, files: dict[str, bytes], package: dict) -> None:
    """Every file matches its datapackage.json resource and the recorded listing."""
    recorded = {e["name"]: e for e in publication.files}
    for resource in package["resources"]:
        data = files[resource["path"]]
        assert resource["bytes"] == len(data), resource["path"]
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest(), resource["path"]
    for name, data in files.items():
        assert recorded[name]["sha256"] == hashlib.sha256(data).hexdigest(), name
        assert recorded[name]["bytes"] == len(data), name


def test_hiding_a_published_proposal_redacts_every_version(client, auth):
    process, secret, project, versions = published_twice()
    for publication in versions:  # the hole: both versions serve it
        assert set(leaks(fetch_every_file(client, process, publication))) == {
            "propuestas.csv",
            "propuestas.json",
        }

    auth.login(f.user(Role.MODERATOR))
    response = client.post(f"/moderacion/propuesta/{secret.id}/ocultar", data={"confirmado": "1"})
    assert response.status_code == 303
    client.post("/salir")

    db.session.expire_all()
    for publication in db.session.scalars(select(Publication).order_by(Publication.version)):
        files = fetch_every_file(client, process, publication)
        assert leaks(files) == [], publication.version
        package = client.get(f"/datos/{process.slug}/v{publication.version}/datapackage.json")
        check_hashes(publication, files, package.json)
        assert publication.redacted_at is not None
        assert package.json["redacted"] == publication.redacted_at.isoformat() + "Z"
        assert set(package.json["redacted_resources"]) == {
            "propuestas.csv",
            "propuestas.json",
            "proyectos.csv",
            "proyectos.json",
        }
        projects = {
            r["id"]: r for r in csv.DictReader(io.StringIO(files["proyectos.csv"].decode()))
        }
        assert projects[str(project.id)]["proposal_id"] == ""  # the project stays, unlinked
        assert projects[str(project.id)]["title"] == project.title
        others = list(csv.DictReader(io.StringIO(files["propuestas.csv"].decode())))
        assert "Ciclovía en la avenida" in {r["title"] for r in others}  # the rest stays
        # imported here: skipping the whole module would take tests/worker's redaction test
        frictionless = pytest.importorskip("frictionless")
        report = frictionless.validate(str(folder_of(publication) / "datapackage.json"))
        assert report.valid, report.flatten(["taskNumber", "rowNumber", "type", "note"])
        # a cache holding the old file asks again and gets the new one
        url = f"/datos/{process.slug}/v{publication.version}/propuestas.csv"
        old_etag = '"' + next(e for e in versions if e.id == publication.id).files[0]["sha256"]
        assert client.get(url, headers={"If-None-Match": old_etag + '"'}).status_code == 200
        assert "immutable" not in client.get(url).headers["Cache-Control"]

    page = client.get(f"/datos/{process.slug}").text
    when = db.session.scalar(select(Publication.redacted_at).limit(1))
    with client.application.test_request_context():
        shown = format_datetime(when)
    assert 'data-testid="redacted-1"' in page and 'data-testid="redacted-2"' in page
    assert page.count("Redactada el") == 2 and shown in page
    assert "Versión redactada el" in page
    portal = client.get("/datos").text
    assert "2 versiones redactadas, la última el" in portal and shown in portal


def test_redaction_is_idempotent_and_completes_an_interrupted_run(ctx):
    process, secret, _project, _versions = published_twice()
    secret.hidden_at = secret.created_at
    db.session.commit()
    first = tasks.redact_process(process.id)
    assert first == {"process_id": process.id, "status": "redacted", "versions": [1, 2]}
    db.session.expire_all()
    done = {p.version: (p.files, p.redacted_at) for p in services.publications(process.id)}
    again = tasks.redact_process(process.id)
    assert again["status"] == "unchanged"
    db.session.expire_all()
    assert {p.version: (p.files, p.redacted_at) for p in services.publications(process.id)} == (
        done
    )
    # a run that renamed the files but died before its commit: the listing of the
    # redacted files (and of datapackage.json) is the one before
    publication = services.publications(process.id)[0]
    touched = ("propuestas", "proyectos", "datapackage")
    publication.files = [
        dict(e, sha256="0" * 64) if e["name"].startswith(touched) else e for e in publication.files
    ]
    db.session.commit()
    assert tasks.redact_process(process.id)["status"] == "redacted"
    db.session.expire_all()
    publication = db.session.get(Publication, publication.id)
    folder = folder_of(publication)
    for entry in publication.files:
        data = (folder / entry["name"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()


def test_reports_alone_never_redact_only_the_moderators_confirmation_does(client, auth):
    """Enough reports of trusted accounts hide a proposal until a moderator decides; that
    hiding is reversible, so it leaves the published files as they were (even for the
    daily redaction run). The moderator's confirmation of the hiding redacts them."""
    process, secret, _project, _versions = published_twice()
    before = {p.version: fetch_every_file(client, process, p) for p in _versions}
    for reporter in [f.trusted_user() for _ in range(3)]:  # MODERATION_HIDE_AFTER
        db.session.commit()
        auth.login(reporter)
        response = client.post(
            f"/contenido/propuesta/{secret.id}/reportar", data={"reason": "Datos personales"}
        )
        assert response.status_code == 303
        client.post("/salir")
    db.session.expire_all()
    assert db.session.get(type(secret), secret.id).hidden_at is not None  # hidden by reports
    assert tasks.redact_process(process.id)["status"] == "unchanged"  # as the daily run
    db.session.expire_all()
    for publication in services.publications(process.id):
        assert publication.redacted_at is None
        files = fetch_every_file(client, process, publication)
        assert files == before[publication.version]
        assert set(leaks(files)) == {"propuestas.csv", "propuestas.json"}

    auth.login(f.user(Role.MODERATOR))
    response = client.post(
        f"/moderacion/propuesta/{secret.id}/ocultar", data={"confirmado": "1"}
    )  # confirms it
    assert response.status_code == 303
    client.post("/salir")
    db.session.expire_all()
    for publication in services.publications(process.id):
        assert leaks(fetch_every_file(client, process, publication)) == []
        assert publication.redacted_at is not None


def test_daily_publication_redacts_what_a_lost_task_did_not(ctx):
    process, secret, _project, _versions = published_twice()
    secret.hidden_at = secret.created_at  # hidden, but no redaction was queued
    db.session.commit()
    tasks.publish_all("daily")
    db.session.expire_all()
    history = services.publications(process.id)
    assert [p.version for p in history if p.redacted_at] == [2, 1]
    for publication in history:
        folder = folder_of(publication)
        for entry in publication.files:
            assert TITLE.encode() not in (folder / entry["name"]).read_bytes()
    # the redacted newest version already equals the current data: nothing new to publish
    assert len(history) == 2


def test_deleting_an_account_changes_no_published_file_nor_the_tally(client, auth):
    """A voter who also proposed deletes their account: every published file stays
    byte-identical, a new publication finds nothing changed, a new tally gives the same
    outcome, and nothing of the person (name, e-mail) is in any published file."""
    from participa.accounts.models import User
    from participa.results import services as results
    from participa.results.exports import results_csv
    from participa.results.models import TallyRun
    from participa.results.tasks import run_tally
    from tests.support.opendata import proposal, tallied_process

    process, budget, voters = tallied_process()
    voter = voters[0]
    voter.stored_name = "Zacarías Pimentel Oropeza"
    voter.email = "zacarias.pimentel@example.org"
    proposal(process, voter, "Bebederos en el parque")
    db.session.commit()
    publication = services.publish(process, "tally")
    db.session.commit()
    before = fetch_every_file(client, process, publication)
    assert any(b"Bebederos en el parque" in data for data in before.values())
    first_run = db.session.scalars(
        select(TallyRun).where(TallyRun.budget_id == budget.id).order_by(TallyRun.id)
    ).first()
    tally_before = results_csv(first_run, counts=True)

    auth.login(voter)
    deleted = client.post(
        "/cuenta/eliminar", data={"password": f.PASSWORD, "content": "keep", "confirmado": "1"}
    )
    assert deleted.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, voter.id).deleted_at is not None

    assert fetch_every_file(client, process, publication) == before
    assert services.publish(process, "daily") is None  # the data did not change
    db.session.rollback()
    run = results.request_tally(budget)
    db.session.commit()
    run_tally(run.id)
    db.session.expire_all()
    assert results_csv(db.session.get(TallyRun, run.id), counts=True) == tally_before
    for published in db.session.scalars(select(Publication)):
        for name, data in fetch_every_file(client, process, published).items():
            for personal in ("Zacarías", "Pimentel", "zacarias.pimentel"):
                assert personal.encode() not in data, (name, personal)
