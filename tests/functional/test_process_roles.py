"""Roles per process: an administrator assigns evaluators, moderators and booth officers to
one process (the team page), and each of them works there only: their screen lists the
content of their processes with what waits in each, and another process's answers 403. A
global role still means every process, and blocking accounts stays with those who
moderate every process."""

import re

import pytest
from sqlalchemy import func, select

from participa.accounts.models import Role
from participa.audit.models import ActionLog
from participa.conversation import reports
from participa.conversation.models import Report, ReportState
from participa.db import utcnow
from participa.extensions import db
from participa.proposals.models import Proposal, ProposalState, Support
from participa.staff.models import ProcessRole
from tests import factories as f

BODY = "Un parque con juegos y árboles para las familias de la colonia."


def proposal(process, title="Parque para la colonia"):
    p = Proposal(
        process_id=process.id,
        author_id=f.user().id,
        title=title,
        body=BODY,
        category="espacio-publico",
    )
    db.session.add(p)
    db.session.flush()
    return p


def team_url(process):
    return f"/admin/procesos/{process.id}/equipo"


def assignments():
    return db.session.scalars(select(ProcessRole).order_by(ProcessRole.id)).all()


# ───────────── The team page ─────────────


def test_an_administrator_assigns_a_person_to_one_process_and_it_is_logged(client, auth):
    process = f.process()
    person = f.user()
    admin = f.admin()
    db.session.commit()
    auth.login(admin)
    page = client.get(team_url(process))
    assert page.status_code == 200 and 'data-testid="team-empty"' in page.text
    # one of the process's sections: its tab bar, with this tab as the current one
    assert 'data-testid="process-tabs"' in page.text
    assert f'href="{team_url(process)}" data-tab="equipo" aria-current="page"' in page.text
    response = client.post(
        team_url(process), data={"email": f"  {person.email.upper()} ", "role": "evaluator"}
    )
    assert response.status_code == 303 and response.headers["Location"] == team_url(process)
    [assignment] = assignments()
    assert (assignment.user_id, assignment.process_id, assignment.role) == (
        person.id,
        process.id,
        "evaluator",
    )
    assert assignment.assigned_by_id == admin.id
    page = client.get(team_url(process))
    assert person.name in page.text and 'data-role="evaluator"' in page.text
    entry = db.session.scalar(select(ActionLog).where(ActionLog.action == "process_role.assigned"))
    assert (entry.target_type, entry.target_id, entry.process_id) == (
        "users",
        person.id,
        process.id,
    )
    assert (entry.before, entry.after) == ({"role": None}, {"role": "evaluator"})
    log = client.get("/admin/registro")
    expected = (
        f"{admin.name} dio a {person.name} el rol «Evaluación de propuestas» en el proceso "
        f"«{process.title}»."
    )
    assert expected in log.text
    # the person keeps their global role: a resident everywhere else
    db.session.refresh(person)
    assert person.role == Role.RESIDENT


def field_error(page: str, field: str) -> str:
    """The error shown beside ``field`` (its ``<p id="field-error">``)."""
    found = re.search(rf'id="{field}-error"[^>]*>(.*?)</p>', page, re.S)
    assert found, f"no error beside {field}"
    return re.sub(r"<[^>]+>", "", found.group(1))


@pytest.mark.parametrize(
    ("case", "status", "message"),
    [
        ("unknown", 422, "No hay ninguna cuenta con ese correo."),
        ("blocked", 422, "está bloqueada"),
        ("taken", 409, "ya tiene ese rol en este proceso"),
        ("global", 409, "ya tiene ese rol en todos los procesos"),
        ("unconfirmed", 409, "aún no confirma su correo electrónico"),
    ],
)
def test_a_refused_assignment_is_shown_beside_the_email_and_keeps_what_was_typed(
    client, auth, case, status, message
):
    process = f.process()
    person = f.user(Role.MODERATOR if case == "global" else Role.RESIDENT)
    if case == "blocked":
        person.blocked_at = utcnow()
    if case == "taken":
        f.process_role(person, process, Role.MODERATOR)
    if case == "unconfirmed":
        person.email_confirmed_at = None
    db.session.commit()
    auth.login_as(Role.ADMIN)
    email = "nadie@example.org" if case == "unknown" else person.email
    before = len(assignments())
    response = client.post(team_url(process), data={"email": email, "role": "moderator"})
    assert response.status_code == status
    assert message in field_error(response.text, "email")
    assert f'value="{email}"' in response.text  # what was typed, in its field
    assert re.search(r'<input checked[^>]*value="moderator"', response.text)
    assert len(assignments()) == before
    logged = select(func.count(ActionLog.id)).where(ActionLog.action.startswith("process_role"))
    assert db.session.scalar(logged) == 0


def test_an_empty_form_names_both_fields(client, auth):
    process = f.process()
    db.session.commit()
    auth.login_as(Role.ADMIN)
    response = client.post(team_url(process), data={})
    assert response.status_code == 422
    assert "Escribe el correo electrónico" in field_error(response.text, "email")
    assert "Elige un rol." in field_error(response.text, "role")


def test_removing_an_assignment_asks_first_then_ends_the_access(client, auth):
    process = f.process()
    other = f.process()
    evaluator = f.user()
    assignment = f.process_role(evaluator, process, Role.EVALUATOR)
    f.process_role(evaluator, other, Role.EVALUATOR)  # another process's stays
    admin = f.admin()
    db.session.commit()
    url = f"{team_url(process)}/{assignment.id}/quitar"
    auth.login(admin)
    asked = client.post(url, data={})
    assert asked.status_code == 200 and "¿Quitar a" in asked.text
    assert len(assignments()) == 2
    # another process's address does not reach it
    assert client.post(f"{team_url(other)}/{assignment.id}/quitar", data={}).status_code == 404
    done = client.post(url, data={"confirmado": "1"})
    assert done.status_code == 303
    assert [(a.process_id, a.role) for a in assignments()] == [(other.id, "evaluator")]
    entry = db.session.scalar(select(ActionLog).where(ActionLog.action == "process_role.removed"))
    assert (entry.process_id, entry.before, entry.after) == (
        process.id,
        {"role": "evaluator"},
        {"role": None},
    )
    client.post("/salir")
    p = proposal(process)
    db.session.commit()
    auth.login(evaluator)
    assert client.get(f"/evaluacion/propuestas/{p.id}").status_code == 403


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.EVALUATOR, Role.MODERATOR, Role.OFFICER])
def test_only_administrators_reach_the_team_page(client, auth, role):
    process = f.process()
    person = f.user(role)
    f.process_role(f.user(), process, Role.EVALUATOR)
    if role == Role.RESIDENT:  # even one on this process's team
        f.process_role(person, process, Role.MODERATOR)
    db.session.commit()
    [assignment] = [a for a in assignments() if a.user_id != person.id]
    auth.login(person)
    assert client.get(team_url(process)).status_code == 403
    assert client.post(team_url(process), data={}).status_code == 403
    remove = f"{team_url(process)}/{assignment.id}/quitar"
    assert client.post(remove, data={"confirmado": "1"}).status_code == 403
    assert assignment in assignments()


# ───────────── Evaluation ─────────────


@pytest.fixture
def two_processes(ctx):
    mine, theirs = f.process(), f.process()
    own, foreign = proposal(mine, "Propuesta de mi proceso"), proposal(theirs, "Propuesta ajena")
    return mine, theirs, own, foreign


def test_a_process_evaluator_reviews_their_process_only(client, auth, two_processes):
    mine, theirs, own, foreign = two_processes
    evaluator = f.user()
    f.process_role(evaluator, mine, Role.EVALUATOR)
    db.session.commit()
    auth.login(evaluator)
    home = client.get("/")
    assert 'href="/evaluacion"' in home.text  # their staff screen is offered
    assert 'href="/moderacion"' not in home.text and 'href="/casilla"' not in home.text
    queue = client.get("/evaluacion")
    assert queue.status_code == 200
    assert own.title in queue.text and foreign.title not in queue.text
    assert theirs.title not in queue.text  # not even in the process filter
    rows = re.findall(r'data-testid="waiting-row" data-process-id="(\d+)"', queue.text)
    assert rows == [str(mine.id)]
    assert (
        client.get(f"/evaluacion?proceso={theirs.id}").text.count('data-testid="queue-item"') == 0
    )

    assert client.get(f"/evaluacion/propuestas/{own.id}").status_code == 200
    answer = {"feasible": "no", "reason": "Fuera del alcance municipal."}
    response = client.post(f"/evaluacion/propuestas/{own.id}", data=answer)
    assert response.status_code == 303
    db.session.refresh(own)
    assert own.state == ProposalState.EVALUATING and own.pending_state == ProposalState.REJECTED
    assert own.evaluator_id == evaluator.id

    assert client.get(f"/evaluacion/propuestas/{foreign.id}").status_code == 403
    assert client.post(f"/evaluacion/propuestas/{foreign.id}", data=answer).status_code == 403
    assert client.post(f"/evaluacion/propuestas/{foreign.id}/empezar").status_code == 403
    db.session.refresh(foreign)
    assert foreign.state == ProposalState.SUBMITTED and foreign.evaluator_id is None


def test_the_queue_counts_what_waits_in_each_process(client, auth, two_processes):
    mine, _theirs, own, _foreign = two_processes
    second = proposal(mine, "Otra propuesta")
    evaluator = f.user()
    f.process_role(evaluator, mine, Role.EVALUATOR)
    second.state = ProposalState.EVALUATING
    second.evaluator_id = evaluator.id
    second.pending_state = ProposalState.ACCEPTED
    db.session.commit()
    auth.login(evaluator)
    page = client.get("/evaluacion").text
    row = page[page.index(f'data-process-id="{mine.id}"') :]
    counts = re.findall(r'data-testid="waiting-(\w+)"[^>]*>(\d+)<', row)[:4]
    assert counts == [("submitted", "1"), ("evaluating", "1"), ("mine", "1"), ("held", "1")]
    assert own.state == ProposalState.SUBMITTED


def test_global_evaluators_still_review_every_process(client, auth, two_processes):
    mine, theirs, own, foreign = two_processes
    db.session.commit()
    auth.login_as(Role.EVALUATOR)
    queue = client.get("/evaluacion").text
    assert own.title in queue and foreign.title in queue
    assert client.get(f"/evaluacion/propuestas/{foreign.id}").status_code == 200
    rows = re.findall(r'data-testid="waiting-row" data-process-id="(\d+)"', queue)
    assert sorted(rows) == sorted([str(mine.id), str(theirs.id)])


def test_a_process_evaluator_can_be_assigned_proposals_of_that_process_only(
    client, auth, two_processes
):
    mine, _theirs, own, foreign = two_processes
    evaluator = f.user()
    f.process_role(evaluator, mine, Role.EVALUATOR)
    db.session.commit()
    auth.login_as(Role.ADMIN)
    ok = client.post(f"/admin/propuestas/{own.id}/evaluador", data={"evaluator_id": evaluator.id})
    assert ok.status_code == 303
    refused = client.post(
        f"/admin/propuestas/{foreign.id}/evaluador", data={"evaluator_id": evaluator.id}
    )
    assert refused.status_code == 422
    assert "no tiene el rol de evaluación en este proceso" in refused.text
    db.session.refresh(own)
    db.session.refresh(foreign)
    assert (own.evaluator_id, foreign.evaluator_id) == (evaluator.id, None)


def test_a_process_evaluator_still_supports_as_a_resident(client, auth):
    process = f.process(now_allows=("allows_support",))
    other = f.process(now_allows=("allows_support",))
    evaluator = f.user()
    f.process_role(evaluator, process, Role.EVALUATOR)
    target = proposal(other, "Alumbrado en la calle")
    db.session.commit()
    auth.login(evaluator)
    url = f"/procesos/{other.slug}/propuestas/{target.id}/apoyar"
    assert client.post(url).status_code == 303
    supports = select(func.count(Support.id)).where(Support.user_id == evaluator.id)
    assert db.session.scalar(supports) == 1


# ───────────── Moderation ─────────────


def reported(process, title):
    p = proposal(process, title)
    reports.report("proposal", p.id, f.user(), "Publicidad engañosa")
    return p


def test_a_process_moderator_decides_on_their_process_only(client, auth):
    mine, theirs = f.process(), f.process()
    own, foreign = reported(mine, "Propuesta reportada aquí"), reported(theirs, "Reportada allá")
    moderator = f.user()
    f.process_role(moderator, mine, Role.MODERATOR)
    db.session.commit()
    auth.login(moderator)
    home = client.get("/")
    assert 'href="/moderacion"' in home.text and 'href="/evaluacion"' not in home.text
    queue = client.get("/moderacion")
    assert queue.status_code == 200
    assert own.title in queue.text and foreign.title not in queue.text
    assert 'data-testid="moderation-scope"' in queue.text
    assert 'data-testid="block-button"' not in queue.text  # blocking is for global moderators
    row = queue.text[queue.text.index(f'data-process-id="{mine.id}"') :]
    counts = re.findall(r'data-testid="waiting-(\w+)"[^>]*>(\d+)<', row)[:3]
    assert counts == [("content", "1"), ("hidden", "0"), ("reports", "1")]

    # another process's content: refused before any confirmation is asked
    for decision in ("ocultar", "restaurar"):
        url = f"/moderacion/propuesta/{foreign.id}/{decision}"
        assert client.post(url, data={}).status_code == 403
        assert client.post(url, data={"confirmado": "1"}).status_code == 403
    done = client.post(f"/moderacion/propuesta/{own.id}/ocultar", data={"confirmado": "1"})
    assert done.status_code == 303
    db.session.refresh(own)
    db.session.refresh(foreign)
    assert own.hidden_at is not None and foreign.hidden_at is None
    states = dict(db.session.execute(select(Report.content_id, Report.state)).all())
    assert states == {own.id: ReportState.HIDDEN, foreign.id: ReportState.PENDING}
    # a hidden proposal: its moderators still read it, another process's are not
    assert client.get(f"/procesos/{mine.slug}/propuestas/{own.id}").status_code == 200
    foreign.hidden_at = own.hidden_at
    db.session.commit()
    assert client.get(f"/procesos/{theirs.slug}/propuestas/{foreign.id}").status_code == 404


def test_blocking_accounts_stays_with_moderators_of_every_process(client, auth):
    process = f.process()
    resident, blocked = f.user(), f.user()
    blocked.blocked_at = utcnow()
    moderator = f.user()
    f.process_role(moderator, process, Role.MODERATOR)
    db.session.commit()
    auth.login(moderator)
    block = f"/moderacion/cuentas/{resident.id}/bloquear"
    assert client.post(block, data={}).status_code == 403  # not even asked
    assert client.post(block, data={"confirmado": "1"}).status_code == 403
    assert client.post(f"/moderacion/cuentas/{blocked.id}/desbloquear").status_code == 403
    assert blocked.name not in client.get("/moderacion").text  # no list of blocked accounts
    db.session.refresh(resident)
    assert resident.blocked_at is None
    client.post("/salir")
    auth.login_as(Role.MODERATOR)
    assert client.post(block, data={"confirmado": "1"}).status_code == 303
    db.session.refresh(resident)
    assert resident.blocked_at is not None


def test_global_moderators_still_see_every_process(client, auth):
    a, b = f.process(), f.process()
    first, second = reported(a, "Reportada en A"), reported(b, "Reportada en B")
    db.session.commit()
    auth.login_as(Role.MODERATOR)
    queue = client.get("/moderacion").text
    assert first.title in queue and second.title in queue
    assert 'data-testid="moderation-scope"' not in queue


# ───────────── Booths ─────────────


def test_a_process_officer_keeps_booths_of_their_process_only(client, auth):
    mine = f.with_booths(f.process(now_allows=("allows_vote",)))
    theirs = f.with_booths(f.process(now_allows=("allows_vote",)))
    own, foreign = f.budget(mine), f.budget(theirs)
    officer = f.user()
    f.process_role(officer, mine, Role.OFFICER)
    db.session.commit()
    auth.login(officer)
    assert 'href="/casilla"' in client.get("/").text
    index = client.get("/casilla")
    assert index.status_code == 200
    listed = re.findall(r'data-testid="booth-budget" data-budget-id="(\d+)"', index.text)
    assert listed == [str(own.id)]
    assert 'data-testid="officing-scope"' in index.text
    assert client.get(f"/casilla/{own.id}").status_code == 200
    for url in (f"/casilla/{foreign.id}", f"/casilla/{foreign.id}/lote"):
        assert client.get(url).status_code == 403
    assert client.post(f"/casilla/{foreign.id}/boleta", data={}).status_code == 403
    assert client.post(f"/casilla/{foreign.id}", data={"document": "X"}).status_code == 403


def test_people_without_any_staff_role_get_403_on_the_staff_screens(client, auth):
    process = f.process()
    f.process_role(f.user(), process, Role.EVALUATOR)
    db.session.commit()
    auth.login_as(Role.RESIDENT)
    home = client.get("/").text
    assert 'href="/evaluacion"' not in home and 'href="/moderacion"' not in home
    for url in ("/evaluacion", "/moderacion", "/casilla"):
        assert client.get(url).status_code == 403


def test_the_review_section_leads_to_the_team_of_its_process(client, auth):
    """Where an administrator looks for who reviews: the process's own team page (an
    evaluator of this process only), not only the global roles."""
    process = f.process()
    auth.login_as(Role.ADMIN)
    page = client.get(f"/admin/procesos/{process.id}/revision").get_data(as_text=True)
    assert f'href="{team_url(process)}" data-testid="review-team-link"' in page
