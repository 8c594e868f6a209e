"""Staff assigned to one process: an evaluator, moderator or booth officer of that process
only (a global role, ``User.role``, means every process)."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participa.db import utcnow
from participa.extensions import Model

#: The roles that can be held on one process (administration is always global).
PROCESS_ROLE_VALUES = ("evaluator", "moderator", "officer")


class ProcessRole(Model):
    """``user`` acts as ``role`` on ``process`` (and on no other, unless assigned there too)."""

    __tablename__ = "process_roles"
    __table_args__ = (
        UniqueConstraint("user_id", "process_id", "role"),
        CheckConstraint("role IN ('evaluator', 'moderator', 'officer')", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user = relationship("User", foreign_keys=[user_id])
    assigned_by = relationship("User", foreign_keys=[assigned_by_id])

    def __repr__(self) -> str:
        return f"<ProcessRole user={self.user_id} process={self.process_id} {self.role}>"
