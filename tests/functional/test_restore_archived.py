"""Restoring what was archived: a budget archived or a project withdrawn comes back to the
ballot while the ballot can still change (no voting phase has begun), logged publicly with
before and after; after that the page says why not, beside the item, and nothing changes.
The list of what was archived is reached from the budget's page."""

import html

from sqlalchemy import select

from participa.audit.models import ActionLog
from participa.budgets.models import Budget, Project
from participa.extensions import db
from tests import factories as f

CONFIRMED = {"confirmado": "1"}


def _entries(action: str) -> list[ActionLog]:
    return list(db.session.scalars(select(ActionLog).where(ActionLog.action == action)))


def test_an_archived_budget_and_a_withdrawn_project_are_restored_before_voting(client, auth):
    process = f.process(now_allows=("allows_propose",))  # voting has not begun
    budget, other = f.budget(process), f.budget(process)
    project = f.projects(other)[0]
    db.session.commit()
    auth.login(f.admin())
    budget_page = client.get(f"/admin/presupuestos/{budget.id}").get_data(as_text=True)
    assert f'href="/admin/procesos/{process.id}/archivados"' in budget_page
    assert (
        client.post(f"/admin/presupuestos/{budget.id}/archivar", data=CONFIRMED).status_code == 303
    )
    removed = client.post(f"/admin/proyectos/{project.id}/retirar", data=CONFIRMED)
    assert removed.status_code == 303

    listed = html.unescape(client.get(f"/admin/procesos/{process.id}/archivados").text)
    assert budget.title in listed and project.title in listed
    assert listed.count('data-testid="restore-button"') == 2

    done = client.post(f"/admin/presupuestos/{budget.id}/restaurar")
    assert done.status_code == 303
    assert client.post(f"/admin/proyectos/{project.id}/restaurar").status_code == 303
    db.session.expire_all()
    assert db.session.get(Budget, budget.id).archived_at is None
    assert db.session.get(Project, project.id).archived_at is None
    (restored,) = _entries("budget.restored")
    assert restored.before["archived_at"] is not None and restored.after["archived_at"] is None
    assert restored.public and restored.process_id == process.id
    (back,) = _entries("project.restored")
    assert back.before["archived_at"] is not None and back.after == {
        "title": project.title,
        "archived_at": None,
    }
    log = html.unescape(client.get("/admin/registro").text)
    assert f"restauró el presupuesto archivado «{budget.title}»" in log
    assert f"restauró el proyecto «{project.title}»: volvió a la boleta" in log
    assert (
        "Ningún presupuesto archivado."
        in client.get(f"/admin/procesos/{process.id}/archivados").text
    )


def test_once_voting_has_begun_nothing_is_restored_and_the_page_says_why(client, auth):
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process)
    db.session.commit()
    auth.login(f.admin())
    assert (
        client.post(f"/admin/presupuestos/{budget.id}/archivar", data=CONFIRMED).status_code == 303
    )
    page = client.get(f"/admin/procesos/{process.id}/archivados").text
    assert 'data-testid="restore-locked"' in page and 'data-testid="restore-button"' not in page

    refused = client.post(f"/admin/presupuestos/{budget.id}/restaurar")
    assert refused.status_code == 403
    text = html.unescape(refused.text)
    item = text.split(f'id="budget-{budget.id}"', 1)[1].split("</li>", 1)[0]
    assert "la boleta quedó fija" in item and 'data-testid="restore-error"' in item  # beside it
    db.session.expire_all()
    assert db.session.get(Budget, budget.id).archived_at is not None
    assert _entries("budget.restored") == []


def test_a_project_of_an_archived_budget_waits_for_its_budget(client, auth):
    process = f.process(now_allows=("allows_propose",))
    budget = f.budget(process)
    project = f.projects(budget)[0]
    db.session.commit()
    auth.login(f.admin())
    client.post(f"/admin/proyectos/{project.id}/retirar", data=CONFIRMED)
    client.post(f"/admin/presupuestos/{budget.id}/archivar", data=CONFIRMED)
    refused = client.post(f"/admin/proyectos/{project.id}/restaurar")
    assert refused.status_code == 403
    item = html.unescape(refused.text).split(f'id="project-{project.id}"', 1)[1].split("</li>")[0]
    assert "restáuralo antes que su proyecto" in item
    db.session.expire_all()
    assert db.session.get(Project, project.id).archived_at is not None
    assert client.post(f"/admin/presupuestos/{budget.id}/restaurar").status_code == 303
    assert client.post(f"/admin/presupuestos/{budget.id}/restaurar").status_code == 409  # done
    assert client.post(f"/admin/proyectos/{project.id}/restaurar").status_code == 303
