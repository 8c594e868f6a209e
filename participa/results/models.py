"""Tally runs of a budget and the outcome they stored."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participa.budgets.models import Budget, Project
from participa.db import utcnow
from participa.extensions import Model


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class TallyRun(Model):
    """One tally of one budget with one rule; its outcome rows are replaced atomically."""

    __tablename__ = "tally_runs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status_known"),
        # At most one official run of a budget queued or running at a time, whoever asks
        # (two schedulers at the same minute, an administrator, a redelivered message).
        Index(
            "uq_tally_runs_active_official",
            "budget_id",
            unique=True,
            postgresql_where=text("NOT preview AND status IN ('queued', 'running')"),
            sqlite_where=text("NOT preview AND status IN ('queued', 'running')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budgets.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(50))
    preview: Mapped[bool] = mapped_column(default=False)  # an administrator's what-if, unpublished
    progress: Mapped[int] = mapped_column(default=0)  # percent, while running
    status: Mapped[str] = mapped_column(String(20), default=RunStatus.QUEUED)
    ballots_counted: Mapped[int | None]
    total_cost: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    # Written by the worker while it counts (TALLY_HEARTBEAT_EVERY): a running run whose
    # heartbeat is older than TALLY_HEARTBEAT_TIMEOUT is presumed lost, however long it ran.
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    budget: Mapped[Budget] = relationship()
    outcomes: Mapped[list[ProjectOutcome]] = relationship(
        back_populates="run", order_by="ProjectOutcome.rank", cascade="all, delete-orphan"
    )

    @property
    def selected(self) -> list[ProjectOutcome]:
        return [o for o in self.outcomes if o.selected]


class ProjectOutcome(Model):
    """How one project fared in one tally run, with why."""

    __tablename__ = "project_outcomes"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("tally_runs.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    rank: Mapped[int]
    votes: Mapped[int]
    selected: Mapped[bool]
    remaining_before: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(40))
    # MES, exact fractions (dozens of digits each with thousands of voters): the price per
    # supporter, and cost / price
    price: Mapped[str | None] = mapped_column(Text)
    effective_votes: Mapped[str | None] = mapped_column(Text)
    tied: Mapped[bool] = mapped_column(default=False)

    run: Mapped[TallyRun] = relationship(back_populates="outcomes")
    project: Mapped[Project] = relationship()
