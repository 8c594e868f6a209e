"""Follow-up of the winning projects: execution items, their statuses and milestones."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participa.db import utcnow
from participa.extensions import Model

DEFAULT_STATUSES = (
    ("en-estudio", "En estudio", 10),
    ("en-licitacion", "En licitación", 30),
    ("en-ejecucion", "En ejecución", 60),
    ("terminado", "Terminado", 100),
)


class ExecutionStatus(Model):
    """A step of execution configured per process, with the progress it usually means."""

    __tablename__ = "execution_statuses"
    __table_args__ = (
        UniqueConstraint("process_id", "key"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    progress: Mapped[int] = mapped_column(default=0)


class ExecutionItem(Model):
    """A funded project (or part of one) being built; children roll their progress up."""

    __tablename__ = "execution_items"
    __table_args__ = (
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_percent"),
        CheckConstraint("spent >= 0", name="spent_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("execution_items.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str | None] = mapped_column(String(40))  # the municipality's reference
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status_id: Mapped[int | None] = mapped_column(ForeignKey("execution_statuses.id"))
    progress: Mapped[int] = mapped_column(default=0)
    office: Mapped[str] = mapped_column(String(120), default="")  # responsible office
    budgeted: Mapped[int] = mapped_column(BigInteger, default=0)
    spent: Mapped[int] = mapped_column(BigInteger, default=0)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    status: Mapped[ExecutionStatus | None] = relationship()
    parent: Mapped[ExecutionItem | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[ExecutionItem]] = relationship(back_populates="parent")
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="item", order_by="Milestone.happened_on", cascade="all, delete-orphan"
    )
    project = relationship("Project")
    process = relationship("Process")


class Milestone(Model):
    """A dated step of an execution item, with text and an optional photo."""

    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("execution_items.id", ondelete="CASCADE"))
    happened_on: Mapped[date]
    text: Mapped[str] = mapped_column(Text)
    photo: Mapped[str | None] = mapped_column(String(200))  # file name under instance/photos
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[ExecutionItem] = relationship(back_populates="milestones")


class ItemFollow(Model):
    __tablename__ = "item_follows"
    __table_args__ = (UniqueConstraint("user_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("execution_items.id", ondelete="CASCADE"))
