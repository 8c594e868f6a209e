"""The action log: who did what to what, when, with the values before and after."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participa.db import utcnow
from participa.extensions import Model


class ActionLog(Model):
    """One administrative action (or one automatic one: ``actor_id`` is then null).

    ``public`` entries (configuration of phases, budgets and rules) are shown on the
    process page; every entry is shown to administrators. ``origin`` says where an action
    came from when no person did it in the browser: ``calendar`` (the scheduler), ``cli``
    (a ``flask`` command) or ``demo`` (the demonstration data); null for the web (and for
    rows older than the column).
    """

    __tablename__ = "action_log"
    __table_args__ = (
        Index("ix_action_log_process_public", "process_id", "public"),
        Index("ix_action_log_actor_id", "actor_id"),
        Index("ix_action_log_action", "action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[int | None]
    process_id: Mapped[int | None] = mapped_column(ForeignKey("processes.id", ondelete="SET NULL"))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    public: Mapped[bool] = mapped_column(default=False)
    origin: Mapped[str | None] = mapped_column(String(20))

    actor = relationship("User")
