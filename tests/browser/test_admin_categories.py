"""In Chromium: an administrator manages the categories from the browser (a form sent
wrong keeps what was typed, beside the field; rename, reorder, archive; delete through a
confirmation page, refused while used), axe finds nothing serious on those pages, and a
resident's proposal form offers exactly the categories available."""

from participa.categories import queries
from participa.extensions import db
from participa.proposals.models import Proposal
from tests import factories as f
from tests.support.auth import browser_login
from tests.support.browser import Audit, screenshot


def test_admin_manages_categories_in_the_browser(live_server, page):
    admin = f.admin()
    process = f.process(now_allows=("allows_propose",))
    db.session.add(
        Proposal(
            process_id=process.id,
            author_id=f.user().id,
            title="Bancas en la plaza",
            body="Bancas a la sombra en la plaza principal.",
            category="salud",
        )
    )
    db.session.commit()
    browser_login(page, live_server, admin.email)
    audit = Audit("administrator")

    page.goto(f"{live_server}/admin/categorias")
    audit.check(page, "categories")
    form = page.get_by_test_id("category-form")
    form.get_by_label("Nombre en inglés (opcional)").fill("Water")
    form.get_by_role("button", name="Agregar categoría").click()
    page.locator(".error-summary").wait_for()
    assert form.get_by_label("Nombre en inglés (opcional)").input_value() == "Water"
    assert page.locator("#new-name-error").is_visible()
    audit.check(page, "categories_errors")
    form.get_by_label("Nombre", exact=True).fill("Agua y drenaje")
    form.get_by_role("button", name="Agregar categoría").click()
    page.get_by_role("row", name="Agua y drenaje").wait_for()
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "admin-categories-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "admin-categories-375")
    page.set_viewport_size({"width": 1280, "height": 900})

    row = page.get_by_role("row", name="Agua y drenaje")
    row.get_by_role("button", name="Subir").click()
    page.get_by_role("row", name="Agua y drenaje").wait_for()
    names = [r.get_attribute("data-slug") for r in page.get_by_test_id("category").all()]
    assert names[-2:] == ["agua-y-drenaje", "desarrollo-social"]

    page.get_by_role("row", name="Agua y drenaje").get_by_role("link", name="Editar").click()
    audit.check(page, "category_edit")
    page.get_by_label("Nombre", exact=True).fill("Agua potable y drenaje")
    page.get_by_role("button", name="Guardar").click()
    page.get_by_role("row", name="Agua potable y drenaje").wait_for()

    salud = page.get_by_role("row", name="Salud")
    salud.get_by_role("link", name="Eliminar").click()
    page.get_by_test_id("confirm-refusal").wait_for()
    audit.check(page, "category_delete_in_use")
    screenshot(page, "admin-category-in-use-1280")
    page.get_by_role("button", name="Archivar la categoría").click()
    page.get_by_role("row", name="Salud").get_by_text("Archivada").wait_for()

    page.get_by_role("row", name="Agua potable y drenaje").get_by_role(
        "link", name="Eliminar"
    ).click()
    audit.check(page, "category_delete_confirm")
    page.get_by_role("button", name="Sí, eliminar la categoría").click()
    page.get_by_test_id("categories").wait_for()
    assert page.get_by_role("row", name="Agua potable y drenaje").count() == 0
    audit.assert_clean()

    db.session.expire_all()
    assert queries.by_slug("agua-y-drenaje") is None
    assert queries.by_slug("salud").is_archived
    page.goto(f"{live_server}/procesos/{process.slug}/propuestas/nueva")
    offered = (
        page.get_by_label("Categoría")
        .locator("option")
        .evaluate_all("(options) => options.map((o) => o.value)")
    )
    assert offered == [c.slug for c in queries.offered()] and "salud" not in offered
