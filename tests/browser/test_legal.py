"""In Chromium, CSRF on: the simplified privacy notice beside the registration form and the
acceptance it requires; a new version of the terms published by an administrator (preview,
then the confirmation) and accepted by a resident on their next visit; a rectification
request asked by the resident and answered by an administrator. axe checks each page; each
is photographed at 1280 and 375 px (test-artifacts/legal/)."""

from __future__ import annotations

import pytest

from participa.extensions import db
from participa.legal import documents
from participa.legal.models import DataRequest
from tests import factories as f
from tests.support.browser import look as look_at


def look(page, name: str) -> None:
    look_at(page, "legal", name)


@pytest.fixture
def asking(ctx, monkeypatch):
    monkeypatch.setitem(ctx.config, "LEGAL_ACCEPTANCE_REQUIRED", True)


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/entrar")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña", exact=True).fill(f.PASSWORD)
    page.get_by_role("button", name="Entrar").click()


def sign_out(page) -> None:
    page.get_by_role("button", name="Salir").click()


def test_registration_shows_the_simplified_notice_and_needs_the_acceptance(
    live_server, page, outbox
):
    base = live_server
    page.goto(f"{base}/registro")
    notice = page.get_by_test_id("simplified-notice")
    assert notice.is_visible()
    assert "derechos ARCO" in notice.inner_text()
    look(page, "register")
    page.get_by_label("Nombre").fill("Rosa Martínez")
    page.get_by_label("Correo electrónico").fill("rosa@example.org")
    page.get_by_label("Contraseña", exact=True).fill("una-clave-muy-larga")
    page.get_by_label("Repite la contraseña").fill("una-clave-muy-larga")
    page.get_by_role("button", name="Crear cuenta").click()
    error = page.locator("#accept_legal-error")
    assert "acepta el aviso de privacidad" in error.inner_text()
    assert page.get_by_label("Nombre").input_value() == "Rosa Martínez"
    look(page, "register-error")
    page.get_by_label("Contraseña", exact=True).fill("una-clave-muy-larga")
    page.get_by_label("Repite la contraseña").fill("una-clave-muy-larga")
    page.get_by_label("Leí y acepto").check()
    page.get_by_role("button", name="Crear cuenta").click()
    page.wait_for_url(f"{base}/registro/revisa-tu-correo")
    # the complete notice, linked from the footer
    page.get_by_test_id("footer-legal").get_by_role("link", name="Aviso de privacidad").click()
    page.wait_for_url(f"{base}/privacidad")
    look(page, "privacy-notice")


def test_new_terms_published_then_accepted_on_the_next_visit(live_server, page, asking):
    base = live_server
    admin, resident = f.admin(), f.user()
    documents.accept(admin.id)
    documents.accept(resident.id)
    db.session.commit()

    sign_in(page, base, admin.email)
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/admin/avisos-legales/terminos")
    body = page.get_by_label("Texto de la nueva versión")
    body.fill("# Términos de uso\n\n## Cambio\n\n- Una regla nueva para todos.\n\nY un párrafo.")
    page.get_by_role("button", name="Vista previa").click()
    assert "Una regla nueva para todos." in page.get_by_test_id("legal-preview").inner_text()
    look(page, "admin-edit-preview")
    page.get_by_role("button", name="Publicar la versión 2…").click()
    page.get_by_role("button", name="Sí, publicar la versión 2").click()
    # the administrator too accepts the new terms, on the very next page
    page.wait_for_url(f"{base}/aceptar-avisos?next=/admin/avisos-legales")
    assert "Publicaste la versión 2" in page.get_by_test_id("flashes").inner_text()
    sign_out(page)

    sign_in(page, base, resident.email)
    page.wait_for_url(f"{base}/aceptar-avisos?next=/")
    assert "Una regla nueva para todos." in page.get_by_test_id("accept-legal").inner_text()
    look(page, "interstitial")
    page.get_by_role("button", name="Aceptar y continuar").click()
    assert page.locator("#accept-error").is_visible()
    page.get_by_label("Leí y acepto").check()
    page.get_by_role("button", name="Aceptar y continuar").click()
    page.wait_for_url(f"{base}/")
    assert "aceptaste" in page.get_by_test_id("flashes").inner_text()
    page.goto(f"{base}/avisos/terminos/1")
    assert page.get_by_test_id("old-version").is_visible()


def test_a_rectification_request_asked_and_answered(live_server, page, outbox):
    base = live_server
    admin, resident = f.admin(), f.user()
    db.session.commit()

    sign_in(page, base, resident.email)
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/cuenta")
    page.get_by_test_id("data-requests-link").click()
    page.get_by_label("Rectificar mis datos de verificación de residencia").check()
    page.get_by_label("Explica tu solicitud").fill("Mi fecha de nacimiento está mal en el padrón.")
    look(page, "my-requests-form")
    page.get_by_role("button", name="Enviar solicitud").click()
    page.wait_for_url(f"{base}/cuenta/solicitudes/*")
    request_id = int(page.url.rsplit("/", 1)[1])
    assert page.get_by_test_id("due-on").is_visible()
    look(page, "my-request")
    sign_out(page)

    sign_in(page, base, admin.email)
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/admin/solicitudes")
    look(page, "admin-requests")
    page.get_by_role("link", name=f"n.º {request_id}").click()
    page.get_by_label("Improcedente: no se atiende").check()
    page.get_by_role("button", name="Enviar respuesta").click()
    assert page.locator("#answer-error").is_visible()
    look(page, "admin-request")
    page.get_by_label("Improcedente: no se atiende").check()
    page.get_by_label("Respuesta para la persona").fill("El padrón es del INE: acude a su módulo.")
    page.get_by_role("button", name="Enviar respuesta").click()
    page.wait_for_url(f"{base}/admin/solicitudes")
    db.session.expire_all()
    assert db.session.get(DataRequest, request_id).status == "refused"
