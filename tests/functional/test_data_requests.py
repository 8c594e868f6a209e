"""Rectification and opposition requests (ARCO rights): a resident asks, sees the status
and the answer with the legal deadline; only administrators answer, the resident is
notified, and the action log says it without the texts (participa/legal)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from participa.audit.models import ActionLog
from participa.extensions import db
from participa.legal import requests as data_requests
from participa.legal.models import DataRequest
from participa.notifications.models import Notification
from tests import factories as f

DETAILS = "Mi fecha de nacimiento en el padrón está mal: es 1985-01-02."


def ask(client, **data):
    return client.post("/cuenta/solicitudes", data=data)


def count() -> int:
    return db.session.scalar(select(func.count(DataRequest.id))) or 0


def test_twenty_business_days():
    assert data_requests.business_days_after(date(2026, 12, 4)) == date(2027, 1, 1)  # a Friday
    assert data_requests.business_days_after(date(2026, 12, 5)) == date(2027, 1, 1)  # Saturday
    assert data_requests.business_days_after(date(2026, 12, 7), 1) == date(2026, 12, 8)


def test_a_resident_asks_and_sees_the_request_with_its_deadline(client, auth):
    ana = auth.login(f.user())
    response = ask(client, kind="rectify_census", details=DETAILS)
    assert response.status_code == 303
    made = db.session.scalar(select(DataRequest))
    assert response.headers["Location"] == f"/cuenta/solicitudes/{made.id}"
    assert (made.user_id, made.kind, made.processing, made.status) == (
        ana.id,
        "rectify_census",
        None,
        "pending",
    )
    assert made.due_on == data_requests.business_days_after(made.created_at.date())
    page = client.get(f"/cuenta/solicitudes/{made.id}").text
    assert "En trámite" in page and DETAILS in page and "20 días hábiles" in page
    assert f"Solicitud n.º {made.id}" in client.get("/cuenta/solicitudes").text
    logged = db.session.scalar(select(ActionLog).where(ActionLog.action == "data_request.created"))
    assert logged.after == {"kind": "rectify_census", "processing": None}  # not the text
    assert 'href="/cuenta/solicitudes"' in client.get("/cuenta").text


def test_an_opposition_names_a_processing_from_the_list(client, auth):
    auth.login(f.user())
    missing = ask(client, kind="oppose", details="No quiero que se vea mi nombre.")
    assert missing.status_code == 422
    assert 'id="processing-error"' in missing.text
    assert "No quiero que se vea mi nombre." in missing.text  # kept as typed
    unknown = ask(client, kind="oppose", processing="selling", details="No quiero eso nunca.")
    assert unknown.status_code == 422
    assert count() == 0
    done = ask(client, kind="oppose", processing="public_name", details="Que no se vea mi nombre.")
    assert done.status_code == 303
    assert db.session.scalar(select(DataRequest.processing)) == "public_name"


def test_errors_beside_the_fields_and_nothing_stored(client, auth):
    auth.login(f.user())
    nothing = ask(client)
    assert nothing.status_code == 422
    assert 'id="kind-error"' in nothing.text and 'id="details-error"' in nothing.text
    short = ask(client, kind="rectify_account", details="mal")
    assert short.status_code == 422
    assert 'id="details-error"' in short.text and "al menos 10 caracteres" in short.text
    assert count() == 0


def test_another_persons_request_does_not_exist_for_a_resident(client, auth):
    owner = f.user()
    made = data_requests.create(owner, kind="rectify_account", processing=None, details=DETAILS)
    db.session.commit()
    auth.login(f.user())
    assert client.get(f"/cuenta/solicitudes/{made.id}").status_code == 404
    assert DETAILS not in client.get("/cuenta/solicitudes").text
    # nor may a resident answer one, their own or not
    response = client.post(
        f"/admin/solicitudes/{made.id}", data={"verdict": "accepted", "answer": "Hecho."}
    )
    assert response.status_code == 403
    assert client.get("/admin/solicitudes").status_code == 403
    db.session.expire_all()
    assert db.session.get(DataRequest, made.id).status == "pending"


def test_an_administrator_answers_and_the_resident_is_told(client, auth, outbox):
    owner = f.user()
    made = data_requests.create(owner, kind="oppose", processing="statistics", details=DETAILS)
    db.session.commit()
    admin = auth.login(f.admin())
    listing = client.get("/admin/solicitudes")
    assert listing.status_code == 200
    assert "1 solicitud en trámite." in listing.text
    dashboard = client.get("/admin/").text
    assert 'data-testid="data-requests">1<' in dashboard

    no_reason = client.post(f"/admin/solicitudes/{made.id}", data={"verdict": "refused"})
    assert no_reason.status_code == 422
    assert 'id="answer-error"' in no_reason.text
    assert db.session.scalar(select(func.count(Notification.id))) == 0

    answered = client.post(
        f"/admin/solicitudes/{made.id}",
        data={"verdict": "refused", "answer": "Las estadísticas no llevan datos personales."},
    )
    assert answered.status_code == 303
    db.session.expire_all()
    made = db.session.get(DataRequest, made.id)
    assert (made.status, made.answered_by_id) == ("refused", admin.id)
    note = db.session.scalar(select(Notification))
    assert (note.user_id, note.kind) == (owner.id, "data_request_answered")
    assert "Las estadísticas no llevan datos personales." in note.body

    again = client.post(
        f"/admin/solicitudes/{made.id}", data={"verdict": "accepted", "answer": "Sí procede."}
    )
    assert again.status_code == 409  # an answer is final
    logged = db.session.scalar(select(ActionLog).where(ActionLog.action == "data_request.answered"))
    assert logged.after == {"kind": "oppose", "status": "refused"}
    assert "respondió como improcedente la solicitud" in client.get("/admin/registro").text

    auth.login(owner)
    page = client.get(f"/cuenta/solicitudes/{made.id}").text
    assert "Improcedente" in page and "Las estadísticas no llevan datos personales." in page


def test_the_demo_accounts_accepted_and_a_request_waits(ctx):
    from participa.legal.demo import load_legal_demo
    from participa.legal.documents import pending_for

    resident, admin = f.user(), f.admin()
    load_legal_demo([resident, admin], resident)
    db.session.commit()
    assert pending_for(resident.id) == [] and pending_for(admin.id) == []
    assert db.session.scalar(select(DataRequest.user_id)) == resident.id


def test_the_request_of_a_deleted_account_keeps_no_text_and_is_not_answered(client, auth):
    owner = f.user()
    made = data_requests.create(owner, kind="rectify_account", processing=None, details=DETAILS)
    db.session.commit()
    auth.login(owner)
    deleted = client.post(
        "/cuenta/eliminar", data={"password": f.PASSWORD, "content": "keep", "confirmado": "1"}
    )
    assert deleted.status_code == 303
    auth.login(f.admin())
    refused = client.post(
        f"/admin/solicitudes/{made.id}", data={"verdict": "accepted", "answer": "Listo."}
    )
    assert refused.status_code == 409
    assert "eliminó su cuenta" in refused.text
    db.session.expire_all()
    kept = db.session.get(DataRequest, made.id)
    assert (kept.details, kept.answer, kept.status) == ("", "", "pending")
    assert db.session.scalar(select(func.count(Notification.id))) == 0
