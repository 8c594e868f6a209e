"""In Chromium: an administrator creates a process (a draft), a resident does not see it,
the administrator previews it, publishes it after confirming, and the resident sees it."""

from sqlalchemy import select

from participa.extensions import db
from participa.processes.models import Process
from tests import factories as f
from tests.support.auth import browser_login, logged_in_page
from tests.support.browser import screenshot

TITLE = "Presupuesto Participativo 2028"


def test_admin_creates_a_draft_and_publishes_it(live_server, page, browser):
    admin, resident = f.admin(), f.user()
    db.session.commit()
    browser_login(page, live_server, admin.email)

    page.goto(f"{live_server}/admin/procesos/nuevo")
    page.get_by_label("Título").fill(TITLE)
    page.get_by_label("Municipio").fill("Santa Lucía")
    page.get_by_role("button", name="Crear proceso").click()
    page.wait_for_url("**/admin/procesos/*")
    assert "borrador" in page.get_by_test_id("flashes").inner_text()
    assert "Borrador" in page.get_by_test_id("publication-status").inner_text()
    process = db.session.scalar(select(Process))
    assert process.published_at is None

    neighbour = logged_in_page(browser, live_server, resident.email, f.PASSWORD)
    assert TITLE not in neighbour.content()  # not on the home page
    missing = neighbour.goto(f"{live_server}/procesos/{process.slug}")
    assert missing is not None and missing.status == 404

    page.goto(f"{live_server}/procesos/{process.slug}")  # the administrator's preview
    assert "Borrador: solo el personal lo ve." in page.get_by_test_id("draft-banner").inner_text()
    screenshot(page, "draft-preview")

    page.goto(f"{live_server}/admin/procesos/{process.id}")
    page.get_by_test_id("publish-link").click()
    page.wait_for_url(f"**/admin/procesos/{process.id}/publicar")
    assert "¿Publicar" in page.get_by_role("heading", level=1).inner_text()
    screenshot(page, "publish-confirm")
    page.get_by_test_id("confirm-button").click()
    page.wait_for_url(f"**/admin/procesos/{process.id}")
    assert "Publicado" in page.get_by_test_id("publication-status").inner_text()

    neighbour.goto(f"{live_server}/")
    assert TITLE in neighbour.content()
    shown = neighbour.goto(f"{live_server}/procesos/{process.slug}")
    assert shown is not None and shown.status == 200
    assert neighbour.get_by_test_id("draft-banner").count() == 0
    neighbour.context.close()
