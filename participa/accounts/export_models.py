"""Archives of a person's data (ARCO access): one row per archive asked for."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from participa.db import utcnow
from participa.extensions import Model


class ExportStatus(StrEnum):
    QUEUED = "queued"  # asked for; the worker has not built it yet
    READY = "ready"  # the file is there, offered to its owner until ``expires_at``
    FAILED = "failed"  # the worker could not build it (the owner may ask again)
    EXPIRED = "expired"  # past ``expires_at``: the file was deleted


class DataExport(Model):
    """An archive (ZIP of JSON and CSV) of everything held about one account, built by the
    worker (participa.accounts.export_tasks) under ``instance/exports/`` with a random,
    unguessable file name, offered only to its owner until ``expires_at``, then deleted."""

    __tablename__ = "data_exports"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'ready', 'failed', 'expired')", name="status_known"),
        Index("ix_data_exports_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default=ExportStatus.QUEUED)
    file_name: Mapped[str | None] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ready_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]

    @property
    def is_ready(self) -> bool:
        return self.status == ExportStatus.READY
