"""Comments on proposals and projects, and reports of any content to the moderators."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participa.db import utcnow
from participa.extensions import Model


class ContentType(StrEnum):
    PROPOSAL = "proposal"
    PROJECT = "project"
    COMMENT = "comment"


class Comment(Model):
    """A comment on a proposal or a project; ``parent`` makes it a reply."""

    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint(
            "target_type IN ('proposal', 'project', 'execution_item')", name="target_known"
        ),
        Index("ix_comments_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int]
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    hidden_at: Mapped[datetime | None]  # hidden by reports or a moderator
    reports_count: Mapped[int] = mapped_column(default=0)

    author = relationship("User")
    parent: Mapped[Comment | None] = relationship(remote_side=[id])

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class ReportState(StrEnum):
    PENDING = "pending"  # waiting for a moderator
    HIDDEN = "hidden"  # a moderator (or the report threshold) hid the content
    RESTORED = "restored"  # a moderator found nothing wrong


class Report(Model):
    """One person's report of one piece of content, with a reason."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("content_type", "content_id", "reporter_id"),
        CheckConstraint(
            "content_type IN ('proposal', 'project', 'comment')", name="content_type_known"
        ),
        CheckConstraint("state IN ('pending', 'hidden', 'restored')", name="state_known"),
        Index("ix_reports_content", "content_type", "content_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    content_type: Mapped[str] = mapped_column(String(20))
    content_id: Mapped[int]
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(500))
    # whether this report counts towards the automatic hiding (MODERATION_HIDE_AFTER): only
    # reports of trusted accounts do (conversation.reports.counts_towards_hiding)
    counts: Mapped[bool] = mapped_column(default=True, server_default=true())
    state: Mapped[str] = mapped_column(String(20), default=ReportState.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    reporter = relationship("User", foreign_keys=[reporter_id])
