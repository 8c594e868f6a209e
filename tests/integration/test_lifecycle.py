"""Phases run themselves, vote scope, locked rules, receipts and the action log."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from participa.accounts.models import Role
from participa.audit.models import ActionLog
from participa.budgets import services as budgets
from participa.budgets.receipts import receipt_hash
from participa.db import utcnow
from participa.errors import NotAllowed
from participa.extensions import db
from participa.notifications.models import Notification
from participa.notifications.services import follow
from participa.processes import services as processes
from participa.processes.models import District, VoteScope
from participa.processes.tasks import run_scheduler
from participa.results.models import TallyRun
from tests import factories as f
from tests.support.ballots import cast_ballot


def test_scheduler_closes_opens_and_queues_the_tally_once(ctx):
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process)
    cast_ballot(budget, f.user(), f.project_ids(budget)[:1])
    fan = f.user()
    follow(fan.id, process.id)
    db.session.commit()
    first = run_scheduler()  # records what already happened: two phases opened,
    assert len(first["opened"]) == 2 and len(first["closed"]) == 1 and first["tallies"] == []

    later = utcnow() + timedelta(days=11)  # the clock moves past the end of voting
    second = run_scheduler(later)
    voting, results_phase = process.phases[1], process.phases[2]
    assert second["closed"] == [voting.id] and second["opened"] == [results_phase.id]
    assert len(second["tallies"]) == 1
    again = run_scheduler(later + timedelta(minutes=1))  # beat runs again
    assert again == {"opened": [], "closed": [], "tallies": []}
    runs = db.session.scalars(select(TallyRun)).all()
    assert len(runs) == 1 and runs[0].status == "done" and not runs[0].preview
    actions = db.session.scalars(select(ActionLog.action).where(ActionLog.public)).all()
    assert actions.count("phase.closed") == 2 and actions.count("phase.opened") == 3
    subjects = db.session.scalars(
        select(Notification.subject).where(Notification.user_id == fan.id)
    ).all()
    assert any("Después" in s for s in subjects)  # told when the results phase opened


def test_admin_moves_phases_by_hand_and_it_is_logged(ctx):
    admin = f.admin()
    process = f.process(now_allows=("allows_propose",))
    current, future = process.phases[1], process.phases[2]
    processes.open_phase_now(future, admin)
    assert future.status() == "current" and current.status() == "past"
    assert process.current_phase() is future
    processes.close_phase_now(future, admin)
    assert process.current_phase() is None
    logged = db.session.scalars(select(ActionLog).where(ActionLog.actor_id == admin.id)).all()
    assert {e.action for e in logged} == {"phase.opened_by_hand", "phase.closed_by_hand"}
    assert all(e.before and e.after and e.public for e in logged)
    with pytest.raises(NotAllowed):
        processes.delete_phase(process.phases[0], admin)  # it happened: part of the record


def test_voting_rules_are_fixed_once_voting_opened(ctx):
    admin = f.admin()
    budget = f.budget(f.process(now_allows=("allows_vote",)))
    with pytest.raises(NotAllowed):
        budgets.update_budget(
            budget, admin, title="x", district_id=None, amount=5, ballot_type="approval"
        )
    with pytest.raises(NotAllowed):
        processes.update_settings(
            budget.process,
            admin,
            vote_scope="own",
            verification_to_vote=False,
            verification_to_propose=False,
        )
    later = f.budget(f.process(now_allows=("allows_propose",)))
    budgets.update_budget(
        later,
        admin,
        title="Nuevo",
        district_id=None,
        amount=5000,
        ballot_type="approval",
        max_projects=2,
    )
    assert (later.amount, later.ballot_type, later.max_projects) == (5000, "approval", 2)
    entry = db.session.scalar(select(ActionLog).where(ActionLog.action == "budget.updated"))
    assert entry.before["amount"] == 1000 and entry.after["amount"] == 5000 and entry.public


def districts():
    city = District(name="Ciudad", level="municipality")
    db.session.add(city)
    db.session.flush()
    north = District(name="Norte", parent_id=city.id)
    south = District(name="Sur", parent_id=city.id)
    db.session.add_all([north, south])
    db.session.flush()
    colonia = District(name="Colonia Norte 1", parent_id=north.id, level="neighbourhood")
    db.session.add(colonia)
    db.session.flush()
    return city, north, south, colonia


@pytest.mark.parametrize("scope", [VoteScope.ALL, VoteScope.OWN, VoteScope.ONE])
def test_vote_scope(ctx, scope):
    _city, north, south, colonia = districts()
    process = f.process(now_allows=("allows_vote",))
    process.vote_scope = scope
    citywide = f.budget(process)
    north_budget = f.budget(process, district_id=north.id)
    south_budget = f.budget(process, district_id=south.id)
    voter = f.user()
    voter.district_id = colonia.id
    db.session.flush()

    def can(budget):
        try:
            cast_ballot(budget, voter, f.project_ids(budget)[:1])
        except NotAllowed:
            return False
        return True

    assert can(citywide)  # city-wide budgets: always
    assert can(north_budget)  # the voter's own sector (their colonia is inside it)
    assert can(south_budget) == (scope == VoteScope.ALL)


def test_each_confirmation_gives_a_new_receipt_stored_as_a_hash(ctx):
    budget = f.budget(f.process(now_allows=("allows_vote",)))
    voter = f.user()
    first = cast_ballot(budget, voter, f.project_ids(budget)[:1])
    code, stored = first.receipt_code, first.receipt_hash
    assert len(code) == 14 and code.count("-") == 2
    assert stored == receipt_hash(code.lower()) and code not in stored
    second = cast_ballot(budget, voter, f.project_ids(budget)[:2])
    assert second.receipt_code != code and second.receipt_hash != stored
    notes = db.session.scalar(
        select(func.count(Notification.id)).where(Notification.kind == "ballot_confirmed")
    )
    assert notes == 2


def test_booth_respects_the_vote_scope_by_census_district(ctx):
    from participa.census.importing import import_census
    from participa.officing.services import record_paper_ballot

    _city, north, south, _colonia = districts()
    process = f.with_booths(f.process(now_allows=("allows_vote",)))
    process.vote_scope = VoteScope.OWN
    south_budget = f.budget(process, district_id=south.id)
    north_budget = f.budget(process, district_id=north.id)
    officer = f.user(Role.OFFICER)
    import_census(
        "documento,fecha_nacimiento,distrito\nNORTE0001,1980-05-05,Norte\n", actor=f.admin()
    )
    with pytest.raises(NotAllowed):
        record_paper_ballot(officer, south_budget, "NORTE0001", f.project_ids(south_budget)[:1])
    record_paper_ballot(officer, north_budget, "NORTE0001", f.project_ids(north_budget)[:1])


def test_stale_queued_tally_is_due_again(ctx):
    from participa.results.queries import budgets_due_for_tally
    from participa.results.services import request_tally

    process = f.process()
    process.phases[0].allows_vote = True
    budget = f.budget(process)
    db.session.commit()
    request_tally(budget)  # queued, but its message never reached a worker
    db.session.commit()
    assert budgets_due_for_tally() == []
    assert budgets_due_for_tally(utcnow() + timedelta(hours=1)) == [budget]


def test_huge_ids_in_urls_are_not_found(client):
    for path in (
        "/seguimiento/99999999999999999999",
        "/admin/presupuestos/99999999999999999999",
        "/procesos/x/presupuestos/99999999999999999999/",
    ):
        assert client.get(path).status_code == 404, path  # not a login redirect: no such id
