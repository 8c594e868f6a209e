"""One unit of work per request and per task: side effects run only after its commit.

Services change state and flush; the request (a view) or the task owns the transaction and
commits it once. What must happen only once the change is durable (sending the
notifications it created, queueing a task that reads it) is registered with
:func:`after_commit` while the change is made and runs right after the commit returns, in
registration order, as indico's ``RH.process`` flushes its e-mail queue after committing.
A rollback (or a transaction closed without a commit) drops it: a failed request leaves
nothing and sends nothing; a savepoint rolled back inside the transaction does not.

The callbacks run once the session has left the committed transaction (SQLAlchemy's
``after_commit`` event cannot emit SQL), so they may read and write through the session;
what they register for their own commits runs after those. A callback's error is logged,
never raised: the change it follows is already committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from participa.extensions import db

logger = logging.getLogger(__name__)

_PENDING = "participa.unit_of_work.pending"
_COMMITTED = "participa.unit_of_work.committed"

Callback = Callable[[], object]


def after_commit(callback: Callback) -> None:
    """Run ``callback`` once the current transaction commits (never if it rolls back).
    The same function registered twice in one transaction runs once."""
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback before any statement still ends it
    pending: list[Callback] = session.info.setdefault(_PENDING, [])
    if callback not in pending:
        pending.append(callback)


def pending_callbacks() -> list[Callback]:
    """What the current transaction will run after its commit: the list itself, so a test
    may take one out (e.g. a dispatch lost with the broker down)."""
    pending: list[Callback] = db.session.info.setdefault(_PENDING, [])
    return pending


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the outermost transaction may still roll back
    if _PENDING in session.info:
        session.info.setdefault(_COMMITTED, []).extend(session.info.pop(_PENDING))


@event.listens_for(Session, "after_transaction_end")
def _run_committed(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint rolled back keeps what the transaction registered before it
    session.info.pop(_PENDING, None)  # the outermost transaction ended without a commit
    for callback in session.info.pop(_COMMITTED, []):
        try:
            callback()
        except Exception:
            logger.exception("after-commit %s failed", getattr(callback, "__name__", callback))


def abandon() -> None:
    """Roll the session's unit of work back after a task's error. A query interrupted in
    flight (a task's soft time limit raises wherever the task is) leaves its connection
    busy, which refuses even the rollback: that connection is then dropped (invalidated),
    and the session goes on with a fresh one (to record the failure)."""
    try:
        db.session.rollback()
    except Exception:
        logger.warning(
            "the interrupted transaction could not be rolled back; its connection is dropped"
        )
        db.session().invalidate()  # the scoped session does not proxy it
