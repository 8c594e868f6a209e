"""Versions of a process's open data: every publication is kept, with its files' hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participa.db import utcnow
from participa.extensions import Model


class Publication(Model):
    """One published version of a process's datasets.

    The files live in the storage (``participa.storage``, keys
    ``opendata/<slug>/v<version>/<name>``) and change
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
    # The version's datapackage.json (the catalogue reads it from here); NULL only for a
    # version published before it was kept here whose file was not found by the migration.
    datapackage: Mapped[dict | None] = mapped_column(JSON)
    # The official tally runs whose outcome this version contains (retention keeps the
    # first version of each); NULL for versions published before it was recorded.
    result_runs: Mapped[list | None] = mapped_column(JSON)
    pruned_at: Mapped[datetime | None]  # its files were deleted by the retention policy

    process = relationship("Process")
