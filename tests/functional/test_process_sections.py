"""The administration of a process in sections, each at its own address; every refused form
drawn again in its own section with what was typed and the error beside its field, with
the status code of before (400 for a form mistake, the rule's own for a refusal); budget
forms that set aside the fields of other ballot types; the add-project form replaced by
the reason adding is refused; opening a phase now confirmed first."""

import html
import re

import pytest
from sqlalchemy import func, select

from participa.accountability import statuses
from participa.budgets.models import Budget, Project
from participa.db import utcnow
from participa.extensions import db
from participa.processes.models import Phase, Process
from participa.proposals import services as proposals
from participa.proposals.models import Proposal
from tests import factories as f

SECTIONS = {
    "": "resumen",
    "/fases": "fases",
    "/presupuestos": "presupuestos",
    "/propuestas": "propuestas",
    "/revision": "revision",
    "/resultados": "resultados",
    "/seguimiento": "seguimiento",
}


@pytest.fixture
def admin(client, auth):
    return auth.login(f.admin())


def current_tab(page: str) -> list[str]:
    return re.findall(r'data-tab="([a-z]+)" aria-current="page"', page)


def error_of(page: str, field_id: str) -> str:
    """The text of the error shown beside the field ``field_id`` ('' if none)."""
    found = re.search(rf'<p class="field__error" id="{field_id}-error">(.*?)</p>', page, re.S)
    return html.unescape(" ".join(found.group(1).split())) if found else ""


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_each_section_has_its_address_and_its_tab(client, admin):
    process = f.process(now_allows=("allows_propose",))
    db.session.commit()
    for path, key in SECTIONS.items():
        page = client.get(f"/admin/procesos/{process.id}{path}")
        assert page.status_code == 200, path
        assert 'data-testid="process-tabs"' in page.text
        assert current_tab(page.text) == [key], path
    overview = client.get(f"/admin/procesos/{process.id}").text
    assert 'data-testid="settings-form"' in overview and 'data-testid="phase-form"' not in overview
    phases = client.get(f"/admin/procesos/{process.id}/fases").text
    assert 'data-testid="phase-form"' in phases and 'data-testid="budget-form"' not in phases


def test_a_refused_phase_comes_back_in_the_phases_section(client, admin):
    process = f.process()
    db.session.commit()
    url = f"/admin/procesos/{process.id}/fases"
    typed = {
        "title": "Votación final",
        "starts_at": "2100-02-01T00:00",
        "ends_at": "2100-01-01T00:00",
    }
    backwards = client.post(url, data=typed)
    assert backwards.status_code == 422
    assert current_tab(backwards.text) == ["fases"]
    assert (
        'value="Votación final"' in backwards.text and 'value="2100-02-01T00:00"' in backwards.text
    )
    assert "terminar después de empezar" in error_of(backwards.text, "phase-ends_at")
    assert 'data-testid="refused-message"' not in backwards.text  # not the separate page
    overlapping = client.post(
        url,
        data={**typed, "starts_at": "2000-01-01T00:00"}
        | {"ends_at": "2099-01-01T00:00", "reason": "Una razón suficientemente larga"},
    )
    assert overlapping.status_code == 409
    assert "se enciman" in error_of(overlapping.text, "phase-starts_at")
    untitled = client.post(url, data={**typed, "title": ""})
    assert untitled.status_code == 400 and error_of(untitled.text, "phase-title")
    assert count(Phase) == 3
    done = client.post(
        url,
        data={
            "title": "Resultados",
            "starts_at": "2100-01-01T00:00",
            "ends_at": "2100-02-01T00:00",
        },
    )
    assert done.status_code == 303 and done.location.endswith(f"{url}#fases")


def test_a_refused_budget_keeps_what_was_typed_beside_its_fields(client, admin):
    process = f.process()
    db.session.commit()
    url = f"/admin/procesos/{process.id}/presupuestos"
    form = {"title": "Obras de la colonia", "currency": "MXN", "district_id": 0, "rule": "greedy"}
    negative = client.post(url, data={**form, "amount": "-5", "ballot_type": "knapsack"})
    assert negative.status_code == 400 and current_tab(negative.text) == ["presupuestos"]
    assert 'value="Obras de la colonia"' in negative.text and 'value="-5"' in negative.text
    assert error_of(negative.text, "budget-amount")
    points = client.post(url, data={**form, "amount": "1000", "ballot_type": "cumulative"})
    assert points.status_code == 422
    assert "máximo de puntos" in error_of(points.text, "budget-max_points")
    assert count(Budget) == 0
    created = client.post(url, data={**form, "amount": "1000", "ballot_type": "knapsack"})
    budget = db.session.scalar(select(Budget))
    assert created.status_code == 303
    assert created.location.endswith(f"{url}#presupuesto-{budget.id}")


def test_fields_of_other_ballot_types_are_ignored_not_checked(client, admin):
    process = f.process()
    db.session.commit()
    junk = {  # what the hidden fields of the other ballot types might hold
        "min_spend_percent": "500",
        "min_points": "x",
        "max_points": "-1",
        "max_total_points": "muchos",
        "min_score": "-3",
    }
    response = client.post(
        f"/admin/procesos/{process.id}/presupuestos",
        data={
            "title": "Aprobación",
            "amount": "1000",
            "currency": "MXN",
            "district_id": 0,
            "ballot_type": "approval",
            "min_projects": "1",
            "max_projects": "3",
            "rule": "greedy",
            **junk,
        },
    )
    assert response.status_code == 303, response.text
    budget = db.session.scalar(select(Budget))
    assert (budget.ballot_type, budget.max_projects, budget.min_spend_percent) == ("approval", 3, 0)
    assert (budget.max_points, budget.max_total_points, budget.min_score) == (None, None, None)
    # the edit form too: choose-1 ignores the number of projects typed
    edited = client.post(
        f"/admin/presupuestos/{budget.id}/editar",
        data={
            "title": "Uno solo",
            "amount": "1000",
            "district_id": 0,
            "ballot_type": "choose-1",
            "min_projects": "nada",
            "max_projects": "-7",
            "rule": "greedy",
            **junk,
        },
    )
    assert edited.status_code == 303, edited.text
    db.session.expire_all()
    budget = db.session.get(Budget, budget.id)
    assert (budget.ballot_type, budget.max_projects) == ("choose-1", 1)
    # ...but the fields of the chosen type are checked
    wrong = client.post(
        f"/admin/presupuestos/{budget.id}/editar",
        data={
            "title": "Puntos",
            "amount": "1000",
            "district_id": 0,
            "rule": "greedy",
            "ballot_type": "cumulative",
            "max_points": "muchos",
        },
    )
    assert wrong.status_code == 422 and error_of(wrong.text, "max_points")


def test_the_budget_form_says_which_ballot_type_each_group_is_for(client, admin):
    process = f.process()
    db.session.commit()
    page = client.get(f"/admin/procesos/{process.id}/presupuestos").text
    assert 'data-shown-for="ballot_type" data-values="cumulative"' in page
    assert "(solo boleta de puntos)" in page and "(solo boleta de costo)" in page
    assert "/static/js/choices.js" in page and "<script>" not in page


def test_a_refused_project_stays_in_its_form_and_adding_refused_says_why(client, admin):
    open_ballot = f.budget(f.process(now_allows=("allows_propose",)), amount=1000, costs=())
    voting = f.budget(f.process(now_allows=("allows_vote",)))
    db.session.commit()
    url = f"/admin/presupuestos/{open_ballot.id}"
    too_big = client.post(f"{url}/proyectos", data={"title": "Puente nuevo", "cost": "5000"})
    assert too_big.status_code == 422
    assert 'value="Puente nuevo"' in too_big.text and 'value="5000"' in too_big.text
    assert "superar el monto" in error_of(too_big.text, "project-cost")
    no_cost = client.post(f"{url}/proyectos", data={"title": "Puente nuevo", "cost": ""})
    assert no_cost.status_code == 400 and error_of(no_cost.text, "project-cost")
    assert count(Project) == 4  # the voting budget's

    page = client.get(f"/admin/presupuestos/{voting.id}").text
    assert 'data-testid="project-form"' not in page
    assert 'data-testid="adding-refused"' in page and "La votación ya empezó" in page
    voting.process.phases[1].allows_vote = False  # the ballot is open again...
    voting.archived_at = utcnow()
    db.session.commit()
    archived = client.get(f"/admin/presupuestos/{voting.id}").text  # ...but it is archived
    assert 'data-testid="project-form"' not in archived and "está archivado" in archived


def test_a_refused_answer_opens_its_form_with_the_text_and_the_error(client, admin):
    process = f.process(now_allows=("allows_propose",))
    proposal = proposals.create_proposal(
        process,
        f.user(),
        title="Estadio",
        body="Un estadio nuevo para la colonia, con gradas y luz.",
        category="deporte",
        district_id=None,
        cost_estimate=None,
    )
    db.session.commit()
    no_reason = client.post(
        f"/admin/propuestas/{proposal.id}/respuesta",
        data={"state": "rejected", "cost": "1234", "reason": ""},
    )
    assert no_reason.status_code == 422 and current_tab(no_reason.text) == ["propuestas"]
    assert "Explica el motivo" in error_of(no_reason.text, f"a{proposal.id}-reason")
    assert (
        'value="1234"' in no_reason.text and '<details class="answer-form" open>' in no_reason.text
    )
    bad_cost = client.post(
        f"/admin/propuestas/{proposal.id}/respuesta",
        data={"state": "rejected", "cost": "-1", "reason": "No cabe en el presupuesto."},
    )
    assert bad_cost.status_code == 400
    assert "No cabe en el presupuesto.</textarea>" in bad_cost.text
    assert db.session.get(Proposal, proposal.id).answered_at is None


def test_refused_settings_threshold_and_statuses_stay_in_their_section(client, admin):
    process = f.process(now_allows=("allows_propose",))
    db.session.commit()
    settings = client.post(
        f"/admin/procesos/{process.id}/ajustes",
        data={"vote_scope": "all", "in_person_voting": "y"},
    )
    assert settings.status_code == 422 and current_tab(settings.text) == ["resumen"]
    assert "casilla" in error_of(settings.text, "settings-in_person_voting")
    assert not db.session.get(Process, process.id).in_person_voting

    threshold = client.post(
        f"/admin/procesos/{process.id}/umbral-de-apoyos", data={"support_threshold": "0"}
    )
    assert threshold.status_code == 422 and current_tab(threshold.text) == ["revision"]
    assert 'value="0"' in threshold.text and error_of(threshold.text, "threshold-support_threshold")

    (first, *_rest) = statuses.ensure_statuses(process)
    db.session.commit()
    base = f"/admin/procesos/{process.id}/seguimiento/estados"
    empty = client.post(f"{base}/{first.id}", data={"name": "", "progress": "40"})
    assert empty.status_code == 400 and current_tab(empty.text) == ["seguimiento"]
    assert error_of(empty.text, f"status-{first.id}-name")
    taken = client.post(f"{base}/{first.id}", data={"name": _rest[0].name, "progress": "40"})
    assert taken.status_code == 422 and f'value="{_rest[0].name}"' in taken.text
    assert "Ya hay un estado" in error_of(taken.text, f"status-{first.id}-name")
    added = client.post(base, data={"name": first.name, "progress": "10"})
    assert added.status_code == 422 and "Ya hay un estado" in error_of(
        added.text, "new-status-name"
    )


def test_opening_a_phase_now_is_confirmed_first(client, admin):
    process = f.process(now_allows=("allows_propose",))
    future = max(process.phases, key=lambda p: p.starts_at)
    future.allows_vote, future.shows_results = True, False
    db.session.commit()
    starts = future.starts_at
    page = client.get(f"/admin/procesos/{process.id}/fases").text
    assert f'action="/admin/fases/{future.id}/abrir"' not in page  # no one-click button
    assert f'href="/admin/fases/{future.id}/abrir"' in page
    confirm = client.get(f"/admin/fases/{future.id}/abrir").text
    assert "La votación se abre" in confirm and "«Ahora» se cierra" in html.unescape(confirm)
    # the announced dates end in "p.m." or "a.m.": no second period after them
    assert not re.search(r"[ap]\.\s?m\.\.", confirm), "a date followed by a second period"
    unconfirmed = client.post(f"/admin/fases/{future.id}/abrir")
    assert unconfirmed.status_code == 200 and 'data-testid="confirm-page"' in unconfirmed.text
    db.session.expire_all()
    assert db.session.get(Phase, future.id).starts_at == starts  # nothing changed
    done = client.post(f"/admin/fases/{future.id}/abrir", data={"confirmado": "1"})
    assert done.status_code == 303 and done.location.endswith(
        f"/admin/procesos/{process.id}/fases#fases"
    )
    db.session.expire_all()
    assert db.session.get(Phase, future.id).opened_at is not None


def test_reopening_the_vote_asks_its_reason_beside_the_field(client, admin):
    process = f.process(now_allows=("allows_vote",))
    vote = process.phases[1]
    future = process.phases[2]
    future.allows_vote, future.shows_results = True, False
    vote.ends_at = utcnow()  # voting closed, nothing counted
    db.session.commit()
    refused = client.post(
        f"/admin/fases/{future.id}/abrir", data={"confirmado": "1", "reason": "no"}
    )
    assert refused.status_code == 422
    assert 'value="no"' in refused.text and "motivo" in error_of(refused.text, "open-reason")
    db.session.expire_all()
    assert db.session.get(Phase, future.id).opened_at is None
