"""The privacy notice (complete and simplified) and the terms of use: public pages in
versions that never change, published by administrators after a confirmation, accepted at
registration and again when they change (participa/legal)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from participa.accounts.models import User
from participa.audit.models import ActionLog
from participa.extensions import db
from participa.legal import documents
from participa.legal.defaults import PRIVACY, TERMS
from participa.legal.models import Consent, LegalDocument
from tests import factories as f

NEW_TERMS = "# Términos de uso\n\n## Cambio\n\nUna regla nueva para todos."


def consents(user_id: int) -> set[tuple[str, int]]:
    rows = db.session.execute(
        select(Consent.kind, Consent.version).where(Consent.user_id == user_id)
    )
    return {(kind, version) for kind, version in rows}


def publish(client, document: str, body: str, **extra):
    return client.post(f"/admin/avisos-legales/{document}", data={"body": body, **extra})


def test_the_public_pages_show_version_1_and_every_page_links_them(client):
    page = client.get("/privacidad")
    assert page.status_code == 200
    assert "Aviso de privacidad integral" in page.text
    assert "versión 1" in page.text
    assert "Derechos ARCO" in page.text and "20 días hábiles" in page.text
    assert "huella cifrada" in page.text  # the census document and birth date: only hashes
    assert "Aviso de privacidad simplificado" in client.get("/privacidad/simplificado").text
    assert "Términos de uso" in client.get("/terminos").text
    assert "Versión 1" in client.get("/privacidad/versiones").text
    footer = client.get("/").text.split('data-testid="footer-legal"')[1]
    for path in ("/privacidad", "/privacidad/simplificado", "/terminos"):
        assert f'href="{path}"' in footer
    assert client.get("/avisos/privacidad/2").status_code == 404


def test_publishing_asks_first_then_adds_a_version_and_keeps_the_old_one(client, auth):
    admin = auth.login(f.admin())
    asked = publish(client, "terminos", NEW_TERMS)
    assert asked.status_code == 200
    assert "¿Publicar la versión 2 de «Términos de uso»?" in asked.text
    assert db.session.scalar(select(func.count(LegalDocument.id))) == 0  # nothing yet

    done = publish(client, "terminos", NEW_TERMS, confirmado="1")
    assert done.status_code == 303
    stored = {d.version: d for d in documents.versions("terms")}
    assert set(stored) == {1, 2}
    assert stored[1].body == TERMS and stored[2].body == NEW_TERMS.strip()
    assert stored[2].published_by_id == admin.id
    first = (stored[1].id, stored[1].body, stored[1].published_at)

    # a third version: the earlier rows are as they were
    publish(client, "terminos", NEW_TERMS + "\n\nOtra regla.", confirmado="1")
    db.session.expire_all()
    again = db.session.get(LegalDocument, first[0])
    assert (again.id, again.body, again.published_at) == first
    assert [d.version for d in documents.versions("terms")] == [3, 2, 1]

    old = client.get("/avisos/terminos/1")
    assert old.status_code == 200
    assert "Esta es una versión anterior. La vigente es la versión 3." in old.text
    assert "Tu cuenta" in old.text  # the default text, as it was
    assert "Otra regla." in client.get("/terminos").text
    logged = db.session.scalars(
        select(ActionLog).where(ActionLog.action == "legal_document.published")
    ).all()
    assert [e.after for e in logged] == [
        {"kind": "terms", "version": 2},
        {"kind": "terms", "version": 3},
    ]
    log_page = client.get("/admin/registro").text
    assert "publicó la versión 3 de «Términos de uso»" in log_page


def test_the_preview_and_a_refused_text_store_nothing(client, auth):
    auth.login(f.admin())
    preview = publish(client, "privacidad", "# Aviso nuevo\n\n- uno\n- dos", vista_previa="1")
    assert preview.status_code == 200
    assert 'data-testid="legal-preview"' in preview.text and "<li>dos</li>" in preview.text
    empty = publish(client, "privacidad", "   ", confirmado="1")
    assert empty.status_code == 422
    same = publish(client, "privacidad", PRIVACY, confirmado="1")
    assert same.status_code == 422
    assert "igual al de la versión vigente" in same.text
    assert 'id="body-error"' in same.text  # beside the field
    assert db.session.scalar(select(func.count(LegalDocument.id))) == 0


def test_an_administrators_html_is_shown_as_text(client, auth):
    auth.login(f.admin())
    body = '# Aviso <b>nuevo</b>\n\n<script>alert("x")</script> <a href="javascript:1">x</a>'
    publish(client, "privacidad", body, confirmado="1")
    page = client.get("/privacidad").text
    assert "<script>alert" not in page and "<b>nuevo</b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert 'href="javascript' not in page


def test_only_administrators_edit_the_documents(client, auth):
    auth.login(f.user())
    assert client.get("/admin/avisos-legales").status_code == 403
    assert publish(client, "terminos", NEW_TERMS, confirmado="1").status_code == 403
    assert db.session.scalar(select(func.count(LegalDocument.id))) == 0


def register(client, **extra):
    data = {
        "name": "Ana López",
        "email": "ana@example.org",
        "district_id": 0,
        "password": f.PASSWORD,
        "confirm": f.PASSWORD,
    }
    return client.post("/registro", data={**data, **extra})


def test_registration_needs_the_acceptance_and_records_the_versions(client, outbox):
    refused = register(client)
    assert refused.status_code == 422
    assert 'id="accept_legal-error"' in refused.text
    assert "acepta el aviso de privacidad y los términos" in refused.text
    assert 'value="Ana López"' in refused.text  # what was typed is kept
    assert db.session.scalar(select(User).where(User.email == "ana@example.org")) is None

    assert register(client, accept_legal="y").status_code == 302
    ana = db.session.scalar(select(User).where(User.email == "ana@example.org"))
    assert consents(ana.id) == {("privacy", 1), ("terms", 1)}


def test_registration_records_the_version_in_force(client, outbox):
    documents.publish("terms", NEW_TERMS, actor=None)
    db.session.commit()
    register(client, accept_legal="y")
    ana = db.session.scalar(select(User).where(User.email == "ana@example.org"))
    assert consents(ana.id) == {("privacy", 1), ("terms", 2)}


@pytest.fixture
def asking(ctx, monkeypatch):
    monkeypatch.setitem(ctx.config, "LEGAL_ACCEPTANCE_REQUIRED", True)


@pytest.mark.parametrize("make", [f.user, f.admin], ids=["resident", "administrator"])
def test_a_new_version_is_accepted_on_the_next_visit(client, auth, asking, make):
    person = make()
    documents.accept(person.id)
    db.session.commit()
    auth.login(person)
    assert client.get("/").status_code == 200

    documents.publish("privacy_short", "# Aviso simplificado\n\nOtro.", actor=None)
    db.session.commit()
    assert client.get("/").status_code == 200  # the simplified notice is not accepted apart

    documents.publish("terms", NEW_TERMS, actor=None)
    db.session.commit()
    sent = client.get("/cuenta/actividad")
    assert sent.status_code == 302
    assert sent.headers["Location"].startswith("/aceptar-avisos?next=/cuenta/actividad")
    # still open: the legal pages, the API, the language, signing out
    assert client.get("/privacidad").status_code == 200
    assert client.get("/api/v1/processes").status_code == 200
    assert client.post("/idioma/en", data={"next": "/"}).status_code == 302
    client.post("/idioma/es_MX", data={"next": "/"})

    page = client.get("/aceptar-avisos?next=/cuenta/actividad")
    assert page.status_code == 200
    assert "Una regla nueva para todos." in page.text
    assert "versión 2" in page.text
    refused = client.post("/aceptar-avisos", data={"next": "/cuenta", "shown": "terms:2"})
    assert refused.status_code == 422
    assert 'id="accept-error"' in refused.text
    assert consents(person.id) == {("privacy", 1), ("terms", 1)}

    accepted = client.post(
        "/aceptar-avisos", data={"next": "/cuenta", "accept": "y", "shown": "terms:2"}
    )
    assert accepted.status_code == 303
    assert accepted.headers["Location"] == "/cuenta"
    assert consents(person.id) == {("privacy", 1), ("terms", 1), ("terms", 2)}
    assert client.get("/").status_code == 200


def test_rights_stay_open_and_only_the_version_shown_is_accepted(client, auth, asking):
    """One who does not accept a new version may still leave, take their data and stop
    the optional notices; a version published while the page was read is not accepted
    unseen."""
    person = f.user()
    documents.accept(person.id)
    documents.publish("terms", NEW_TERMS, actor=None)
    db.session.commit()
    auth.login(person)
    assert client.get("/cuenta/actividad").status_code == 302  # asked to accept first
    for open_page in ("/cuenta", "/cuenta/eliminar", "/cuenta/mis-datos", "/cuenta/notificaciones"):
        assert client.get(open_page).status_code == 200, open_page
    opened = client.get("/cuenta/confirmar/un-token-cualquiera")  # never copied into ?next=
    assert "aceptar-avisos" not in opened.headers.get("Location", "")

    page = client.get("/aceptar-avisos")
    assert 'value="terms:2"' in page.text
    documents.publish("terms", NEW_TERMS + "\n\nY otra más.", actor=None)  # meanwhile
    db.session.commit()
    late = client.post("/aceptar-avisos", data={"accept": "y", "shown": "terms:2"})
    assert late.status_code == 422
    assert "se publicó una versión nueva" in late.text and 'value="terms:3"' in late.text
    assert consents(person.id) == {("privacy", 1), ("terms", 1)}
    assert (
        client.post("/aceptar-avisos", data={"accept": "y", "shown": "terms:3"}).status_code == 303
    )
    assert consents(person.id) == {("privacy", 1), ("terms", 1), ("terms", 3)}


def test_signing_out_is_never_blocked(client, auth, asking):
    auth.login(f.user())  # accepted nothing
    assert client.get("/").status_code == 302
    assert client.post("/salir").status_code == 302
    assert client.get("/").status_code == 200


def test_the_simplified_notice_is_beside_the_forms_that_collect_data(client, auth):
    assert 'data-testid="simplified-notice"' in client.get("/registro").text
    process = f.process(now_allows=("allows_propose",))
    db.session.commit()
    auth.login(f.user())
    for path in ("/verificacion", f"/procesos/{process.slug}/propuestas/nueva"):
        page = client.get(path).text
        assert 'data-testid="simplified-notice"' in page, path
        assert 'href="/privacidad"' in page


def test_two_publications_at_once_make_one_version_and_a_refusal(ctx, monkeypatch):
    from participa.errors import Conflict

    documents.publish("terms", NEW_TERMS, actor=None)
    db.session.commit()
    stale = documents.current("terms")  # what a second administrator read before
    monkeypatch.setattr(documents, "current", lambda kind: documents._default(kind))
    with pytest.raises(Conflict):
        documents.publish("terms", NEW_TERMS + " Otra.", actor=None)
    db.session.rollback()
    assert [d.version for d in documents.versions("terms")] == [2, 1]
    assert stale.version == 2
