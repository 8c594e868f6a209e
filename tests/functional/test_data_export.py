"""Downloading one's data (ARCO access), with the test client (eager Celery: the archive is
built when the request commits)."""

import csv
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from participa.accounts import exports
from participa.accounts.export_models import DataExport, ExportStatus
from participa.accounts.export_tasks import build_export, purge_exports
from participa.db import utcnow
from participa.extensions import db
from participa.notifications.models import Notification
from participa.proposals.models import Support
from tests import factories as f
from tests.support.ballots import cast_ballot
from tests.support.opendata import proposal

URL = "/cuenta/mis-datos"


def archive_of(client, export_id: int) -> zipfile.ZipFile:
    response = client.get(f"{URL}/{export_id}/descargar")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "no-store" in response.headers["Cache-Control"]
    return zipfile.ZipFile(io.BytesIO(response.data))


def latest_export(user) -> DataExport:
    db.session.expire_all()
    found = exports.latest(user)
    assert found is not None
    return found


def test_my_archive_has_my_ballot_choices_and_nothing_of_other_people(client, auth):
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process, ballot_type="cumulative", max_points=5, max_total_points=8)
    me, other = f.user(email="yo.mismo@example.org"), f.user(email="otra.persona@example.org")
    first, second, third, _fourth = f.projects(budget)
    cast_ballot(budget, me, [first.id, third.id], [3, 2])
    cast_ballot(budget, other, [second.id], [5])
    mine = proposal(process, me, "Mi propuesta de árboles")
    theirs = proposal(process, other, "La propuesta de la otra persona")
    db.session.add(Support(proposal_id=theirs.id, user_id=me.id))
    db.session.add(Support(proposal_id=mine.id, user_id=other.id))
    db.session.commit()
    auth.login(me)

    assert client.post(URL).status_code == 303
    export = latest_export(me)
    assert export.status == ExportStatus.READY
    assert export.expires_at == export.ready_at + timedelta(days=7)
    page = client.get(URL).text
    assert 'data-status="ready"' in page and f"{URL}/{export.id}/descargar" in page
    note = db.session.scalar(
        select(Notification).where(
            Notification.user_id == me.id, Notification.kind == "data_export_ready"
        )
    )
    assert note is not None

    archive = archive_of(client, export.id)
    names = set(archive.namelist())
    assert {"LEEME.txt", "datos.json", "cuenta.csv", "boletas.csv", "apoyos.csv"} <= names
    everything = b"".join(archive.read(name) for name in names)
    assert b"otra.persona@example.org" not in everything
    assert other.name.encode() not in everything
    assert b"La propuesta de la otra persona" in everything  # what I supported: its title
    data = json.loads(archive.read("datos.json"))
    assert data["cuenta"][0]["correo"] == "yo.mismo@example.org"
    chosen = {row["proyecto"]: row["puntos"] for row in data["boletas"]}
    assert chosen == {first.title: 3, third.title: 2}
    assert [row["titulo"] for row in data["propuestas"]] == ["Mi propuesta de árboles"]
    rows = list(csv.DictReader(io.StringIO(archive.read("boletas.csv").decode())))
    assert {(r["proyecto"], r["puntos"]) for r in rows} == {(first.title, "3"), (third.title, "2")}
    # no secret: no receipt code, no hashes of anything
    assert "receipt_hash" not in everything.decode() and "token" not in everything.decode()


def test_another_person_cannot_download_my_archive(client, auth):
    me, other = f.user(), f.user()
    db.session.commit()
    auth.login(me)
    client.post(URL)
    export = latest_export(me)
    assert client.get(f"{URL}/{export.id}/descargar").status_code == 200
    client.post("/salir")
    assert client.get(f"{URL}/{export.id}/descargar").status_code == 302  # to the login
    auth.login(other)
    assert client.get(f"{URL}/{export.id}/descargar").status_code == 404
    assert client.get(f"{URL}/{export.id + 1}/descargar").status_code == 404
    # the file name is random (256 bits), never derived from the account
    assert len(export.file_name or "") > 40


def test_one_archive_a_day_and_expired_archives_are_deleted(client, auth, app):
    me = f.user()
    db.session.commit()
    auth.login(me)
    assert client.post(URL).status_code == 303
    again = client.post(URL)
    assert again.status_code == 409
    assert "uno al día" in again.text
    assert len(db.session.scalars(select(DataExport)).all()) == 1
    export = latest_export(me)
    path = Path(app.instance_path) / "exports" / export.file_name
    assert path.is_file()

    export.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(f"{URL}/{export.id}/descargar").status_code == 404
    assert purge_exports()["expired"] == 1
    assert not path.exists()
    db.session.expire_all()  # the task ran in an application context (a session) of its own
    page = client.get(URL).text
    assert 'data-status="expired"' in page
    assert purge_exports()["expired"] == 0  # idempotent


def test_the_task_is_idempotent(client, auth, app):
    me = f.user()
    db.session.commit()
    auth.login(me)
    client.post(URL)
    export = latest_export(me)
    name = export.file_name
    assert build_export(export.id)["status"] == ExportStatus.READY
    db.session.expire_all()
    assert db.session.get(DataExport, export.id).file_name == name
    assert len(list((Path(app.instance_path) / "exports").glob("datos-*.zip"))) >= 1
    assert build_export(10**6)["status"] == "missing"


def test_deleting_the_account_deletes_its_archives(client, auth, app):
    me = f.user()
    db.session.commit()
    auth.login(me)
    client.post(URL)
    export = latest_export(me)
    path = Path(app.instance_path) / "exports" / export.file_name
    assert path.is_file()
    response = client.post(
        "/cuenta/eliminar", data={"password": f.PASSWORD, "content": "keep", "confirmado": "1"}
    )
    assert response.status_code == 303
    assert not path.exists()
    db.session.expire_all()
    assert db.session.scalars(select(DataExport)).all() == []


def test_the_archive_does_not_tell_which_new_addresses_were_free(client, auth):
    """Asking to change to a free address writes the link under the asking account; to a
    used one, a notice under the account that uses it. The archive leaves the link out, so
    the two requests look alike in it."""
    me = f.user(email="yo.mismo@example.org")
    f.user(email="ocupado@example.org")
    db.session.commit()
    auth.login(me)
    for address in ("libre@example.org", "ocupado@example.org"):
        asked = client.post(
            "/cuenta/correo", data={"email": address, "current_password": f.PASSWORD}
        )
        assert asked.status_code == 303
    kinds_written = set(
        db.session.scalars(select(Notification.kind).where(Notification.user_id == me.id))
    )
    assert "email_change_link" in kinds_written  # the difference, left out of the archive
    assert client.post(URL).status_code == 303
    data = json.loads(archive_of(client, latest_export(me).id).read("datos.json"))
    kinds = [row["tipo"] for row in data["notificaciones"]]
    assert kinds == ["email_change_asked", "email_change_asked"]


def test_my_reports_are_in_my_archive_and_their_reasons_leave_with_the_account(client, auth):
    from participa.conversation.models import Report

    process = f.process()
    me, author = f.user(), f.user()
    reported = proposal(process, author, "Una propuesta reportada")
    db.session.add(
        Report(
            content_type="proposal", content_id=reported.id, reporter_id=me.id, reason="Mi motivo"
        )
    )
    db.session.commit()
    auth.login(me)
    assert client.post(URL).status_code == 303
    data = json.loads(archive_of(client, latest_export(me).id).read("datos.json"))
    assert [row["motivo"] for row in data["reportes"]] == ["Mi motivo"]
    deleted = client.post(
        "/cuenta/eliminar", data={"password": f.PASSWORD, "content": "keep", "confirmado": "1"}
    )
    assert deleted.status_code == 303
    db.session.expire_all()
    assert db.session.scalars(select(Report.reason)).all() == [""]  # still counted, unsaid
