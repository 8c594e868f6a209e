"""Participatory processes, their ordered phases, and the districts they cover."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Protocol, TypeVar

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participa.db import utcnow
from participa.extensions import Model


class Action(StrEnum):
    """What a phase can allow: the columns of the permission matrix."""

    PROPOSE = "propose"
    SUPPORT = "support"
    COMMENT = "comment"
    VOTE = "vote"
    SHOW_VOTE_COUNTS = "show_vote_counts"
    SHOW_RESULTS = "show_results"


class PhaseRules(Protocol):
    """What decides what a phase allows: a :class:`Phase`, or a row of its columns read
    by a query of its own (the ballot box)."""

    starts_at: datetime
    ends_at: datetime
    allows_propose: bool
    allows_support: bool
    allows_comment: bool
    allows_vote: bool
    shows_vote_counts: bool
    shows_results: bool


P = TypeVar("P", bound=PhaseRules)

_RULE_OF = {
    "propose": "allows_propose",
    "support": "allows_support",
    "comment": "allows_comment",
    "vote": "allows_vote",
    "show_vote_counts": "shows_vote_counts",
    "show_results": "shows_results",
}


def phase_allows(phase: PhaseRules, action: Action) -> bool:
    """Whether ``phase`` allows ``action``: the one reading of the permission matrix."""
    return bool(getattr(phase, _RULE_OF[str(action)]))


def current_phase_of(phases: Iterable[P], now: datetime) -> P | None:
    """The phase whose dates contain ``now`` (naive UTC), if any."""
    return next((p for p in phases if p.starts_at <= now < p.ends_at), None)


def phases_allow(phases: Iterable[PhaseRules], action: Action, now: datetime) -> bool:
    """Whether the current one of ``phases`` allows ``action``."""
    phase = current_phase_of(phases, now)
    return phase is not None and phase_allows(phase, action)


class VoteScope(StrEnum):
    """Which district budgets a resident may vote in (city-wide budgets: always)."""

    ALL = "all"  # every budget of the process
    OWN = "own"  # only the budgets of the resident's own district (and its parents)
    ONE = "one"  # one district budget of the resident's choice


class District(Model):
    """A territory of the municipality; ``parent`` makes a hierarchy."""

    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    level: Mapped[str] = mapped_column(String(20), default="sector")  # municipality/sector/...

    parent: Mapped[District | None] = relationship(remote_side=[id])

    def lineage(self) -> list[District]:
        """This district and its ancestors, nearest first."""
        chain: list[District] = []
        node: District | None = self
        while node is not None and node not in chain:
            chain.append(node)
            node = node.parent
        return chain

    def __str__(self) -> str:
        return self.name


class Process(Model):
    __tablename__ = "processes"
    __table_args__ = (
        # A booth checks people in by their document; an online ballot of an unverified
        # account cannot be matched to that document, so booths require verified voting.
        CheckConstraint(
            "NOT in_person_voting OR verification_to_vote", name="booths_need_verified_voting"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    municipality: Mapped[str] = mapped_column(String(120))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    vote_scope: Mapped[str] = mapped_column(String(10), default=VoteScope.ALL)
    support_threshold: Mapped[int | None]  # supports a proposal needs to reach review
    verification_to_vote: Mapped[bool] = mapped_column(default=False)
    verification_to_propose: Mapped[bool] = mapped_column(default=False)
    in_person_voting: Mapped[bool] = mapped_column(default=False)  # booths take paper ballots
    # None: a draft, seen only by staff (``participa.processes.queries.published``)
    published_at: Mapped[datetime | None]

    district: Mapped[District | None] = relationship()
    phases: Mapped[list[Phase]] = relationship(
        back_populates="process", order_by="Phase.position", cascade="all, delete-orphan"
    )
    budgets = relationship(
        "Budget", back_populates="process", order_by="Budget.position", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        """Public (else a draft that only staff see): the same test as
        :func:`participa.processes.queries.published`, on a loaded row."""
        return self.published_at is not None

    def current_phase(self, now: datetime | None = None) -> Phase | None:
        """The phase whose dates contain ``now`` (naive UTC), if any."""
        return current_phase_of(self.phases, now or utcnow())

    def allows(self, action: Action, now: datetime | None = None) -> bool:
        """Whether the current phase allows ``action``; nobody takes part in a draft (no
        proposals, supports, comments or ballots before it is published)."""
        return self.is_published and phases_allow(self.phases, action, now or utcnow())

    def voting_closes_at(self) -> datetime | None:
        """When the last voting phase ends (None if the process has no voting phase)."""
        return max((p.ends_at for p in self.phases if p.allows_vote), default=None)

    def voting_started(self, now: datetime | None = None) -> bool:
        """True once any voting phase has begun: the ballot and its rules are then fixed."""
        now = now or utcnow()
        return any(p.allows_vote and p.starts_at <= now for p in self.phases)

    def voting_closed(self, now: datetime | None = None) -> bool:
        """True once every voting phase has ended (and there is one)."""
        closes = self.voting_closes_at()
        return closes is not None and closes <= (now or utcnow())

    def vote_counts_visible(self, now: datetime | None = None) -> bool:
        """Support counts are public unless the current phase hides them (Decidim's
        "votes hidden"), so they cannot sway people while they still decide."""
        phase = self.current_phase(now)
        return phase is None or phase.shows_vote_counts

    def results_visible(self, now: datetime | None = None) -> bool:
        """Results are public once voting has closed and a phase that shows them has
        started (and ever after); never while anyone can still vote."""
        now = now or utcnow()
        if any(p.allows_vote for p in self.phases) and not self.voting_closed(now):
            return False
        return any(p.shows_results and p.starts_at <= now for p in self.phases)

    def __str__(self) -> str:
        return self.title


class Phase(Model):
    """A dated step of a process and what it allows."""

    __tablename__ = "phases"
    __table_args__ = (
        UniqueConstraint("process_id", "position"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    allows_propose: Mapped[bool] = mapped_column(default=False)
    allows_support: Mapped[bool] = mapped_column(default=False)
    allows_vote: Mapped[bool] = mapped_column(default=False)
    shows_results: Mapped[bool] = mapped_column(default=False)
    allows_comment: Mapped[bool] = mapped_column(default=False)
    shows_vote_counts: Mapped[bool] = mapped_column(default=True)
    opened_at: Mapped[datetime | None]  # when the scheduler recorded the phase opening
    closed_at: Mapped[datetime | None]  # when the scheduler recorded the phase closing

    process: Mapped[Process] = relationship(back_populates="phases")

    def is_current(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    def status(self, now: datetime | None = None) -> str:
        """``past``, ``current`` or ``future`` relative to ``now``."""
        now = now or utcnow()
        if now < self.starts_at:
            return "future"
        return "current" if now < self.ends_at else "past"

    def allows(self, action: Action) -> bool:
        return phase_allows(self, action)

    @property
    def allowed_actions(self) -> list[Action]:
        return [a for a in Action if self.allows(a)]
