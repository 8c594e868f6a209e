"""Correcting what an administrator created: every rule of processes/editing.py and
budgets/editing.py, allowed and refused with its reason, and logged with before/after."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from participa.accountability import statuses
from participa.accountability.models import ExecutionItem
from participa.audit.models import ActionLog
from participa.budgets import editing as ballots
from participa.budgets.models import Budget, Project
from participa.conversation import comments
from participa.db import utcnow
from participa.errors import Conflict, Invalid, NotAllowed
from participa.extensions import db
from participa.processes import editing, services
from participa.processes.models import District, Phase
from participa.results import services as results
from participa.results.queries import tally_projects
from tests import factories as f
from tests.support.ballots import cast_ballot

REASON = "La casilla 12 no abrió por la lluvia"


def last_log(action: str) -> ActionLog:
    entry = db.session.scalar(
        select(ActionLog).where(ActionLog.action == action).order_by(ActionLog.id.desc())
    )
    assert entry is not None, f"no {action} in the action log"
    return entry


def log_count() -> int:
    return db.session.scalar(select(func.count(ActionLog.id)))


def phases(process) -> tuple[Phase, Phase, Phase]:
    """The factory's past, current and future phases."""
    past, current, future = sorted(process.phases, key=lambda p: p.starts_at)
    return past, current, future


def edit(phase: Phase, admin, **changes):
    values = {
        "title": phase.title,
        "description": phase.description,
        "starts_at": phase.starts_at,
        "ends_at": phase.ends_at,
        **{name: getattr(phase, name) for name in editing.PHASE_RULES},
    }
    return editing.update_phase(phase, admin, **(values | changes))


# --- processes ---------------------------------------------------------------------------


def test_a_process_is_corrected_its_address_stays_and_the_change_is_logged(ctx):
    admin, process = f.admin(), f.process()
    slug = process.slug
    assert editing.update_process(
        process,
        admin,
        title="Presupuesto 2027 (corregido)",
        description="Nueva descripción",
        municipality="San Pedro",
        district_id=None,
    )
    db.session.commit()
    assert (process.title, process.slug) == ("Presupuesto 2027 (corregido)", slug)
    entry = last_log("process.updated")
    assert entry.public and entry.actor_id == admin.id
    assert (
        entry.before["title"].startswith("Proceso ") and entry.after["municipality"] == "San Pedro"
    )
    before = log_count()
    assert not editing.update_process(  # the same values: nothing changes, nothing logged
        process,
        admin,
        title=process.title,
        description=process.description,
        municipality=process.municipality,
        district_id=None,
    )
    assert log_count() == before


def test_a_process_needs_a_title(ctx):
    process = f.process()
    db.session.commit()
    with pytest.raises(Invalid) as refused:
        editing.update_process(
            process, f.admin(), title="  ", description="", municipality="X", district_id=None
        )
    assert refused.value.field == "title"


# --- phases ------------------------------------------------------------------------------


def test_a_future_phase_is_corrected_whole_and_logged_with_before_and_after(ctx):
    admin, process = f.admin(), f.process()
    _past, _current, future = phases(process)
    new_end = future.ends_at + timedelta(days=5)
    assert edit(future, admin, title="Resultados", ends_at=new_end, allows_comment=True) == (
        "phase.updated"
    )
    db.session.commit()
    assert (future.title, future.ends_at, future.allows_comment) == ("Resultados", new_end, True)
    entry = last_log("phase.updated")
    assert entry.public and entry.before["title"] == "Después"
    assert entry.after["allows_comment"] is True and entry.before["allows_comment"] is False


def test_phases_may_not_overlap(ctx):
    admin, process = f.admin(), f.process()
    _past, current, future = phases(process)
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        edit(future, admin, starts_at=current.ends_at - timedelta(days=1))
    assert "«Ahora»" in refused.value.message and refused.value.field == "starts_at"
    db.session.rollback()
    with pytest.raises(Conflict) as refused:
        edit(current, admin, ends_at=future.starts_at + timedelta(days=1))
    assert "«Después»" in refused.value.message and refused.value.field == "ends_at"


def test_extending_an_open_vote_is_allowed_and_logged_publicly(ctx):
    admin, process = f.admin(), f.process(now_allows=("allows_vote",))
    _past, current, future = phases(process)
    future.starts_at += timedelta(days=5)
    future.ends_at += timedelta(days=5)
    old_end = current.ends_at
    new_end = old_end + timedelta(days=3)
    assert edit(current, admin, ends_at=new_end) == "voting.extended"
    db.session.commit()
    assert current.ends_at == new_end and process.allows("vote", utcnow() + timedelta(days=11))
    entry = last_log("voting.extended")
    assert entry.public and entry.process_id == process.id
    assert entry.before["ends_at"] == old_end.isoformat()
    assert entry.after["ends_at"] == new_end.isoformat()


def test_a_phase_that_began_keeps_its_start_and_its_permissions(ctx):
    admin, process = f.admin(), f.process(now_allows=("allows_vote",))
    _past, current, _future = phases(process)
    db.session.commit()
    with pytest.raises(NotAllowed) as refused:
        edit(current, admin, starts_at=current.starts_at + timedelta(days=1))
    assert refused.value.field == "starts_at" and "registro" in refused.value.message
    db.session.rollback()
    with pytest.raises(NotAllowed) as refused:
        edit(current, admin, allows_vote=False, allows_propose=True)
    assert refused.value.field == "allows_vote"
    db.session.rollback()
    assert current.allows_vote and not current.allows_propose


def test_ending_a_current_phase_earlier_needs_a_confirmation(ctx):
    admin, process = f.admin(), f.process(now_allows=("allows_vote",))
    _past, current, _future = phases(process)
    db.session.commit()
    before = log_count()
    earlier = utcnow() + timedelta(days=2)
    with pytest.raises(editing.ConfirmationRequired):
        edit(current, admin, ends_at=earlier)
    db.session.rollback()
    assert log_count() == before and current.ends_at > earlier + timedelta(days=1)
    with pytest.raises(Invalid) as refused:  # into the past: that is "close now"
        edit(current, admin, ends_at=utcnow() - timedelta(hours=1), confirm=True)
    assert refused.value.field == "ends_at" and "Cerrar ahora" in refused.value.message
    db.session.rollback()
    assert edit(current, admin, ends_at=earlier, confirm=True) == "phase.shortened"
    db.session.commit()
    assert current.ends_at == earlier
    assert last_log("phase.shortened").after["ends_at"] == earlier.isoformat()


def test_a_past_phase_is_not_rewritten(ctx):
    admin, process = f.admin(), f.process()
    past, _current, _future = phases(process)
    db.session.commit()
    with pytest.raises(NotAllowed):
        edit(past, admin, ends_at=past.ends_at - timedelta(days=1))
    db.session.rollback()
    with pytest.raises(NotAllowed):
        edit(past, admin, allows_propose=True)
    db.session.rollback()
    assert edit(past, admin, title="Información") == "phase.updated"  # its name may change
    db.session.commit()
    assert past.title == "Información"


def test_reopening_a_closed_vote_needs_a_reason_and_a_counted_one_never_reopens(ctx):
    admin, process = f.admin(), f.process(now_allows=("allows_vote",))
    budget = f.budget(process)
    _past, vote, future = phases(process)
    now = utcnow()
    vote.ends_at = now - timedelta(hours=1)
    future.starts_at = now + timedelta(days=5)
    db.session.commit()
    with pytest.raises(services.ReasonRequired):
        edit(vote, admin, ends_at=now + timedelta(days=2))
    db.session.rollback()
    assert edit(vote, admin, ends_at=now + timedelta(days=2), reason=REASON) == "phase.reopened"
    db.session.commit()
    assert process.allows("vote") and last_log("phase.reopened").after["reason"] == REASON
    assert last_log("voting.reopened").public
    vote.ends_at = now - timedelta(minutes=30)
    results.request_tally(budget)  # counted: final
    db.session.commit()
    with pytest.raises(services.VotingCounted):
        edit(vote, admin, ends_at=now + timedelta(days=3), reason=REASON)


def test_only_a_phase_that_never_began_is_deleted(ctx):
    admin, process = f.admin(), f.process()
    _past, current, future = phases(process)
    db.session.commit()
    with pytest.raises(NotAllowed) as refused:
        services.delete_phase(current, admin)
    assert "registro público" in refused.value.message
    db.session.rollback()
    future.opened_at = utcnow()  # the scheduler recorded it as opened: public history
    with pytest.raises(NotAllowed):
        services.delete_phase(future, admin)
    db.session.rollback()
    future.opened_at = None
    services.delete_phase(future, admin)
    db.session.commit()
    assert len(process.phases) == 2 and last_log("phase.deleted").before["title"] == "Después"


# --- budgets and projects ----------------------------------------------------------------


def test_a_budget_without_history_is_deleted_with_its_projects(ctx):
    admin, process = f.admin(), f.process()
    budget = f.budget(process)
    budget_id = budget.id
    ballots.delete_budget(budget, admin)
    db.session.commit()
    assert db.session.get(Budget, budget_id) is None
    assert db.session.scalar(select(func.count(Project.id))) == 0
    entry = last_log("budget.deleted")
    assert entry.public and entry.before["amount"] == 1000


def test_a_budget_with_ballots_is_refused_and_archived_instead(ctx):
    admin, process = f.admin(), f.process(now_allows=("allows_vote",))
    budget = f.budget(process)
    cast_ballot(budget, f.user(), f.project_ids(budget)[:1])
    db.session.commit()
    with pytest.raises(NotAllowed) as refused:
        ballots.delete_budget(budget, admin)
    assert "1 boleta" in refused.value.message and "archivarlo" in refused.value.message
    db.session.rollback()
    ballots.archive_budget(budget, admin)
    db.session.commit()
    assert budget.archived_at is not None and db.session.get(Budget, budget.id) is not None
    entry = last_log("budget.archived")
    assert entry.public and entry.before["archived_at"] is None and entry.after["archived_at"]
    with pytest.raises(Conflict):
        ballots.archive_budget(budget, admin)


def test_a_project_is_corrected_until_voting_opens(ctx):
    admin, process = f.admin(), f.process()
    budget, other = f.budget(process), f.budget(process, amount=5000)
    project = f.projects(budget)[0]
    assert ballots.update_project(
        project, admin, title="Luminarias", description="LED", cost=450, budget_id=other.id
    )
    db.session.commit()
    assert (project.title, project.cost, project.budget_id) == ("Luminarias", 450, other.id)
    entry = last_log("project.updated")
    assert entry.public and (entry.before["cost"], entry.after["cost"]) == (400, 450)
    assert (entry.before["budget_id"], entry.after["budget_id"]) == (budget.id, other.id)
    with pytest.raises(Invalid) as refused:
        ballots.update_project(
            project, admin, title="Luminarias", description="", cost=6000, budget_id=other.id
        )
    assert refused.value.field == "cost"


def test_a_project_is_fixed_once_voting_opens(ctx):
    admin, process = f.admin(), f.process(now_allows=("allows_vote",))
    project = f.projects(f.budget(process))[0]
    db.session.commit()
    for change in (
        lambda: ballots.update_project(
            project, admin, title="X", description="", cost=1, budget_id=project.budget_id
        ),
        lambda: ballots.withdraw_project(project, admin),
        lambda: ballots.delete_project(project, admin),
    ):
        with pytest.raises(NotAllowed) as refused:
            change()
        assert "La votación ya empezó" in refused.value.message
        db.session.rollback()
    assert project.cost == 400 and project.archived_at is None


def test_a_withdrawn_project_leaves_the_ballot_and_the_count(ctx):
    admin, process = f.admin(), f.process()
    budget = f.budget(process)
    duplicate = f.projects(budget)[1]
    ballots.withdraw_project(duplicate, admin)
    db.session.commit()
    db.session.expire_all()
    assert duplicate.id not in {p.id for p in budget.projects}
    assert duplicate.id not in {p.id for p in tally_projects(budget)}
    assert db.session.get(Project, duplicate.id).archived_at is not None  # kept
    assert last_log("project.withdrawn").public
    with pytest.raises(NotAllowed):
        ballots.withdraw_project(duplicate, admin)


def test_a_project_with_comments_is_not_deleted_but_one_without_is(ctx):
    admin, process = f.admin(), f.process(now_allows=("allows_comment",))
    budget = f.budget(process)
    discussed, typo = f.projects(budget)[:2]
    comments.add_comment(discussed, f.user(), "Me parece muy buena idea.")
    db.session.commit()
    with pytest.raises(NotAllowed) as refused:
        ballots.delete_project(discussed, admin)
    assert "Retíralo" in refused.value.message
    db.session.rollback()
    typo_id = typo.id
    ballots.delete_project(typo, admin)
    db.session.commit()
    assert db.session.get(Project, typo_id) is None
    assert last_log("project.deleted").before["title"] == "Proyecto 2"


# --- districts and statuses -------------------------------------------------------------


def district(name: str, parent: District | None = None) -> District:
    d = District(name=name, parent_id=parent.id if parent else None, level="sector")
    db.session.add(d)
    db.session.flush()
    return d


def test_a_district_is_renamed_and_moved_but_never_inside_itself(ctx):
    admin = f.admin()
    norte = district("Norte")
    colonia = district("Colonia Roma", norte)
    sur = district("Sur")
    db.session.commit()
    assert editing.update_district(
        norte, admin, name="Zona Norte", parent_id=sur.id, level="sector"
    )
    db.session.commit()
    entry = last_log("district.updated")
    assert (entry.before["name"], entry.after["name"]) == ("Norte", "Zona Norte")
    assert (entry.before["parent_id"], entry.after["parent_id"]) == (None, sur.id)
    for parent in (norte, colonia):  # itself, or one of its own
        with pytest.raises(Invalid) as refused:
            editing.update_district(
                norte, admin, name="Zona Norte", parent_id=parent.id, level="sector"
            )
        assert refused.value.field == "parent_id"
        db.session.rollback()
    with pytest.raises(Conflict):
        editing.update_district(colonia, admin, name="Sur", parent_id=None, level="sector")


def test_only_an_unused_district_is_deleted(ctx):
    admin = f.admin()
    centro = district("Centro")
    f.budget(f.process(), district_id=centro.id)
    resident = f.user()
    resident.district_id = centro.id
    spare = district("Sin usar")
    db.session.commit()
    with pytest.raises(NotAllowed) as refused:
        editing.delete_district(centro, admin)
    assert "1 presupuestos" in refused.value.message
    assert "1 personas registradas" in refused.value.message
    db.session.rollback()
    spare_id = spare.id
    editing.delete_district(spare, admin)
    db.session.commit()
    assert db.session.get(District, spare_id) is None
    assert last_log("district.deleted").before["name"] == "Sin usar"


def test_only_an_unused_execution_status_is_deleted(ctx):
    admin, process = f.admin(), f.process()
    used = statuses.add_status(process, admin, "Suspendida", 10)
    unused = statuses.add_status(process, admin, "Cancelada", 0)
    db.session.add(ExecutionItem(process_id=process.id, title="Parque", status_id=used.id))
    db.session.flush()
    db.session.commit()
    with pytest.raises(NotAllowed) as refused:
        statuses.delete_status(used, admin)
    assert "1 obra" in refused.value.message
    db.session.rollback()
    statuses.delete_status(unused, admin)
    db.session.commit()
    assert [s.name for s in statuses.statuses(process)][-1] == "Suspendida"
    assert last_log("execution_status.deleted").before["name"] == "Cancelada"
