"""In Chromium: an administrator corrects a phase's dates (extends the open vote, which the
public process page then shows) and a project's cost, through the forms and without
JavaScript of the page; the new pages pass the axe audit."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from participa.budgets.models import Project
from participa.extensions import db
from participa.processes.models import Phase
from tests import factories as f
from tests.support.auth import browser_login
from tests.support.browser import axe_violations, screenshot


def local(moment) -> str:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def test_admin_extends_the_vote_and_corrects_a_project_cost(live_server, page):
    voting = f.process(now_allows=("allows_vote",))
    _past, vote, results = sorted(voting.phases, key=lambda p: p.starts_at)
    results.starts_at += timedelta(days=5)
    results.ends_at += timedelta(days=5)
    before_voting = f.process()
    project = f.projects(f.budget(before_voting))[0]
    admin = f.admin()
    db.session.commit()
    vote_id, old_end, project_id = vote.id, vote.ends_at, project.id
    browser_login(page, live_server, admin.email)

    page.goto(f"{live_server}/admin/procesos/{voting.id}/fases")
    page.locator(f'[data-testid="edit-phase"][href$="/fases/{vote_id}/editar"]').click()
    page.wait_for_url(f"**/admin/fases/{vote_id}/editar")
    assert axe_violations(page) == []
    new_end = local(old_end + timedelta(days=3))
    page.get_by_label("Fin (hora local)").fill(new_end)
    screenshot(page, "admin-edit-phase")
    page.get_by_role("button", name="Guardar cambios").click()
    page.wait_for_url(f"**/admin/procesos/{voting.id}/fases")
    db.session.expire_all()
    extended = old_end + timedelta(days=3)  # to the minute: the form has no seconds
    assert db.session.get(Phase, vote_id).ends_at == extended.replace(second=0, microsecond=0)

    page.goto(f"{live_server}/procesos/{voting.slug}")
    assert (
        "La administración extendió la votación «Ahora» hasta el"
        in page.get_by_test_id("public-log").inner_text()
    )

    page.goto(f"{live_server}/admin/presupuestos/{project.budget_id}")
    page.locator(f'[data-testid="edit-project"][href$="/proyectos/{project_id}/editar"]').click()
    page.wait_for_url(f"**/admin/proyectos/{project_id}/editar")
    page.get_by_label("Costo (pesos)").fill("999999")  # more than the budget
    page.get_by_role("button", name="Guardar cambios").click()
    error = page.locator("#cost-error")
    assert "monto del presupuesto" in error.inner_text()
    assert page.get_by_label("Costo (pesos)").input_value() == "999999"  # kept
    assert axe_violations(page) == []
    page.get_by_label("Costo (pesos)").fill("350")
    page.get_by_role("button", name="Guardar cambios").click()
    page.wait_for_url(f"**/admin/presupuestos/{project.budget_id}")
    db.session.expire_all()
    assert db.session.get(Project, project_id).cost == 350
