"""Residents' proposals and their supports."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participa.accounts.models import User
from participa.categories.models import Category
from participa.db import utcnow
from participa.extensions import Model
from participa.processes.models import District, Process


class ProposalState(StrEnum):
    SUBMITTED = "submitted"
    EVALUATING = "evaluating"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


# What the public list shows (withdrawn proposals only on request): the partial indexes' rows.
LISTED = text("hidden_at IS NULL AND state <> 'withdrawn'")


class Proposal(Model):
    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint("cost_estimate IS NULL OR cost_estimate >= 0", name="cost_not_negative"),
        CheckConstraint("supports_count >= 0", name="supports_not_negative"),
        CheckConstraint(
            "state IN ('submitted', 'evaluating', 'accepted', 'rejected', 'withdrawn')",
            name="state_known",
        ),
        Index("ix_proposals_process_state", "process_id", "state"),
        # The public list (participa.proposals.services.proposals_query): one index per
        # order, holding only the proposals it shows, so that a page, its count and a page
        # in the middle read the index instead of the table.
        Index(
            "ix_proposals_listed_recent",
            "process_id",
            "created_at",
            "id",
            postgresql_where=LISTED,
            sqlite_where=LISTED,
        ),
        Index(
            "ix_proposals_listed_supports",
            "process_id",
            "supports_count",
            "id",
            postgresql_where=LISTED,
            sqlite_where=LISTED,
        ),
        Index(
            "ix_proposals_listed_title",
            "process_id",
            "title",
            "id",
            postgresql_where=LISTED,
            sqlite_where=LISTED,
        ),
        Index("ix_proposals_district_id", "district_id"),
        Index("ix_proposals_category", "category"),
        # The list's search (ILIKE '%words%' on title and body): trigrams on PostgreSQL
        # (pg_trgm); elsewhere a plain index the search does not use.
        Index(
            "ix_proposals_search",
            "title",
            "body",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops", "body": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    title: Mapped[str] = mapped_column(String(150))
    body: Mapped[str] = mapped_column(Text)
    # the key of a category (participa.categories), which never changes
    category: Mapped[str] = mapped_column(String(40), ForeignKey("categories.slug"))
    cost_estimate: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(20), default=ProposalState.SUBMITTED)
    supports_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    # Review: the evaluator's answer, held until an administrator publishes it.
    evaluator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    feasible: Mapped[bool | None]
    pending_state: Mapped[str | None] = mapped_column(String(20))
    pending_answer: Mapped[str | None] = mapped_column(Text)
    pending_cost: Mapped[int | None] = mapped_column(BigInteger)
    # Moderation
    hidden_at: Mapped[datetime | None]
    reports_count: Mapped[int] = mapped_column(default=0)

    process: Mapped[Process] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    district: Mapped[District | None] = relationship()
    # loaded with the proposals (one query per list): every page shows its name
    category_ref: Mapped[Category] = relationship(lazy="selectin")

    @property
    def category_label(self) -> str:
        """The category's name in the visitor's language."""
        return self.category_ref.label if self.category_ref else self.category

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_withdrawn(self) -> bool:
        return self.state == ProposalState.WITHDRAWN


class Support(Model):
    """One resident's support of one proposal; the unique constraint makes it one at most."""

    __tablename__ = "supports"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
