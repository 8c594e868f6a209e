"""What the administrators' dashboard shows: for each process, what waits for the staff and
the turnout so far (ballots by channel and by the district of the budget voted on); for the
whole site, the problems to look at. Read-only, a fixed number of grouped statements
whatever the number of processes (no query per row)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from participa.budgets.models import Ballot, Budget, Channel
from participa.census.models import IdentityConflict
from participa.conversation.reports import pending_count
from participa.extensions import db
from participa.notifications.models import Notification
from participa.processes.models import District
from participa.proposals.models import Proposal, ProposalState
from participa.results.models import RunStatus, TallyRun
from participa.results.queries import stale_condition

CHANNEL_LABELS = {
    Channel.ONLINE: _l("en línea"),
    Channel.BOOTH: _l("en casilla"),
    Channel.IMPORT: _l("importadas"),
}


@dataclass
class ProcessFigures:
    """One process's waiting work and turnout."""

    to_evaluate: int = 0  # submitted or being evaluated
    answers_held: int = 0  # answered by an evaluator, waiting to be published
    proposals: int = 0
    supports: int = 0
    ballots: dict[str, int] = field(default_factory=dict)  # by channel
    # by the district of the budget voted on; None: budgets of the whole municipality
    ballots_by_district: dict[str | None, int] = field(default_factory=dict)

    @property
    def districts(self) -> list[tuple[str | None, int]]:
        """Ballots by district, the whole municipality first, then by name."""
        return sorted(
            self.ballots_by_district.items(), key=lambda kv: (kv[0] is not None, kv[0] or "")
        )

    @property
    def ballots_total(self) -> int:
        return sum(self.ballots.values())


@dataclass(frozen=True)
class Problems:
    """What may need an administrator across the site."""

    reports_waiting: int
    identity_conflicts: int
    failed_notifications: int  # given up in the last 30 days
    stale_tallies: int  # official runs presumed lost (the scheduler tallies them again)

    @property
    def any(self) -> bool:
        return any((self.identity_conflicts, self.failed_notifications, self.stale_tallies))


def process_figures() -> dict[int, ProcessFigures]:
    """The figures of every process, by process id (processes without any are absent)."""
    figures: dict[int, ProcessFigures] = defaultdict(ProcessFigures)
    waiting = (ProposalState.SUBMITTED, ProposalState.EVALUATING)
    listed = Proposal.hidden_at.is_(None) & (Proposal.state != ProposalState.WITHDRAWN)
    proposal_rows = db.session.execute(
        select(
            Proposal.process_id,
            func.count().filter(listed),
            func.coalesce(func.sum(Proposal.supports_count), 0),
            func.count().filter(Proposal.state.in_(waiting), Proposal.pending_state.is_(None)),
            func.count().filter(Proposal.pending_state.is_not(None)),
        ).group_by(Proposal.process_id)
    )
    for process_id, proposals, supports, to_evaluate, held in proposal_rows:
        entry = figures[process_id]
        entry.proposals, entry.supports = proposals, supports
        entry.to_evaluate, entry.answers_held = to_evaluate, held
    ballot_rows = db.session.execute(
        select(Budget.process_id, Ballot.channel, func.count(Ballot.id))
        .join(Ballot, Ballot.budget_id == Budget.id)
        .group_by(Budget.process_id, Ballot.channel)
    )
    for process_id, channel, count in ballot_rows:
        figures[process_id].ballots[channel] = count
    district_rows = db.session.execute(
        select(Budget.process_id, District.name, func.count(Ballot.id))
        .join(Ballot, Ballot.budget_id == Budget.id)
        .outerjoin(District, District.id == Budget.district_id)
        .group_by(Budget.process_id, District.name)
    )
    for process_id, district, count in district_rows:
        figures[process_id].ballots_by_district[district] = count
    return dict(figures)


def problems(now: datetime) -> Problems:
    """The site's problems as of ``now``."""
    since = now - timedelta(days=30)
    failed = select(func.count(Notification.id)).where(Notification.failed_at >= since)
    stale = select(func.count(TallyRun.id)).where(
        TallyRun.preview.is_(False),
        TallyRun.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]),
        stale_condition(now),
    )
    return Problems(
        reports_waiting=pending_count(),
        identity_conflicts=db.session.scalar(select(func.count(IdentityConflict.id))) or 0,
        failed_notifications=db.session.scalar(failed) or 0,
        stale_tallies=db.session.scalar(stale) or 0,
    )
