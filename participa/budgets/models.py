"""Budgets, their projects, and residents' ballots.

Amounts are whole units of the budget's currency (pesos), stored as integers so that
tallies are exact. One ballot per voter and budget, and ballot items that belong to the
ballot's own budget, are enforced by the database, not only by Python.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import cast

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participa.db import utcnow
from participa.extensions import Model
from participa.processes.models import District, Process
from participa.tallying import RULES, VoteType


class BallotType(StrEnum):
    APPROVAL = "approval"  # choose between min_projects and max_projects projects
    KNAPSACK = "knapsack"  # approval whose total cost fits the budget (optional minimum share)
    CHOOSE_1 = "choose-1"  # exactly one project
    CUMULATIVE = "cumulative"  # points spread over projects
    ORDINAL = "ordinal"  # projects ranked, best first

    @property
    def vote_type(self) -> VoteType:
        """How the tally engine (and Pabulib) reads ballots of this type."""
        return {
            BallotType.CHOOSE_1: VoteType.CHOOSE_1,
            BallotType.CUMULATIVE: VoteType.CUMULATIVE,
            BallotType.ORDINAL: VoteType.ORDINAL,
        }.get(self, VoteType.APPROVAL)


RULE_NAMES = tuple(RULES)


def min_spend(amount: int, percent: int) -> int:
    """``percent`` % of ``amount``, rounded up: the least a knapsack ballot must spend."""
    return -(-amount * percent // 100)


class Budget(Model):
    __tablename__ = "budgets"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "ballot_type IN ('approval', 'knapsack', 'choose-1', 'cumulative', 'ordinal')",
            name="ballot_type_known",
        ),
        CheckConstraint(
            "rule IN (" + ", ".join(f"'{name}'" for name in RULE_NAMES) + ")", name="rule_known"
        ),
        CheckConstraint("max_points IS NULL OR max_points >= min_points", name="max_points_ge_min"),
        CheckConstraint("min_points >= 0", name="min_points_not_negative"),
        CheckConstraint("min_projects >= 0", name="min_projects_not_negative"),
        CheckConstraint(
            "max_projects IS NULL OR max_projects >= min_projects", name="max_projects_ge_min"
        ),
        CheckConstraint(
            "min_spend_percent >= 0 AND min_spend_percent <= 100", name="min_spend_percent_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="MXN")
    ballot_type: Mapped[str] = mapped_column(String(20), default=BallotType.KNAPSACK)
    min_projects: Mapped[int] = mapped_column(default=0)
    max_projects: Mapped[int | None]
    min_spend_percent: Mapped[int] = mapped_column(default=0)
    min_points: Mapped[int] = mapped_column(default=0)  # cumulative: per chosen project
    max_points: Mapped[int | None]  # cumulative: per project
    max_total_points: Mapped[int | None]  # cumulative: per ballot
    rule: Mapped[str] = mapped_column(String(50), default="greedy")
    min_score: Mapped[int | None]  # greedy-threshold: least score a project needs
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Archived: off the ballot and the public lists; its ballots, results and open data stay.
    archived_at: Mapped[datetime | None]

    process: Mapped[Process] = relationship(back_populates="budgets")
    district: Mapped[District | None] = relationship()
    # The projects on the ballot: a withdrawn project (archived_at set) is not one of them.
    projects: Mapped[list[Project]] = relationship(
        back_populates="budget",
        primaryjoin="and_(Budget.id == Project.budget_id, Project.archived_at.is_(None))",
        order_by="Project.position, Project.id",
    )

    @property
    def min_spend(self) -> int:
        """Smallest total a knapsack ballot must spend, in currency units (rounded up)."""
        return min_spend(self.amount, self.min_spend_percent)

    def __str__(self) -> str:
        return self.title


class Project(Model):
    """A costed project on a budget's ballot, possibly born from a proposal."""

    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint("cost > 0", name="cost_positive"),
        UniqueConstraint("id", "budget_id"),  # target of ballot_items' composite key
        UniqueConstraint("budget_id", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budgets.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), unique=True)
    code: Mapped[str | None] = mapped_column(String(64))  # id in an imported .pb file
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")
    cost: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Withdrawn from the ballot before voting opened (a duplicate, say); kept for the record.
    archived_at: Mapped[datetime | None]

    budget: Mapped[Budget] = relationship(back_populates="projects")
    proposal = relationship("Proposal")


class Channel(StrEnum):
    ONLINE = "online"
    BOOTH = "booth"  # a paper ballot recorded by an officer at an in-person booth
    IMPORT = "import"  # from a .pb file; the voter is known only by the file's voter id


def new_public_id() -> str:
    return secrets.token_hex(8)


class Ballot(Model):
    """A resident's confirmed ballot on one budget, editable while voting is open."""

    __tablename__ = "ballots"
    __table_args__ = (
        UniqueConstraint("budget_id", "user_id"),
        UniqueConstraint("budget_id", "voter_ref"),
        UniqueConstraint("budget_id", "identity_id"),  # one ballot per person, any channel
        UniqueConstraint("id", "budget_id"),  # target of ballot_items' composite key
        CheckConstraint("channel IN ('online', 'booth', 'import')", name="channel_known"),
        CheckConstraint(
            "user_id IS NOT NULL OR voter_ref IS NOT NULL OR identity_id IS NOT NULL",
            name="voter_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budgets.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    voter_ref: Mapped[str | None] = mapped_column(String(64))  # imported ballots only
    identity_id: Mapped[int | None] = mapped_column(ForeignKey("identities.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # booth ballots
    receipt_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    # Random, published instead of the id: reveals neither the voter nor the order of voting.
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    channel: Mapped[str] = mapped_column(String(20), default=Channel.ONLINE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    items: Mapped[list[BallotItem]] = relationship(
        back_populates="ballot", cascade="all, delete-orphan"
    )

    # the plain code, known only in the request that confirmed the ballot (not a column)
    receipt_code = cast(str | None, None)


class BallotItem(Model):
    """One project approved on one ballot. Composite keys tie both to the same budget."""

    __tablename__ = "ballot_items"
    __table_args__ = (
        ForeignKeyConstraint(
            ["ballot_id", "budget_id"], ["ballots.id", "ballots.budget_id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["project_id", "budget_id"], ["projects.id", "projects.budget_id"]),
        CheckConstraint("points IS NULL OR points > 0", name="points_positive"),
        CheckConstraint("rank IS NULL OR rank > 0", name="rank_positive"),
        Index("ix_ballot_items_budget_project", "budget_id", "project_id"),
    )

    ballot_id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int]
    points: Mapped[int | None]  # cumulative ballots
    rank: Mapped[int | None]  # ordinal ballots: 1 = first choice

    ballot: Mapped[Ballot] = relationship(back_populates="items")


class AnnulledBallot(Model):
    """A ballot taken out of the count because the same person has another one in the
    budget, kept whole (choices, receipt hash, dates) so that nothing is lost and the
    decision can be reviewed.

    It happens when an account that voted online before verifying its residency verifies
    with a document whose person already voted at a booth: the paper ballot, cast in
    person before an officer who checked the document, is the one that counts.
    """

    __tablename__ = "annulled_ballots"
    __table_args__ = (
        CheckConstraint("channel IN ('online', 'booth', 'import')", name="channel_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budgets.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    identity_id: Mapped[int | None] = mapped_column(ForeignKey("identities.id"))
    kept_ballot_id: Mapped[int | None] = mapped_column(
        ForeignKey("ballots.id", ondelete="SET NULL")
    )  # the ballot of the same person that counts
    channel: Mapped[str] = mapped_column(String(20))
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    receipt_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    choices: Mapped[list] = mapped_column(JSON)  # [{"project_id", "points", "rank"}, ...]
    cast_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    annulled_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(String(40))

    budget: Mapped[Budget] = relationship()
    user = relationship("User", foreign_keys=[user_id])
