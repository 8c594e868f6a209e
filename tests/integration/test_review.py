"""Proposal review on the real database: every transition, permission and refusal."""

import pytest
from sqlalchemy import func, select

from participa.accounts.models import Role
from participa.audit.models import ActionLog
from participa.budgets.models import Project
from participa.errors import Conflict, Invalid, NotAllowed
from participa.extensions import db
from participa.notifications.models import Notification
from participa.proposals import services as proposals
from participa.proposals.models import ProposalState
from participa.review import queries, roles
from participa.review import services as review
from tests import factories as f


def make(process, author=None, title="Parque para la colonia", **kw):
    values = {
        "body": "Un parque con juegos y árboles para las familias de la colonia.",
        "category": "espacio-publico",
        "district_id": None,
        "cost_estimate": None,
    } | kw
    return proposals.create_proposal(process, author or f.user(), title=title, **values)


def open_process():
    return f.process(now_allows=("allows_propose", "allows_support"))


def logged(action):
    return list(
        db.session.scalars(
            select(ActionLog).where(ActionLog.action == action).order_by(ActionLog.id)
        )
    )


def proposal_actions():
    """The actions logged on proposals, in order (processes and phases log their own)."""
    stmt = select(ActionLog.action).where(ActionLog.target_type == "proposals")
    return list(db.session.scalars(stmt.order_by(ActionLog.id)))


def notifications(user_id=None):
    stmt = select(Notification).order_by(Notification.id)
    if user_id is not None:
        stmt = stmt.where(Notification.user_id == user_id)
    return list(db.session.scalars(stmt))


# ───────────── Assignment ─────────────


def test_admin_assigns_an_evaluator_and_unassigns(ctx):
    admin, evaluator = f.admin(), f.user(Role.EVALUATOR)
    proposal = make(open_process())
    review.assign(proposal, evaluator, admin)
    assert proposal.evaluator_id == evaluator.id
    review.assign(proposal, admin, admin)  # administrators can evaluate too
    assert proposal.evaluator_id == admin.id
    review.assign(proposal, None, admin)
    assert proposal.evaluator_id is None
    entries = logged("proposal.assign")
    assert [(e.before, e.after) for e in entries] == [
        ({"evaluator_id": None}, {"evaluator_id": evaluator.id}),
        ({"evaluator_id": evaluator.id}, {"evaluator_id": admin.id}),
        ({"evaluator_id": admin.id}, {"evaluator_id": None}),
    ]
    assert all(e.actor_id == admin.id and e.process_id == proposal.process_id for e in entries)


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.MODERATOR, Role.OFFICER])
def test_only_evaluators_can_be_assigned(ctx, role):
    proposal = make(open_process())
    with pytest.raises(Invalid):
        review.assign(proposal, f.user(role), f.admin())
    assert proposal.evaluator_id is None


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.EVALUATOR, Role.MODERATOR, Role.OFFICER])
def test_only_admins_assign(ctx, role):
    proposal = make(open_process())
    with pytest.raises(NotAllowed):
        review.assign(proposal, f.user(Role.EVALUATOR), f.user(role))
    assert proposal.evaluator_id is None


def test_answered_or_withdrawn_proposals_are_not_assigned(ctx):
    admin, evaluator = f.admin(), f.user(Role.EVALUATOR)
    withdrawn = make(open_process())
    proposals.withdraw(withdrawn, withdrawn.author)
    with pytest.raises(NotAllowed):
        review.assign(withdrawn, evaluator, admin)
    answered = make(open_process())
    proposals.answer(answered, state="rejected", cost=None, reason="Fuera de la ley.", actor=admin)
    with pytest.raises(NotAllowed):
        review.assign(answered, evaluator, admin)


# ───────────── Starting the evaluation ─────────────


def test_evaluator_starts_an_unassigned_proposal_and_takes_it(ctx):
    evaluator = f.user(Role.EVALUATOR)
    proposal = make(open_process())
    review.start_evaluation(proposal, evaluator)
    assert (proposal.state, proposal.evaluator_id) == (ProposalState.EVALUATING, evaluator.id)
    (entry,) = logged("proposal.evaluation_started")
    assert entry.before == {"state": "submitted", "evaluator_id": None}
    assert entry.after == {"state": "evaluating", "evaluator_id": evaluator.id}
    assert entry.actor_id == evaluator.id


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.MODERATOR, Role.OFFICER])
def test_people_without_the_role_cannot_start(ctx, role):
    proposal = make(open_process())
    with pytest.raises(NotAllowed):
        review.start_evaluation(proposal, f.user(role))
    assert proposal.state == ProposalState.SUBMITTED


def test_a_proposal_assigned_to_someone_else_is_refused(ctx):
    admin, mine, other = f.admin(), f.user(Role.EVALUATOR), f.user(Role.EVALUATOR)
    proposal = make(open_process())
    review.assign(proposal, mine, admin)
    with pytest.raises(NotAllowed, match="otra persona"):
        review.start_evaluation(proposal, other)
    review.start_evaluation(proposal, admin)  # an administrator may, and it stays assigned
    assert (proposal.state, proposal.evaluator_id) == (ProposalState.EVALUATING, mine.id)


def test_support_threshold_gates_the_review(ctx):
    admin, evaluator = f.admin(), f.user(Role.EVALUATOR)
    process = open_process()
    proposal = make(process)
    assert review.set_support_threshold(process, 2, admin) is True
    assert review.supports_missing(proposal) == 2
    with pytest.raises(NotAllowed, match="Le faltan 2 apoyos"):
        review.start_evaluation(proposal, evaluator)
    proposals.support(proposal, f.user())
    with pytest.raises(NotAllowed, match="Le falta 1 apoyo"):
        review.start_evaluation(proposal, admin)  # administrators too
    with pytest.raises(NotAllowed):
        proposals.answer(proposal, state="rejected", cost=None, reason="No.", actor=admin)
    proposals.support(proposal, f.user())
    assert review.supports_missing(proposal) == 0
    review.start_evaluation(proposal, evaluator)
    assert proposal.state == ProposalState.EVALUATING


def test_threshold_setting_is_validated_and_logged_publicly(ctx):
    admin = f.admin()
    process = open_process()
    with pytest.raises(Invalid):
        review.set_support_threshold(process, 0, admin)
    with pytest.raises(NotAllowed):
        review.set_support_threshold(process, 5, f.user(Role.EVALUATOR))
    assert review.set_support_threshold(process, 5, admin) is True
    assert review.set_support_threshold(process, 5, admin) is False  # unchanged: no entry
    assert review.set_support_threshold(process, None, admin) is True
    assert process.support_threshold is None
    entries = logged("process.support_threshold")
    assert [(e.before, e.after, e.public) for e in entries] == [
        ({"support_threshold": None}, {"support_threshold": 5}, True),
        ({"support_threshold": 5}, {"support_threshold": None}, True),
    ]


def test_withdrawn_answered_or_started_proposals_cannot_start(ctx):
    admin, evaluator = f.admin(), f.user(Role.EVALUATOR)
    withdrawn = make(open_process())
    proposals.withdraw(withdrawn, withdrawn.author)
    with pytest.raises(NotAllowed, match="retirada"):
        review.start_evaluation(withdrawn, evaluator)
    started = make(open_process())
    review.start_evaluation(started, evaluator)
    with pytest.raises(Conflict):
        review.start_evaluation(started, evaluator)
    for state in ("accepted", "rejected"):
        answered = make(open_process())
        proposals.answer(answered, state=state, cost=10, reason="Motivo", actor=admin)
        with pytest.raises(NotAllowed, match="ya tiene respuesta"):
            review.start_evaluation(answered, admin)


# ───────────── Recording ─────────────


def started_by(evaluator, **kw):
    proposal = make(open_process(), **kw)
    review.start_evaluation(proposal, evaluator)
    return proposal


def test_feasible_is_held_as_accepted_with_a_cost(ctx):
    evaluator = f.user(Role.EVALUATOR)
    proposal = started_by(evaluator)
    review.record_evaluation(proposal, evaluator, True, 250_000, "Viable con ajustes.")
    assert proposal.state == ProposalState.EVALUATING  # nothing public yet
    assert (proposal.answer, proposal.answered_at, proposal.cost_estimate) == (None, None, None)
    assert (proposal.feasible, proposal.pending_state, proposal.pending_cost) == (
        True,
        "accepted",
        250_000,
    )
    assert proposal.pending_answer == "Viable con ajustes."
    assert notifications() == []
    (entry,) = logged("proposal.evaluation_recorded")
    assert entry.after["pending_state"] == "accepted" and entry.actor_id == evaluator.id


def test_infeasible_is_held_as_rejected_with_a_reason(ctx):
    evaluator = f.user(Role.EVALUATOR)
    proposal = started_by(evaluator)
    review.record_evaluation(proposal, evaluator, False, None, "  El predio es privado.  ")
    assert (proposal.feasible, proposal.pending_state, proposal.pending_answer) == (
        False,
        "rejected",
        "El predio es privado.",
    )


@pytest.mark.parametrize(
    ("feasible", "cost", "reason", "message"),
    [
        (True, None, "Bien", "costo"),
        (True, 0, "Bien", "costo"),
        (True, -5, "Bien", "costo"),
        (False, None, "", "motivo"),
        (False, None, "   ", "motivo"),
    ],
)
def test_missing_cost_or_reason_is_refused(ctx, feasible, cost, reason, message):
    evaluator = f.user(Role.EVALUATOR)
    proposal = started_by(evaluator)
    with pytest.raises(Invalid, match=message):
        review.record_evaluation(proposal, evaluator, feasible, cost, reason)
    assert proposal.pending_state is None


def test_only_the_assigned_evaluator_or_an_admin_records(ctx):
    admin, mine, other = f.admin(), f.user(Role.EVALUATOR), f.user(Role.EVALUATOR)
    proposal = started_by(mine)
    with pytest.raises(NotAllowed):
        review.record_evaluation(proposal, other, True, 100, "")
    with pytest.raises(NotAllowed):
        review.record_evaluation(proposal, f.user(), True, 100, "")
    review.record_evaluation(proposal, admin, False, None, "Corrige la administración.")
    assert proposal.pending_state == "rejected" and proposal.evaluator_id == mine.id


def test_an_unassigned_proposal_must_be_taken_first(ctx):
    admin, evaluator = f.admin(), f.user(Role.EVALUATOR)
    proposal = started_by(admin)
    review.assign(proposal, None, admin)
    with pytest.raises(NotAllowed, match="Primero toma"):
        review.record_evaluation(proposal, evaluator, True, 100, "")
    review.start_evaluation(proposal, evaluator)  # under evaluation and nobody's: taken
    assert (proposal.state, proposal.evaluator_id) == (ProposalState.EVALUATING, evaluator.id)
    with pytest.raises(Conflict):  # now it is theirs: nothing to start
        review.start_evaluation(proposal, evaluator)
    review.record_evaluation(proposal, evaluator, True, 100, "")
    assert proposal.pending_state == "accepted"


def test_a_submitted_proposal_is_not_recorded_before_it_starts(ctx):
    admin = f.admin()
    proposal = make(open_process())
    with pytest.raises(NotAllowed, match="aún no empieza"):
        review.record_evaluation(proposal, admin, True, 100, "")


def test_withdrawn_proposals_cannot_be_evaluated(ctx):
    admin, evaluator = f.admin(), f.user(Role.EVALUATOR)
    proposal = started_by(evaluator)
    review.record_evaluation(proposal, evaluator, True, 100, "")
    proposals.withdraw(proposal, proposal.author)  # the author withdraws under evaluation
    for actor in (evaluator, admin):
        with pytest.raises(NotAllowed, match="retirada"):
            review.record_evaluation(proposal, actor, True, 100, "")
    assert review.held_answers(proposal.process) == []  # its held answer is never published
    with pytest.raises(Conflict):
        review.publish_answers(proposal.process, admin)
    with pytest.raises(NotAllowed, match="retirada"):
        proposals.answer(proposal, state="accepted", cost=100, reason="", actor=admin)


def test_a_held_answer_can_be_changed_until_published(ctx):
    evaluator = f.user(Role.EVALUATOR)
    proposal = started_by(evaluator)
    review.record_evaluation(proposal, evaluator, True, 100, "")
    review.record_evaluation(proposal, evaluator, False, None, "Mejor no.")
    assert (proposal.pending_state, proposal.pending_cost) == ("rejected", None)


def test_evaluators_cannot_change_a_published_answer_but_admins_can(ctx):
    admin, evaluator = f.admin(), f.user(Role.EVALUATOR)
    proposal = started_by(evaluator)
    review.record_evaluation(proposal, evaluator, True, 100, "", publish_now=True)
    with pytest.raises(NotAllowed, match="ya tiene respuesta"):
        review.record_evaluation(proposal, evaluator, False, None, "Cambio")
    review.record_evaluation(proposal, admin, False, None, "Cambió el predio.", publish_now=True)
    assert (proposal.state, proposal.answer) == ("rejected", "Cambió el predio.")


def test_a_proposal_on_the_ballot_keeps_its_answer(ctx):
    admin = f.admin()
    process = open_process()
    budget = f.budget(process, amount=1000, costs=())
    proposal = make(process)
    proposals.answer(proposal, state="accepted", cost=300, reason="", actor=admin)
    review.proposals_to_projects(budget, {proposal.id}, admin)
    with pytest.raises(NotAllowed, match="boleta"):
        review.record_evaluation(proposal, admin, False, None, "Ya no.")
    with pytest.raises(NotAllowed, match="boleta"):
        proposals.answer(proposal, state="rejected", cost=None, reason="Ya no.", actor=admin)


# ───────────── Publishing ─────────────


def test_held_answers_are_published_together_and_authors_notified(ctx):
    admin, evaluator = f.admin(), f.user(Role.EVALUATOR)
    process = open_process()
    ana, beto, carla = f.user(), f.user(), f.user()
    accepted = make(process, ana, title="Ciclovía")
    rejected = make(process, beto, title="Estadio")
    untouched = make(process, carla, title="Biblioteca")
    for proposal in (accepted, rejected):
        review.start_evaluation(proposal, evaluator)
    review.record_evaluation(accepted, evaluator, True, 300_000, "Factible.")
    review.record_evaluation(rejected, evaluator, False, None, "Excede el presupuesto.")
    assert review.held_answers(process) == [accepted, rejected]

    published = review.publish_answers(process, admin)

    assert published == [accepted, rejected]
    assert (accepted.state, accepted.answer, accepted.cost_estimate) == (
        "accepted",
        "Factible.",
        300_000,
    )
    assert (rejected.state, rejected.answer) == ("rejected", "Excede el presupuesto.")
    assert accepted.answered_at is not None and rejected.answered_at is not None
    for proposal in (accepted, rejected):
        assert (proposal.pending_state, proposal.pending_answer, proposal.pending_cost) == (
            None,
            None,
            None,
        )
    assert untouched.state == ProposalState.SUBMITTED
    assert review.held_answers(process) == []

    (to_ana,) = notifications(ana.id)
    (to_beto,) = notifications(beto.id)
    assert notifications(carla.id) == []
    assert to_ana.kind == to_beto.kind == "proposal_answered"
    assert "Ciclovía" in to_ana.subject and "aceptada" in to_ana.body
    assert "$300,000" in to_ana.body
    assert "no fue aceptada" in to_beto.body and "Excede el presupuesto." in to_beto.body

    entries = logged("proposal.answer_published")
    assert [e.target_id for e in entries] == [accepted.id, rejected.id]
    assert entries[0].actor_id == admin.id and entries[0].process_id == process.id
    assert entries[0].before == {
        "state": "evaluating",
        "answer": None,
        "cost_estimate": None,
        "answered_at": None,
    }
    assert entries[0].after["state"] == "accepted" and entries[0].after["cost_estimate"] == 300_000


def test_publishing_only_the_chosen_answers(ctx):
    admin, evaluator = f.admin(), f.user(Role.EVALUATOR)
    process = open_process()
    first, second = make(process), make(process)
    for proposal in (first, second):
        review.start_evaluation(proposal, evaluator)
        review.record_evaluation(proposal, evaluator, True, 100, "")
    assert review.publish_answers(process, admin, [second.id]) == [second]
    assert (first.state, second.state) == ("evaluating", "accepted")
    assert review.held_answers(process) == [first]


def test_double_publish_is_refused_and_publishes_nothing(ctx):
    admin, evaluator = f.admin(), f.user(Role.EVALUATOR)
    process = open_process()
    first, second = make(process), make(process)
    for proposal in (first, second):
        review.start_evaluation(proposal, evaluator)
        review.record_evaluation(proposal, evaluator, True, 100, "")
    review.publish_answers(process, admin, [first.id])
    with pytest.raises(Conflict):
        review.publish_answers(process, admin, [first.id, second.id])
    assert second.state == ProposalState.EVALUATING  # all or nothing
    review.publish_answers(process, admin)
    with pytest.raises(Conflict):
        review.publish_answers(process, admin)
    with pytest.raises(Invalid):
        review.publish_answers(process, admin, [])
    assert len(notifications()) == 2
    assert len(logged("proposal.answer_published")) == 2


def test_answers_of_another_process_are_not_published(ctx):
    admin, evaluator = f.admin(), f.user(Role.EVALUATOR)
    mine, other = open_process(), open_process()
    proposal = make(other)
    review.start_evaluation(proposal, evaluator)
    review.record_evaluation(proposal, evaluator, True, 100, "")
    with pytest.raises(Conflict):
        review.publish_answers(mine, admin, [proposal.id])
    assert proposal.state == ProposalState.EVALUATING


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.EVALUATOR, Role.MODERATOR, Role.OFFICER])
def test_only_admins_publish_held_answers(ctx, role):
    evaluator = f.user(Role.EVALUATOR)
    proposal = started_by(evaluator)
    review.record_evaluation(proposal, evaluator, True, 100, "")
    with pytest.raises(NotAllowed):
        review.publish_answers(proposal.process, f.user(role))
    assert proposal.state == ProposalState.EVALUATING


def test_publish_now_publishes_at_once(ctx):
    evaluator = f.user(Role.EVALUATOR)
    proposal = started_by(evaluator)
    review.record_evaluation(proposal, evaluator, False, None, "Ya existe.", publish_now=True)
    assert (proposal.state, proposal.answer, proposal.pending_state) == (
        "rejected",
        "Ya existe.",
        None,
    )
    assert [n.user_id for n in notifications()] == [proposal.author_id]
    (entry,) = logged("proposal.answer_published")
    assert entry.actor_id == evaluator.id


# ───────────── The direct answer (admin form) ─────────────


def test_direct_answer_goes_through_every_step(ctx):
    admin = f.admin()
    proposal = make(open_process(), cost_estimate=80_000)
    proposals.answer(proposal, state="accepted", cost=None, reason="", actor=admin)
    assert (proposal.state, proposal.cost_estimate, proposal.evaluator_id) == (
        "accepted",
        80_000,  # the proposal's own estimate
        admin.id,
    )
    assert proposal_actions() == [
        "proposal.evaluation_started",
        "proposal.evaluation_recorded",
        "proposal.answer_published",
    ]
    assert len(notifications(proposal.author_id)) == 1


def test_direct_answer_checks_its_input_before_changing_anything(ctx):
    admin = f.admin()
    proposal = make(open_process())
    with pytest.raises(Invalid):
        proposals.answer(proposal, state="accepted", cost=None, reason="", actor=admin)
    with pytest.raises(Invalid):
        proposals.answer(proposal, state="maybe", cost=None, reason="", actor=admin)
    assert proposal.state == ProposalState.SUBMITTED
    assert proposal_actions() == []


def test_direct_answer_refuses_non_admin_actors(ctx):
    proposal = make(open_process())
    with pytest.raises(NotAllowed):
        proposals.answer(proposal, state="rejected", cost=None, reason="No", actor=f.user())


# ───────────── Accepted proposals become projects ─────────────


def test_accepted_proposals_become_projects_in_bulk_and_it_is_logged(ctx):
    admin = f.admin()
    process = open_process()
    budget = f.budget(process, amount=1000, costs=())
    accepted = [make(process, title=f"Propuesta {i}") for i in range(2)]
    rejected = make(process, title="Rechazada")
    for proposal in accepted:
        proposals.answer(proposal, state="accepted", cost=200, reason="", actor=admin)
    proposals.answer(rejected, state="rejected", cost=None, reason="No", actor=admin)
    with pytest.raises(NotAllowed):
        review.proposals_to_projects(budget, {p.id for p in accepted}, f.user(Role.EVALUATOR))

    projects = review.proposals_to_projects(budget, {p.id for p in [*accepted, rejected]}, admin)

    assert sorted(p.proposal_id for p in projects) == sorted(p.id for p in accepted)
    assert db.session.scalar(select(func.count(Project.id))) == 2
    (entry,) = logged("budget.projects_from_proposals")
    assert entry.public and entry.actor_id == admin.id and entry.target_id == budget.id
    assert sorted(row["proposal_id"] for row in entry.after["projects"]) == sorted(
        p.id for p in accepted
    )
    with pytest.raises(Invalid):  # already on the ballot: nothing left to add
        review.proposals_to_projects(budget, {p.id for p in accepted}, admin)


# ───────────── Queue ─────────────


def test_queue_shows_mine_and_unassigned_to_evaluators_and_everything_to_admins(ctx):
    admin, me, other = f.admin(), f.user(Role.EVALUATOR), f.user(Role.EVALUATOR)
    process = open_process()
    mine, free, theirs, done = (make(process, title=t) for t in "ABCD")
    review.assign(mine, me, admin)
    review.assign(theirs, other, admin)
    proposals.answer(done, state="rejected", cost=None, reason="No", actor=admin)
    seen = lambda user, **kw: set(db.session.scalars(queries.queue_query(user, **kw)))  # noqa: E731
    assert seen(me) == {mine, free}
    assert seen(me, scope="mias") == {mine}
    assert seen(me, scope="libres") == {free}
    assert seen(admin) == {mine, free, theirs}
    review.start_evaluation(mine, me)
    assert seen(me, state="evaluating") == {mine}
    assert seen(me, state="submitted") == {free}
    review.record_evaluation(mine, me, True, 10, "")
    assert seen(me, state="held") == {mine}
    assert seen(me, process_id=open_process().id) == set()
    assert queries.processes_in_review(me) == [process]
    assert review.can_see(theirs, me) is False and review.can_see(free, me) is True


# ───────────── Roles ─────────────


def test_admin_sets_roles_and_it_is_logged(ctx):
    admin, person = f.admin(), f.user()
    assert roles.set_role(person, "evaluator", admin) is True
    assert person.role == Role.EVALUATOR
    assert roles.set_role(person, "evaluator", admin) is False
    (entry,) = logged("user.role")
    assert (entry.before, entry.after, entry.actor_id, entry.target_id) == (
        {"role": "resident"},
        {"role": "evaluator"},
        admin.id,
        person.id,
    )


def test_role_changes_are_refused_when_they_should_be(ctx):
    admin, person = f.admin(), f.user()
    with pytest.raises(Invalid):
        roles.set_role(person, "king", admin)
    with pytest.raises(NotAllowed):
        roles.set_role(admin, "resident", admin)  # never one's own role
    for role in (Role.RESIDENT, Role.EVALUATOR, Role.MODERATOR, Role.OFFICER):
        with pytest.raises(NotAllowed):
            roles.set_role(person, "admin", f.user(role))
    assert (person.role, admin.role) == ("resident", "admin")
    assert logged("user.role") == []


def test_user_search(ctx):
    ana = f.user(email="ana.lopez@example.org")
    f.user(Role.EVALUATOR, email="beto@example.org")
    found = lambda **kw: list(db.session.scalars(roles.users_query(**kw)))  # noqa: E731
    assert found(q="ANA.LOPEZ") == [ana]
    assert [u.email for u in found(role="evaluator")] == ["beto@example.org"]
    assert found(q="100%") == []


def test_evaluators_cannot_reach_hidden_proposals(ctx):
    from participa.accounts.models import Role
    from participa.db import utcnow as _now
    from participa.proposals.models import Proposal
    from participa.review.services import can_see
    from tests import factories as fac

    process = fac.process(now_allows=("allows_propose",))
    proposal = Proposal(
        process_id=process.id,
        author_id=fac.user().id,
        title="Oculta",
        body="x" * 40,
        category="cultura",
        hidden_at=_now(),
    )
    db.session.add(proposal)
    db.session.flush()
    assert not can_see(proposal, fac.user(Role.EVALUATOR))
    assert can_see(proposal, fac.admin())
