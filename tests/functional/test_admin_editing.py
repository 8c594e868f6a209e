"""The correcting pages in the browser's terms: 303 on success, the form again with each
error beside its field and what was typed (422, or the rule's status), confirmation pages
before what cannot be undone, and what residents see afterwards."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from participa.audit.models import ActionLog
from participa.budgets.models import Budget, Project
from participa.db import utcnow
from participa.extensions import db
from participa.processes.models import District
from tests import factories as f
from tests.support.ballots import cast_ballot


def local(moment: datetime) -> str:
    """A naive UTC date as the municipality's local time a datetime-local input sends."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def phase_data(phase, **changes) -> dict:
    data = {
        "title": phase.title,
        "description": phase.description,
        "starts_at": local(phase.starts_at),
        "ends_at": local(phase.ends_at),
        **{name: "y" for name in ("allows_vote", "shows_vote_counts") if getattr(phase, name)},
    }
    return data | changes


def error_beside(html: str, field: str) -> str:
    match = re.search(rf'<p class="field__error" id="{field}-error">(.*?)</p>', html, re.S)
    assert match, f"no error beside {field}"
    return " ".join(match.group(1).split())


def voting_process():
    process = f.process(now_allows=("allows_vote",))
    _past, vote, results = sorted(process.phases, key=lambda p: p.starts_at)
    results.starts_at += timedelta(days=5)
    results.ends_at += timedelta(days=5)
    return process, vote


def test_non_admins_cannot_correct_anything(client, auth):
    process, vote = voting_process()
    resident = f.user()
    db.session.commit()
    urls = [f"/admin/fases/{vote.id}/editar", f"/admin/procesos/{process.id}/editar"]
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page
    auth.login(resident)
    for url in urls:
        assert client.get(url).status_code == 403
        assert client.post(url, data=phase_data(vote)).status_code == 403
    assert db.session.scalar(select(ActionLog).where(ActionLog.action == "voting.extended")) is None


def test_extending_the_vote_is_shown_on_the_public_process_page(client, auth):
    process, vote = voting_process()
    admin = f.admin()
    db.session.commit()
    auth.login(admin)
    form = client.get(f"/admin/fases/{vote.id}/editar").get_data(as_text=True)
    assert f'value="{local(vote.ends_at)}"' in form  # the local time, not UTC
    new_end = vote.ends_at + timedelta(days=3)
    response = client.post(
        f"/admin/fases/{vote.id}/editar", data=phase_data(vote, ends_at=local(new_end))
    )
    assert response.status_code == 303
    public = client.get(f"/procesos/{process.slug}").get_data(as_text=True)
    assert "La administración extendió la votación «Ahora» hasta el" in public


def test_a_phase_form_keeps_what_was_typed_and_shows_the_error_beside_its_field(client, auth):
    _process, vote = voting_process()
    admin = f.admin()
    db.session.commit()
    auth.login(admin)
    url = f"/admin/fases/{vote.id}/editar"
    response = client.post(url, data=phase_data(vote, title="Votación final", ends_at=""))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error_beside(html, "ends_at") and 'value="Votación final"' in html
    late = local(vote.ends_at + timedelta(days=12))  # into the results phase
    response = client.post(url, data=phase_data(vote, title="Votación final", ends_at=late))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "«Después»" in error_beside(html, "ends_at")
    assert f'value="{late}"' in html and 'value="Votación final"' in html
    response = client.post(url, data=phase_data(vote, allows_propose="y"))
    assert response.status_code == 403
    assert "lo que permite" in error_beside(response.get_data(as_text=True), "allows_vote")
    assert db.session.get(type(vote), vote.id).title == "Ahora"


def test_ending_the_vote_earlier_asks_first(client, auth):
    _process, vote = voting_process()
    admin = f.admin()
    db.session.commit()
    auth.login(admin)
    earlier = local(utcnow() + timedelta(days=2))
    url = f"/admin/fases/{vote.id}/editar"
    response = client.post(url, data=phase_data(vote, ends_at=earlier))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="confirm-page"' in html and 'name="confirmado" value="1"' in html
    assert f'name="ends_at" value="{earlier}"' in html
    assert db.session.scalar(select(ActionLog).where(ActionLog.action == "phase.shortened")) is None
    response = client.post(url, data=phase_data(vote, ends_at=earlier, confirmado="1"))
    assert response.status_code == 303
    assert db.session.scalar(select(ActionLog).where(ActionLog.action == "phase.shortened"))


def test_close_now_and_delete_ask_on_a_page_of_their_own(client, auth):
    process, vote = voting_process()
    future = max(process.phases, key=lambda p: p.starts_at)
    admin = f.admin()
    db.session.commit()
    auth.login(admin)
    page = client.get(f"/admin/procesos/{process.id}/fases").get_data(as_text=True)
    assert f'action="/admin/fases/{vote.id}/cerrar"' not in page  # no one-click button
    assert f'href="/admin/fases/{vote.id}/cerrar"' in page
    confirm = client.get(f"/admin/fases/{vote.id}/cerrar").get_data(as_text=True)
    assert (
        f'action="/admin/fases/{vote.id}/cerrar"' in confirm and "Nadie más podrá votar" in confirm
    )
    refused = client.get(f"/admin/fases/{vote.id}/eliminar").get_data(as_text=True)
    assert (
        'data-testid="confirm-refusal"' in refused and 'data-testid="confirm-form"' not in refused
    )
    ok = client.get(f"/admin/fases/{future.id}/eliminar").get_data(as_text=True)
    assert f'action="/admin/fases/{future.id}/eliminar"' in ok


def test_a_process_form_keeps_what_was_typed(client, auth):
    process = f.process()
    admin = f.admin()
    db.session.commit()
    auth.login(admin)
    url = f"/admin/procesos/{process.id}/editar"
    data = {"title": "", "municipality": "San Pedro", "district_id": 0, "description": "Hola"}
    response = client.post(url, data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error_beside(html, "title") and 'value="San Pedro"' in html
    response = client.post(url, data=data | {"title": "Presupuesto corregido"})
    assert response.status_code == 303
    assert (
        db.session.scalar(select(ActionLog.after).where(ActionLog.action == "process.updated"))[
            "title"
        ]
        == "Presupuesto corregido"
    )


def test_a_project_cost_is_corrected_and_an_error_is_shown_beside_it(client, auth):
    process = f.process()
    budget = f.budget(process)
    project = f.projects(budget)[0]
    admin = f.admin()
    db.session.commit()
    auth.login(admin)
    url = f"/admin/proyectos/{project.id}/editar"
    data = {"title": "Luminarias LED", "description": "", "cost": "5000", "budget_id": budget.id}
    response = client.post(url, data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "monto del presupuesto" in error_beside(html, "cost")
    assert 'value="Luminarias LED"' in html and 'value="5000"' in html
    assert client.post(url, data=data | {"cost": "450"}).status_code == 303
    assert db.session.get(Project, project.id).cost == 450


def test_a_deleted_project_leaves_the_ballot_numbered_without_gap_or_twin(client, auth):
    """Positions are the ballot's order and its tie-break: deleting the third of four
    renumbers 1, 2, 3, and the next project added is the fourth, not a second "4"."""
    process = f.process()
    budget = f.budget(process)
    third = f.projects(budget)[2]
    admin = f.admin()
    db.session.commit()
    auth.login(admin)
    deleted = client.post(f"/admin/proyectos/{third.id}/eliminar", data={"confirmado": "1"})
    assert deleted.status_code == 303
    db.session.expire_all()
    assert [p.position for p in f.projects(budget)] == [1, 2, 3]
    added = client.post(
        f"/admin/presupuestos/{budget.id}/proyectos", data={"title": "Banquetas", "cost": "100"}
    )
    assert added.status_code == 303
    db.session.expire_all()
    ordered = f.projects(budget)
    assert [p.position for p in ordered] == [1, 2, 3, 4]
    assert ordered[-1].title == "Banquetas"
    # a withdrawn project keeps its place: the next one goes after it, not onto it
    withdrawn = client.post(f"/admin/proyectos/{ordered[-1].id}/retirar", data={"confirmado": "1"})
    assert withdrawn.status_code == 303
    client.post(
        f"/admin/presupuestos/{budget.id}/proyectos", data={"title": "Luminarias", "cost": "100"}
    )
    db.session.expire_all()
    every = db.session.scalars(select(Project).where(Project.budget_id == budget.id)).all()
    assert sorted(p.position for p in every) == [1, 2, 3, 4, 5]


def test_a_budget_with_ballots_is_archived_off_the_ballot_and_public_lists(client, auth):
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process)
    cast_ballot(budget, f.user(), f.project_ids(budget)[:1])
    admin = f.admin()
    db.session.commit()
    auth.login(admin)
    link = f'href="/procesos/{process.slug}/presupuestos/{budget.id}/"'
    assert link in client.get(f"/procesos/{process.slug}").get_data(as_text=True)
    page = client.get(f"/admin/presupuestos/{budget.id}/eliminar").get_data(as_text=True)
    assert "1 boleta" in page and f'href="/admin/presupuestos/{budget.id}/archivar"' in page
    assert (
        client.post(
            f"/admin/presupuestos/{budget.id}/eliminar", data={"confirmado": "1"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/admin/presupuestos/{budget.id}/archivar", data={"confirmado": "1"}
        ).status_code
        == 303
    )
    assert db.session.get(Budget, budget.id).archived_at is not None
    assert link not in client.get(f"/procesos/{process.slug}").get_data(as_text=True)
    assert client.get(f"/procesos/{process.slug}/presupuestos/{budget.id}/").status_code == 404
    results = f"/procesos/{process.slug}/presupuestos/{budget.id}/resultados/"
    assert client.get(results).status_code == 200  # its results stay
    api = client.get(f"/api/v1/processes/{process.slug}/budgets").get_json()
    assert budget.id not in [b["id"] for b in api["items"]]


def test_a_budget_form_shows_a_rule_error_beside_its_field(client, auth):
    process = f.process()
    budget = f.budget(process)
    admin = f.admin()
    db.session.commit()
    auth.login(admin)
    data = {
        "title": "Presupuesto corregido",
        "amount": "2000",
        "currency": "MXN",
        "district_id": 0,
        "ballot_type": "cumulative",  # needs a maximum of points
        "min_projects": "1",
        "rule": "greedy",
    }
    response = client.post(f"/admin/presupuestos/{budget.id}/editar", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "máximo de puntos" in error_beside(html, "max_points")
    assert 'value="Presupuesto corregido"' in html and 'value="2000"' in html


def test_a_district_is_edited_and_an_unused_one_deleted_after_confirming(client, auth):
    centro, spare = District(name="Centro", level="sector"), District(name="Sobra")
    db.session.add_all([centro, spare])
    admin = f.admin()
    admin.district_id = None
    db.session.flush()
    f.budget(f.process(), district_id=centro.id)
    db.session.commit()
    auth.login(admin)
    data = {"name": "Centro", "parent_id": centro.id, "level": "sector"}
    response = client.post(f"/admin/distritos/{centro.id}/editar", data=data)
    assert response.status_code == 422  # not a choice: it cannot contain itself
    assert error_beside(response.get_data(as_text=True), "parent_id")
    data = {"name": "Centro histórico", "parent_id": 0, "level": "neighbourhood"}
    assert client.post(f"/admin/distritos/{centro.id}/editar", data=data).status_code == 303
    assert db.session.get(District, centro.id).name == "Centro histórico"
    refused = client.get(f"/admin/distritos/{centro.id}/eliminar").get_data(as_text=True)
    assert "1 presupuestos" in refused and 'data-testid="confirm-form"' not in refused
    assert (
        client.post(f"/admin/distritos/{centro.id}/eliminar", data={"confirmado": "1"}).status_code
        == 403
    )
    assert (
        client.post(f"/admin/distritos/{spare.id}/eliminar", data={"confirmado": "1"}).status_code
        == 303
    )
    assert db.session.get(District, spare.id) is None


def test_once_voting_began_the_budget_page_offers_to_look_not_to_change(client, auth):
    """The ballot is fixed once a vote opens: the budget page links each project and the
    rules to read, not to edit, withdraw or delete (which would only be refused)."""
    process, _vote = voting_process()
    budget = f.budget(process)
    project = f.projects(budget)[0]
    open_process = f.process()
    open_budget = f.budget(open_process)
    f.projects(open_budget)
    db.session.commit()
    auth.login(f.admin())
    db.session.commit()
    fixed = client.get(f"/admin/presupuestos/{budget.id}").get_data(as_text=True)
    assert 'data-testid="edit-project"' not in fixed
    assert f"/admin/proyectos/{project.id}/retirar" not in fixed
    assert f"/admin/proyectos/{project.id}/eliminar" not in fixed
    assert 'data-testid="view-project"' in fixed and "Ver reglas" in fixed
    still_open = client.get(f"/admin/presupuestos/{open_budget.id}").get_data(as_text=True)
    assert 'data-testid="edit-project"' in still_open and "Editar reglas" in still_open
    assert 'data-testid="view-project"' not in still_open
