"""May this person act as a staff role on this process? The one place that decides it.

A global role (``User.role``) means every process: evaluators, moderators and officers act
on all of them, and administrators hold every role everywhere. An assignment in
``process_roles`` (:class:`~participa.staff.models.ProcessRole`) means that process only;
the person keeps their global role otherwise (a resident still proposes, supports and
votes as a resident). Pages and services ask :func:`may_act` for one process,
:func:`scope` for the processes a list may show, and :func:`acts_anywhere` whether to
offer a staff screen at all.

The assignments of a person are read once per transaction (one small indexed query) and
kept in the session: a commit or rollback, and every change of assignments, forgets them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, event, false, select, true
from sqlalchemy.orm import Session

from participa.accounts.models import Role
from participa.extensions import db
from participa.staff.models import ProcessRole

#: The roles that can be held on one process, in the order they are offered.
PROCESS_ROLES = (Role.EVALUATOR, Role.MODERATOR, Role.OFFICER)

_CACHE = "participa.process_roles"


@dataclass(frozen=True)
class Scope:
    """Where someone acts as a role: everywhere (a global role), or on ``process_ids``."""

    everywhere: bool
    process_ids: frozenset[int] = frozenset()

    def covers(self, process_id: int | None) -> bool:
        return self.everywhere or (process_id is not None and process_id in self.process_ids)

    @property
    def anywhere(self) -> bool:
        return self.everywhere or bool(self.process_ids)

    def where(self, column: Any) -> ColumnElement[bool]:
        """A SQL condition on a process id ``column``: within this scope."""
        if self.everywhere:
            return true()
        if not self.process_ids:
            return false()
        return column.in_(sorted(self.process_ids))


NOWHERE = Scope(everywhere=False)


def holds_globally(user: Any, role: Role) -> bool:
    """Whether ``user`` (possibly anonymous) holds ``role`` on every process."""
    return bool(getattr(user, "is_authenticated", False) and user.has_role(role))


def _assignments(user_id: int) -> dict[str, frozenset[int]]:
    cache: dict[int, dict[str, frozenset[int]]] = db.session.info.setdefault(_CACHE, {})
    if user_id not in cache:
        found: dict[str, set[int]] = {}
        for process_id, role in db.session.execute(
            select(ProcessRole.process_id, ProcessRole.role).where(ProcessRole.user_id == user_id)
        ):
            found.setdefault(role, set()).add(process_id)
        cache[user_id] = {role: frozenset(ids) for role, ids in found.items()}
    return cache[user_id]


def scope(user: Any, role: Role) -> Scope:
    """The processes on which ``user`` acts as ``role``."""
    if not getattr(user, "is_authenticated", False):
        return NOWHERE
    if user.has_role(role):
        return Scope(everywhere=True)
    if role not in PROCESS_ROLES:
        return NOWHERE
    return Scope(everywhere=False, process_ids=_assignments(user.id).get(role, frozenset()))


def may_act(user: Any, role: Role, process_id: int | None) -> bool:
    """Whether ``user`` may act as ``role`` on the process ``process_id``."""
    return scope(user, role).covers(process_id)


def acts_anywhere(user: Any, role: Role) -> bool:
    """Whether ``user`` acts as ``role`` on at least one process (their staff screen)."""
    return scope(user, role).anywhere


def forget() -> None:
    """Drop the assignments read in this session (after a change of assignments)."""
    db.session.info.pop(_CACHE, None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_on_transaction_end(session: Session, *_args: Any) -> None:
    session.info.pop(_CACHE, None)
