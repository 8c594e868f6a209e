"""An administrator configures a process, reviews proposals, builds the ballot and tallies."""

import re

from sqlalchemy import func, select

from participa.accounts.models import Role
from participa.audit import services as audit
from participa.budgets.models import Budget, Project
from participa.extensions import db
from participa.processes.models import Phase, Process
from participa.proposals.models import Proposal
from participa.results.models import RunStatus, TallyRun
from tests import factories as f


def test_admin_pages_refuse_residents_and_anonymous(client, auth):
    resident = f.user()
    db.session.commit()
    assert client.get("/admin/").status_code == 302
    auth.login(resident)
    assert client.get("/admin/").status_code == 403
    assert client.post("/admin/procesos/nuevo", data={"title": "X"}).status_code == 403
    assert db.session.scalar(select(func.count(Process.id))) == 0


def test_admin_builds_a_process_end_to_end(client, auth):
    admin = f.admin()
    db.session.commit()
    auth.login(admin)
    response = client.post(
        "/admin/procesos/nuevo",
        data={
            "title": "Presupuesto Participativo 2027",
            "slug": "",
            "municipality": "Santa Lucía",
            "district_id": 0,
            "description": "Decide en qué se invierte.",
        },
    )
    assert response.status_code == 303
    process = db.session.scalar(select(Process))
    assert process.slug == "presupuesto-participativo-2027"

    response = client.post(
        f"/admin/procesos/{process.id}/presupuestos",
        data={
            "title": "Todo el municipio",
            "amount": "1000",
            "currency": "MXN",
            "district_id": 0,
            "ballot_type": "knapsack",
            "min_projects": "1",
            "min_spend_percent": "0",
            "rule": "greedy",
        },
    )
    assert response.status_code == 303
    budget = db.session.scalar(select(Budget))
    assert (budget.amount, budget.currency, budget.rule) == (1000, "MXN", "greedy")
    bad = client.post(
        f"/admin/procesos/{process.id}/presupuestos",
        data={
            "title": "Mal",
            "amount": "-5",
            "currency": "MXN",
            "ballot_type": "knapsack",
            "rule": "greedy",
            "district_id": 0,
        },
    )
    assert bad.status_code == 400
    assert db.session.scalar(select(func.count(Budget.id))) == 1

    assert (
        client.post(
            f"/admin/presupuestos/{budget.id}/proyectos",
            data={
                "title": "Parque",
                "cost": "600",
                "description": "",
            },
        ).status_code
        == 303
    )
    too_big = client.post(
        f"/admin/presupuestos/{budget.id}/proyectos", data={"title": "Puente", "cost": "5000"}
    )
    assert too_big.status_code == 422

    proposal = Proposal(
        process_id=process.id,
        author_id=admin.id,
        title="Ciclovía",
        body="x" * 40,
        category="movilidad",
    )
    rejected = Proposal(
        process_id=process.id,
        author_id=admin.id,
        title="Estadio",
        body="x" * 40,
        category="deporte",
    )
    db.session.add_all([proposal, rejected])
    db.session.commit()
    no_reason = client.post(
        f"/admin/propuestas/{rejected.id}/respuesta", data={"state": "rejected", "reason": ""}
    )
    assert no_reason.status_code == 422
    client.post(
        f"/admin/propuestas/{rejected.id}/respuesta",
        data={"state": "rejected", "reason": "Excede el presupuesto."},
    )
    client.post(
        f"/admin/propuestas/{proposal.id}/respuesta",
        data={"state": "accepted", "cost": "300", "reason": ""},
    )
    page = client.get(f"/admin/presupuestos/{budget.id}")
    assert f'id="proposal-{proposal.id}"' in page.text  # accepted: offered for the ballot
    assert f'id="proposal-{rejected.id}"' not in page.text
    client.post(
        f"/admin/presupuestos/{budget.id}/desde-propuestas",
        data={"proposal": [proposal.id, rejected.id]},
    )
    projects = db.session.scalars(select(Project).order_by(Project.position)).all()
    assert [(p.title, p.cost, p.proposal_id) for p in projects] == [
        ("Parque", 600, None),
        ("Ciclovía", 300, proposal.id),
    ]
    # the project made from the proposal is the administrator's doing, not "the system's"
    created = audit.entries(action="project.created")
    from_proposal = [e for e in created if e.target_id == projects[1].id]
    assert [e.actor_id for e in from_proposal] == [admin.id]

    add_phase = f"/admin/procesos/{process.id}/fases"
    backdated = {
        "title": "Votación",
        "starts_at": "2020-01-01T00:00",
        "ends_at": "2099-01-01T00:00",
        "allows_vote": "y",
    }
    unexplained = client.post(add_phase, data=backdated)  # starts in the past: say why
    assert unexplained.status_code == 422 and "empieza en el pasado" in unexplained.text
    assert process.phases == []
    reason = "Votación abierta desde la asamblea vecinal"
    assert client.post(add_phase, data={**backdated, "reason": reason}).status_code == 303
    (added,) = audit.entries(action="phase.added")
    assert added.after["reason"] == reason and added.public
    overlapping = client.post(
        add_phase,
        data={
            "title": "Otra",
            "starts_at": "2030-01-01T00:00",
            "ends_at": "2031-01-01T00:00",
        },
    )
    assert overlapping.status_code == 409 and "Votación" in overlapping.text
    backwards = client.post(
        add_phase,
        data={
            "title": "Mal",
            "starts_at": "2100-02-01T00:00",
            "ends_at": "2100-01-01T00:00",
        },
    )
    assert backwards.status_code == 422
    assert db.session.scalar(select(func.count(Phase.id))) == 1

    late = client.post(
        f"/admin/presupuestos/{budget.id}/proyectos", data={"title": "Tarde", "cost": "100"}
    )
    assert late.status_code == 403  # the ballot is fixed once voting has started
    assert db.session.scalar(select(func.count(Project.id))) == 2

    voter = f.user()
    db.session.commit()
    client.post("/salir")
    auth.login(voter)
    base = f"/procesos/{process.slug}/presupuestos/{budget.id}"
    ballot = {"project": [projects[1].id]}
    assert client.post(f"{base}/boleta/confirmar", data=ballot).status_code == 404  # a draft
    client.post("/salir")
    auth.login(admin)
    assert (
        client.post(f"/admin/procesos/{process.id}/publicar", data={"confirmado": "1"}).status_code
        == 303
    )
    client.post("/salir")
    auth.login(voter)
    assert client.post(f"{base}/boleta/confirmar", data=ballot).status_code == 303
    client.post("/salir")
    auth.login(admin)
    assert client.post(f"/admin/presupuestos/{budget.id}/contar").status_code == 303
    run = db.session.scalar(select(TallyRun))
    assert run.status == RunStatus.DONE and run.ballots_counted == 1
    assert [o.project_id for o in run.selected] == [projects[1].id, projects[0].id]
    assert "Ciclovía" in client.get(f"{base}/resultados/").text  # admins see results early


def test_admin_edits_a_budget_until_voting_opens(client, auth):
    admin = f.admin()
    open_budget = f.budget(f.process(now_allows=("allows_vote",)))
    later = f.budget(f.process(now_allows=("allows_propose",)))
    db.session.commit()
    auth.login(admin)
    form = {
        "title": "Obras",
        "amount": "5000",
        "currency": "MXN",
        "district_id": 0,
        "ballot_type": "approval",
        "min_projects": "1",
        "max_projects": "2",
        "min_spend_percent": "0",
        "rule": "greedy",
    }
    assert client.post(f"/admin/presupuestos/{later.id}/editar", data=form).status_code == 303
    db.session.expire_all()
    assert (later.title, later.amount, later.max_projects) == ("Obras", 5000, 2)
    locked = client.post(f"/admin/presupuestos/{open_budget.id}/editar", data=form)
    assert locked.status_code == 403
    db.session.expire_all()
    assert open_budget.amount == 1000
    assert (
        'data-testid="rules-locked"'
        in client.get(f"/admin/presupuestos/{open_budget.id}/editar").text
    )


def test_the_header_marks_administracion_on_every_page_under_admin(client, auth):
    """Pages of other blueprints under /admin/ (users and roles, census, publishing held
    answers, follow-up) are the administration's: the header marked «Evaluación» or
    nothing on them."""
    process = f.process()
    auth.login_as(Role.ADMIN)
    current = re.compile(r'<a href="([^"]+)" aria-current="page">')
    for url in (
        "/admin/",
        "/admin/usuarios",
        "/admin/padron",
        f"/admin/procesos/{process.id}/seguimiento",
        f"/admin/procesos/{process.id}/revision",
    ):
        assert current.findall(client.get(url).get_data(as_text=True)) == ["/admin/"], url
    assert current.findall(client.get("/evaluacion").get_data(as_text=True)) == ["/evaluacion"]
