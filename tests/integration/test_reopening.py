"""A closed vote is not reopened by accident: once counted never, before that only with a
stated reason logged publicly; a phase starting in the past needs a reason too."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from participa.audit.services import entries
from participa.db import utcnow
from participa.extensions import db
from participa.processes import services as processes
from participa.processes.models import Phase
from participa.results import services as results
from tests import factories as f

REASON = "La casilla 12 no abrió por la lluvia"


@pytest.fixture
def closed(ctx):
    """A process whose vote (its middle phase) closed an hour ago."""
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process)
    now = utcnow()
    vote = next(p for p in process.phases if p.allows_vote)
    vote.ends_at = now - timedelta(hours=1)
    db.session.commit()
    return process, budget, now


def phase_count() -> int:
    return db.session.scalar(select(func.count(Phase.id)))


def reopen(process, now, reason=""):
    return processes.add_phase(
        process,
        title="Segunda vuelta",
        starts_at=now + timedelta(minutes=1),
        ends_at=now + timedelta(days=2),
        allows_vote=True,
        reason=reason,
        actor=f.admin(),
    )


def test_a_vote_that_was_counted_is_never_reopened(closed):
    process, budget, now = closed
    results.request_tally(budget)
    db.session.commit()
    before = phase_count()
    with pytest.raises(processes.VotingCounted):
        reopen(process, now, REASON)
    db.session.rollback()
    future = next(p for p in process.phases if p.starts_at > now)
    future.allows_vote = True  # a voting phase already planned cannot be opened either
    db.session.commit()
    with pytest.raises(processes.VotingCounted):
        processes.open_phase_now(future, f.admin(), REASON)
    db.session.rollback()
    assert phase_count() == before and not process.allows("vote")


def test_reopening_a_closed_vote_not_yet_counted_needs_a_reason(closed):
    process, _budget, now = closed
    before = phase_count()
    with pytest.raises(processes.ReasonRequired) as refused:
        reopen(process, now, "   ")
    assert "reabrirla queda en el registro público" in refused.value.message
    db.session.rollback()
    assert phase_count() == before
    process.phases[-1].starts_at = now + timedelta(days=3)  # make room after the new phase
    process.phases[-1].ends_at = now + timedelta(days=20)
    db.session.commit()
    reopen(process, now, REASON)
    db.session.commit()
    (entry,) = entries(action="voting.reopened")
    assert entry.public and entry.after["reason"] == REASON
    (added,) = [e for e in entries(action="phase.added") if e.after.get("reason") == REASON]
    assert added.after["title"] == "Segunda vuelta"


def test_a_phase_starting_in_the_past_needs_a_reason(ctx):
    process = processes.create_process(
        title="Nuevo",
        slug=None,
        description="",
        municipality="Santa Lucía",
        district_id=None,
        published=True,
    )
    db.session.commit()
    now = utcnow()
    past = {"title": "Información", "starts_at": now - timedelta(days=2), "ends_at": now}
    with pytest.raises(processes.ReasonRequired) as refused:
        processes.add_phase(process, **past)
    assert "empieza en el pasado" in refused.value.message
    db.session.rollback()
    assert phase_count() == 0
    processes.add_phase(process, **past, reason=REASON)
    db.session.commit()
    assert phase_count() == 1


def test_a_phase_starting_as_the_form_is_sent_needs_no_reason(ctx):
    process = processes.create_process(
        title="Nuevo",
        slug=None,
        description="",
        municipality="Santa Lucía",
        district_id=None,
        published=True,
    )
    now = utcnow()
    phase = processes.add_phase(
        process,
        title="Propuestas",
        starts_at=now - timedelta(minutes=3),
        ends_at=now + timedelta(days=1),
        allows_propose=True,
    )
    db.session.commit()
    assert phase.id is not None and process.allows("propose")
