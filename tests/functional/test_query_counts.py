"""List pages run the same SQL statements whatever the number of rows they list.

Each page is requested once with a few rows and once with many more (3 and 30, fewer for
the slow-to-build open data versions); the statements the request runs are counted with
SQLAlchemy's ``before_cursor_execute`` event on the engine (the shared ``count_queries``,
``tests/support/queries.py``). A query per row (an "N+1": a
lazy load or a count inside a loop of the view or the template) makes the second count
larger and the test fail, naming the page and both counts.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from participa.accountability.items import add_item
from participa.accountability.milestones import add_milestone
from participa.accounts.models import Role
from participa.audit.services import log
from participa.budgets.models import Project
from participa.conversation.comments import add_comment
from participa.conversation.reports import report
from participa.db import utcnow
from participa.extensions import db
from participa.notifications.services import notify
from participa.opendata import services as opendata
from participa.processes import services as process_services
from participa.proposals import services as proposals
from participa.proposals.models import Proposal, ProposalState
from participa.results.models import TallyRun
from tests import factories as f
from tests.support.accountability import publish
from tests.support.auth import Auth
from tests.support.ballots import cast_ballot
from tests.support.queries import (
    FEW,
    MANY,
    _n,
    add_projects,
    add_proposals,
    assert_flat,
    district,
    statements,
)

# ── public pages ─────────────────────────────────────────────────────────────────────────


def test_home_and_admin_dashboard_list_processes(client):
    def grow(k):
        for _ in range(k):
            process = f.process(now_allows=("allows_propose",))
            f.budget(process)

    assert_flat(client, "/", grow)
    Auth(client).login_as(Role.ADMIN)
    assert_flat(client, "/admin/", grow)


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "resident"])
def test_proposal_list(client, app, monkeypatch, signed_in):
    monkeypatch.setitem(app.config, "PROPOSALS_PER_PAGE", 50)
    process = f.process(now_allows=("allows_support", "allows_comment"))
    viewer = Auth(client).login_as() if signed_in else None

    def grow(k):
        for proposal in add_proposals(process, k):
            if viewer is not None:  # the page marks the proposals the viewer supports
                proposals.support(proposal, viewer)

    assert_flat(client, f"/procesos/{process.slug}/propuestas/", grow)
    assert_flat(client, f"/procesos/{process.slug}/propuestas/?orden=apoyos&q=parque", grow)


def test_process_page_lists_budgets_and_log(client):
    process = f.process(now_allows=("allows_propose",))

    def grow(k):
        for _ in range(k):
            f.budget(process, district_id=district().id)
            add_proposals(process, 1)

    assert_flat(client, f"/procesos/{process.slug}", grow)


def test_proposal_page_lists_comments_and_replies(client):
    process = f.process(now_allows=("allows_comment",))
    (proposal,) = add_proposals(process, 1)
    Auth(client).login_as()

    def grow(k):
        for _ in range(k):
            comment = add_comment(proposal, f.user(), "Me parece muy buena idea.")
            add_comment(proposal, f.user(), "Estoy de acuerdo.", parent=comment)

    assert_flat(client, f"/procesos/{process.slug}/propuestas/{proposal.id}", grow)


def test_ballot_budget_and_project_pages(client):
    process = f.process(now_allows=("allows_vote", "allows_comment"))
    budget = f.budget(process, amount=10_000, costs=())
    voter = Auth(client).login_as()

    def grow(k):
        add_projects(budget, k)
        chosen = [
            p.id for p in db.session.scalars(select(Project).where(Project.budget_id == budget.id))
        ]
        cast_ballot(budget, voter, chosen)  # the viewer's ballot lists every project

    base = f"/procesos/{process.slug}/presupuestos/{budget.id}"
    assert_flat(client, f"{base}/", grow)
    assert_flat(client, f"{base}/boleta", grow)
    project = add_projects(budget, 1)[0]

    def comments(k):
        for _ in range(k):
            add_comment(project, f.user(), "¿Cuándo empieza la obra?")

    assert_flat(client, f"{base}/proyectos/{project.id}", comments)


def test_results_page(client):
    process = f.process(now_allows=("shows_results",))
    budget = f.budget(process, amount=10_000, costs=())

    def grow(k):
        add_projects(budget, k)
        everything = list(db.session.scalars(select(Project).where(Project.budget_id == budget.id)))
        publish(budget, everything[::2], everything[1::2])  # a newer official tally

    assert_flat(client, f"/procesos/{process.slug}/presupuestos/{budget.id}/resultados/", grow)


def test_open_data_portal_and_versions(client):
    process = f.process(now_allows=("allows_propose",))
    add_proposals(process, 2)

    def more_processes(k):
        for _ in range(k):
            other = f.process(now_allows=("allows_propose",))
            add_proposals(other, 1)
            opendata.publish(other, "manual")

    def more_versions(k):
        for i in range(k):
            add_proposals(process, 1)
            opendata.publish(process, "manual", now=utcnow() + timedelta(minutes=i))

    assert_flat(client, "/datos", more_processes, sizes=(2, 8))
    assert_flat(client, f"/datos/{process.slug}", more_versions, sizes=(2, 8))


def test_accountability_pages(client):
    process = f.process()
    admin = f.admin()
    parent = add_item(process, admin, "Parque central")
    Auth(client).login_as()

    def items(k):
        for _ in range(k):
            item = add_item(process, admin, f"Etapa {next(_n)}", parent=parent)
            add_milestone(item, admin, date(2026, 5, 1), "Empezó la obra.")

    assert_flat(client, f"/procesos/{process.slug}/seguimiento", items)

    def milestones(k):
        for _ in range(k):
            add_milestone(parent, admin, date(2026, 6, 1), "Avance de la obra.")
            add_comment(parent, f.user(), "¡Qué bien que avanza!")

    assert_flat(client, f"/seguimiento/{parent.id}", milestones)


# ── staff pages ──────────────────────────────────────────────────────────────────────────


def test_admin_process_budget_log_and_users(client):
    process = f.process(now_allows=("allows_propose",))
    budget = f.budget(process, amount=10_000, costs=())
    Auth(client).login_as(Role.ADMIN)  # each page must answer 200 (statements() checks it)

    def proposals_and_budgets(k):
        add_proposals(process, k, state=ProposalState.ACCEPTED)
        for _ in range(k):
            f.budget(process, district_id=district().id)

    for section in ("", "/presupuestos", "/propuestas", "/resultados"):
        assert_flat(client, f"/admin/procesos/{process.id}{section}", proposals_and_budgets)
    assert_flat(
        client, f"/admin/procesos/{process.id}/revision", lambda k: add_proposals(process, k)
    )

    def projects_and_candidates(k):
        add_projects(budget, k)
        add_proposals(process, k, state=ProposalState.ACCEPTED)

    assert_flat(client, f"/admin/presupuestos/{budget.id}", projects_and_candidates)

    def users(k):
        for role in [Role.EVALUATOR, Role.MODERATOR, Role.OFFICER] * k:
            f.user(role)

    assert_flat(client, "/admin/usuarios", users)


def test_admin_process_sections_load_only_their_rows(client):
    """Each section of a process's administration runs the same statements whatever the
    number of phases, budgets (with projects, ballots and tallies) or proposals, and the
    sections that do not show proposals run none about them."""
    process = f.process(now_allows=("allows_propose", "allows_vote"))
    Auth(client).login_as(Role.ADMIN)
    later = [utcnow() + timedelta(days=30)]

    def phases(k):
        for _ in range(k):
            start = later[0]
            process_services.add_phase(
                process,
                title=f"Fase {next(_n)}",
                starts_at=start,
                ends_at=start + timedelta(days=1),
            )
            later[0] = start + timedelta(days=2)

    assert_flat(client, f"/admin/procesos/{process.id}/fases", phases)

    def budgets_with_ballots(k):
        for _ in range(k):
            budget = f.budget(process, district_id=district().id)
            cast_ballot(budget, f.user(), f.project_ids(budget)[:1])
            db.session.add(TallyRun(budget_id=budget.id, rule="greedy"))

    for section in ("/presupuestos", "/resultados"):
        assert_flat(client, f"/admin/procesos/{process.id}{section}", budgets_with_ballots)

    waiting = add_proposals(process, 1)[0]
    db.session.commit()
    for section in ("", "/fases", "/presupuestos", "/resultados"):
        seen, _ = statements(client, f"/admin/procesos/{process.id}{section}")
        about = [s for s in seen if "FROM proposals" in s and "count(" not in s]
        assert about == [], (section, about)
    seen, _ = statements(client, f"/admin/procesos/{process.id}/propuestas")
    assert any("FROM proposals" in s for s in seen) and waiting.id


def test_action_log_and_public_changes(client):
    """The log names people, phases, budgets, proposals and processes in its sentences and
    unfolds each entry's changes: the names in one query, not one per entry."""
    process = f.process()
    budget = f.budget(process, amount=10_000, costs=())
    (proposal,) = add_proposals(process, 1)
    Auth(client).login_as(Role.ADMIN)

    def entries(k):
        for _ in range(k):
            admin = f.user(Role.ADMIN)
            phase = process.phases[0]
            log(
                "phase.closed_by_hand",
                phase,
                actor=admin,
                process_id=process.id,
                public=True,
                before={"ends_at": "2026-12-20T06:00:00"},
                after={"ends_at": "2026-12-10T06:00:00"},
            )
            log(
                "budget.updated",
                budget,
                actor=admin,
                process_id=process.id,
                public=True,
                before={"amount": 1},
                after={"amount": 2, "district_id": district().id},
            )
            log(
                "proposal.assign",
                proposal,
                actor=admin,
                process_id=process.id,
                before={"evaluator_id": None},
                after={"evaluator_id": f.user(Role.EVALUATOR).id},
            )
            log(
                "project.created",
                Project(id=next(_n) + 10_000),
                actor=admin,
                process_id=process.id,
                public=True,
                after={"title": "P", "budget_id": budget.id},
            )

    assert_flat(client, "/admin/registro", entries)
    assert_flat(client, f"/admin/registro?proceso={process.id}&q=a", entries)
    assert_flat(client, f"/procesos/{process.slug}/cambios", entries)


def test_my_notifications_and_the_bell(client):
    """The list of my notifications (and the bell's count on every page: one query)."""
    me = Auth(client).login_as()

    def grow(k):
        for n in range(k):
            notify([me.id], "phase_opened", f"Empezó la fase {n}", "Texto.", link="/")

    assert_flat(client, "/notificaciones", grow)


def test_moderation_queue(client):
    process = f.process(now_allows=("allows_comment",))
    (proposal,) = add_proposals(process, 1)
    Auth(client).login_as(Role.MODERATOR)

    def grow(k):
        for reported in add_proposals(process, k):
            report("proposal", reported.id, f.user(), "Ofensiva")
            comment = add_comment(proposal, f.user(), "Un comentario grosero.")
            report("comment", comment.id, f.user(), "Grosero")

    assert_flat(client, "/moderacion", grow)


def test_evaluator_queue(client):
    process = f.process(now_allows=("allows_support",))
    process.support_threshold = 2
    evaluator = Auth(client).login_as(Role.EVALUATOR)

    def grow(k):
        made = add_proposals(process, k)
        for proposal in made[::2]:
            proposal.evaluator_id = evaluator.id
            proposal.state = ProposalState.EVALUATING

    assert_flat(client, "/evaluacion", grow)


def test_officer_booth_page(client):
    Auth(client).login_as(Role.OFFICER)

    def grow(k):
        for _ in range(k):
            process = f.with_booths(f.process(now_allows=("allows_vote",)))
            f.budget(process)

    assert_flat(client, "/casilla", grow)


def test_moderation_queue_of_a_process_moderator(client):
    """Reported content of several processes the moderator is assigned to (and of others,
    left out), with what waits in each."""
    moderator = Auth(client).login_as(Role.RESIDENT)

    def grow(k):
        for _ in range(k):
            mine = f.process(now_allows=("allows_comment",))
            other = f.process(now_allows=("allows_comment",))
            f.process_role(moderator, mine, Role.MODERATOR)
            for process in (mine, other):
                (reported,) = add_proposals(process, 1)
                report("proposal", reported.id, f.user(), "Ofensiva")
                comment = add_comment(reported, f.user(), "Un comentario grosero.")
                report("comment", comment.id, f.user(), "Grosero")

    assert_flat(client, "/moderacion", grow)


def test_evaluator_queue_of_a_process_evaluator(client):
    """Proposals of several processes the evaluator is assigned to, counted per process."""
    evaluator = Auth(client).login_as(Role.RESIDENT)

    def grow(k):
        for _ in range(k):
            mine, other = f.process(), f.process()
            f.process_role(evaluator, mine, Role.EVALUATOR)
            taken, _free = add_proposals(mine, 2)
            taken.evaluator_id = evaluator.id
            taken.state = ProposalState.EVALUATING
            add_proposals(other, 1)

    assert_flat(client, "/evaluacion", grow)


def test_officer_booth_page_of_a_process_officer(client):
    officer = Auth(client).login_as(Role.RESIDENT)

    def grow(k):
        for _ in range(k):
            mine = f.with_booths(f.process(now_allows=("allows_vote",)))
            f.process_role(officer, mine, Role.OFFICER)
            budget = f.budget(mine)
            cast_ballot(budget, f.trusted_user(), f.project_ids(budget)[:1])
            f.budget(f.with_booths(f.process(now_allows=("allows_vote",))))  # not theirs

    assert_flat(client, "/casilla", grow)


def test_admin_team_page(client):
    """The team of a process (each with who assigned them) and the staff of every process."""
    process = f.process()
    admin = Auth(client).login_as(Role.ADMIN)

    def grow(k):
        roles = (Role.EVALUATOR, Role.MODERATOR, Role.OFFICER)
        for i in range(k):
            f.process_role(f.user(), process, roles[i % 3]).assigned_by_id = admin.id
            f.user(roles[i % 3])  # a global one, listed apart

    assert_flat(client, f"/admin/procesos/{process.id}/equipo", grow)


def test_admin_categories_page(client):
    """The categories, each with its proposals and projects counted: two grouped queries."""
    process = f.process()
    budget = f.budget(process, amount=10_000, costs=())
    Auth(client).login_as(Role.ADMIN)

    def grow(k):
        for _ in range(k):
            category = f.category(archived=bool(next(_n) % 2))
            add_proposals(process, 1, category=category.slug)
            for project in add_projects(budget, 1):
                project.category = category.slug
        db.session.flush()

    assert_flat(client, "/admin/categorias", grow)


def test_admin_archived_page(client):
    """Archived budgets and withdrawn projects (with their budgets): a query each."""
    process = f.process()
    budget = f.budget(process, amount=10_000, costs=())
    Auth(client).login_as(Role.ADMIN)

    def grow(k):
        for _ in range(k):
            f.budget(process).archived_at = utcnow()
            for project in add_projects(budget, 1):
                project.archived_at = utcnow()
        db.session.flush()

    assert_flat(client, f"/admin/procesos/{process.id}/archivados", grow)


# ── API ──────────────────────────────────────────────────────────────────────────────────


def test_api_lists(client):
    process = f.process(now_allows=("allows_support",))
    budget = f.budget(process, amount=10_000, costs=())

    def processes(k):
        for _ in range(k):
            other = f.process(now_allows=("allows_propose",))
            other.district_id = district().id

    def proposals_(k):
        add_proposals(process, k)

    def budgets_(k):
        for _ in range(k):
            f.budget(process, district_id=district().id)

    def projects(k):
        add_projects(budget, k)

    assert_flat(client, "/api/v1/processes?per_page=50", processes)
    assert_flat(client, f"/api/v1/processes/{process.slug}/proposals?per_page=50", proposals_)
    assert_flat(client, f"/api/v1/processes/{process.slug}/budgets?per_page=50", budgets_)
    assert_flat(client, f"/api/v1/budgets/{budget.id}/projects?per_page=50", projects)


def test_api_results_and_datasets(client):
    process = f.process(now_allows=("shows_results",))
    budget = f.budget(process, amount=10_000, costs=())

    def outcomes(k):
        add_projects(budget, k)
        everything = list(db.session.scalars(select(Project).where(Project.budget_id == budget.id)))
        publish(budget, everything[::2], everything[1::2])

    assert_flat(client, f"/api/v1/budgets/{budget.id}/results", outcomes)

    def published(k):
        for _ in range(k):
            other = f.process(now_allows=("allows_propose",))
            add_proposals(other, 1)
            opendata.publish(other, "manual")

    assert_flat(client, "/api/v1/datasets?per_page=50", published, sizes=(2, 8))


# ── the counter itself ───────────────────────────────────────────────────────────────────


def test_the_counter_sees_a_query_per_row(ctx, count_queries):
    """A loop that lazy-loads one relationship per row is caught: the counts differ."""
    process = f.process()
    add_proposals(process, MANY)
    db.session.commit()

    def lazy(limit: int) -> int:
        db.session.expire_all()
        with count_queries() as seen:
            rows = db.session.scalars(select(Proposal).limit(limit)).all()
            [row.district.name for row in rows]  # one SELECT per proposal
        return len(seen)

    # the proposals, their categories (one SELECT for all: selectin), a district per row
    assert lazy(FEW) == 2 + FEW and lazy(MANY) == 2 + MANY


def test_the_counter_sees_every_statement_of_a_ballot_confirmation(client, count_queries):
    """The busiest request's statements run through SQLAlchemy, so its events (this
    counter, SQL logging, an APM) see them: the user loader (account and session row in
    one statement), the ballot box (budget, process, phases and costs) and the first
    ballot with its items and receipt."""
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process)
    chosen = f.project_ids(budget)[:2]
    Auth(client).login_as()
    db.session.commit()
    url = f"/procesos/{process.slug}/presupuestos/{budget.id}/boleta/confirmar"
    with current_app.app_context(), count_queries() as seen:
        response = client.post(url, data={"project": chosen})
    assert response.status_code == 303, response.text
    sql = [" ".join(statement.split()) for statement in seen]
    assert any("FROM users JOIN user_sessions" in s for s in sql), sql  # the user loader
    assert any("FROM budgets JOIN processes" in s for s in sql), sql  # the ballot box
    assert any("INSERT INTO ballots" in s for s in sql), sql  # the ballot, items, receipt
