"""In Chromium: an administrator sets up districts and a process with a budget for each of
two districts, residents voting only in their own; the public page shows the changes."""

from sqlalchemy import select

from participa.budgets.models import Budget
from participa.extensions import db
from participa.processes.models import District, Process
from tests import factories as f
from tests.support.auth import browser_login
from tests.support.browser import screenshot

UNDER = "\u00a0" * 3  # a district inside another is indented in the lists


def test_admin_configures_a_process_with_two_districts(live_server, page):
    admin = f.admin()
    db.session.commit()
    browser_login(page, live_server, admin.email)

    page.goto(f"{live_server}/admin/distritos")
    for name, parent in (
        ("San Pedro", None),
        ("Sector Norte", "San Pedro"),
        ("Sector Sur", "San Pedro"),
    ):
        page.get_by_label("Nombre").fill(name)
        if parent:
            page.get_by_label("Dentro de").select_option(label=parent)
        page.get_by_role("button", name="Agregar distrito").click()
        page.wait_for_load_state()
    assert page.get_by_test_id("district").count() == 3

    page.goto(f"{live_server}/admin/procesos/nuevo")
    page.get_by_label("Título").fill("Presupuesto Participativo por Sectores")
    page.get_by_label("Municipio").fill("San Pedro")
    page.get_by_role("button", name="Crear proceso").click()
    page.wait_for_url("**/admin/procesos/*")
    process = db.session.scalar(select(Process))

    page.goto(f"{live_server}/admin/procesos/{process.id}/presupuestos")
    budgets_form = page.get_by_test_id("budget-form")
    for sector in ("Sector Norte", "Sector Sur"):
        budgets_form.get_by_label("Nombre del presupuesto").fill(f"Obras del {sector}")
        budgets_form.get_by_label("Monto (pesos, sin centavos)").fill("2000000")
        budgets_form.get_by_label("Distrito").select_option(label=UNDER + sector)  # in the tree
        budgets_form.get_by_role("button", name="Crear presupuesto").click()
        page.wait_for_url(f"**/admin/procesos/{process.id}/presupuestos#presupuesto-*")
        budgets_form = page.get_by_test_id("budget-form")
    page.get_by_role("navigation", name="Secciones del proceso").get_by_role(
        "link", name="Resumen y ajustes"
    ).click()
    settings = page.get_by_test_id("settings-form")
    settings.get_by_label("¿En qué presupuestos de distrito vota cada residente?").select_option(
        "own"
    )
    settings.get_by_role("button", name="Guardar ajustes").click()
    page.wait_for_load_state()
    screenshot(page, "admin-process-two-districts")

    db.session.expire_all()
    process = db.session.get(Process, process.id)
    north, south = (
        db.session.scalar(select(District).where(District.name == n))
        for n in ("Sector Norte", "Sector Sur")
    )
    assert north.parent.name == south.parent.name == "San Pedro"
    assert process.vote_scope == "own"
    assert {(b.title, b.district_id) for b in db.session.scalars(select(Budget))} == {
        ("Obras del Sector Norte", north.id),
        ("Obras del Sector Sur", south.id),
    }

    page.goto(f"{live_server}/procesos/{process.slug}")
    log = page.get_by_test_id("public-log").inner_text()
    assert "Obras del Sector Norte" in log and "ajustes de votación" in log
