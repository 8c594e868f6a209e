"""Reading the staff of a process (read-only)."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from participa.accounts.models import Role, User
from participa.extensions import db
from participa.staff.models import ProcessRole

_ORDER = case(
    (ProcessRole.role == Role.EVALUATOR, 0), (ProcessRole.role == Role.MODERATOR, 1), else_=2
)


def team(process_id: int) -> list[ProcessRole]:
    """The people assigned to the process, by role then name, with who assigned them
    (two joins: one query whatever the number)."""
    return list(
        db.session.scalars(
            select(ProcessRole)
            .join(ProcessRole.user)
            .where(ProcessRole.process_id == process_id)
            .options(joinedload(ProcessRole.user), joinedload(ProcessRole.assigned_by))
            .order_by(_ORDER, User.name, User.id)
        )
    )


def global_staff() -> list[User]:
    """The people whose global role reaches every process (administrators excepted)."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_((Role.EVALUATOR, Role.MODERATOR, Role.OFFICER)))
            .order_by(User.role, User.name, User.id)
        )
    )


def counts_by_process() -> dict[int, int]:
    """How many assignments each process has (for the administration's overview)."""
    return dict(
        db.session.execute(
            select(ProcessRole.process_id, func.count(ProcessRole.id)).group_by(
                ProcessRole.process_id
            )
        ).all()
    )


def holders(role: Role, process_id: int | None = None) -> list[int]:
    """The ids of the people assigned ``role`` on ``process_id`` (None: on any process)."""
    stmt = select(ProcessRole.user_id).where(ProcessRole.role == role).distinct()
    if process_id is not None:
        stmt = stmt.where(ProcessRole.process_id == process_id)
    return list(db.session.scalars(stmt))
