"""Versions of a process's open data: every publication is kept, with its files' hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participa.db import utcnow
from participa.extensions import Model


class Publication(Model):
    """One published version of a process's datasets.

    The files live under the instance folder (``opendata/<slug>/v<version>/``) and change
    only when the version is redacted (content hidden by moderation after it was published
    is taken out, see ``participa.opendata.redaction``); ``files`` lists them with their
    current size and sha256, and ``redacted_at`` says when the last redaction happened.
    """

    __tablename__ = "publications"
    __table_args__ = (
        UniqueConstraint("process_id", "version"),
        CheckConstraint("trigger IN ('tally', 'daily', 'manual', 'results')", name="trigger_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    version: Mapped[int]
    trigger: Mapped[str] = mapped_column(String(10))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    files: Mapped[list] = mapped_column(JSON, default=list)  # [{name, bytes, sha256, rows}]
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of the content, to skip repeats
    redacted_at: Mapped[datetime | None]  # last time hidden content was taken out

    process = relationship("Process")
