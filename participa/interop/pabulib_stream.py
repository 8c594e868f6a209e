"""A budget's Pabulib ``.pb`` file written in pieces, with flat memory whatever the number
of ballots: the same bytes as ``dump(export_pb(budget))``
(:func:`participa.interop.pabulib.export_pb`), which holds the whole file in memory.

The META section says how many votes follow (``num_votes``) before the first is written,
so the count and the votes must come from the same state of the database. On PostgreSQL
the whole file is read in one read-only REPEATABLE READ transaction of its own connection:
one snapshot, whatever is committed meanwhile. On SQLite (one writer, the embedded
default) it is read with the session, and the votes written are counted: a ballot stored
between the count and the last batch makes the file fail (and a storage write, whole or
nothing, keeps nothing of it) rather than say a wrong ``num_votes``. The open data are
published after voting closed, when ballots no longer change, so neither case arises in
practice; the snapshot makes sure of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import distinct, func, select, text

from participa.budgets.models import BallotItem, BallotType, Budget
from participa.extensions import db
from participa.interop.pabulib import pb_header, vote_row
from participa.results.anonymous_ballots import item_batches
from participa.tallying.pabulib import dump, dump_row

BATCH = 20_000  # ballots read per query (a few MB of rows)


class BallotsChanged(RuntimeError):
    """Ballots were stored or removed while the file was written (SQLite only)."""


@contextmanager
def snapshot() -> Iterator[Any]:
    """What to read with so that every query sees the same state of the database: on
    PostgreSQL a connection of its own in a read-only REPEATABLE READ transaction; on
    SQLite the session."""
    if db.engine.dialect.name != "postgresql":
        yield db.session
        return
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            connection.execute(text("SET TRANSACTION READ ONLY"))
            yield connection


class PbStream:
    """The ``.pb`` text of ``budget`` as an iterable of chunks (META and PROJECTS first,
    then the votes ``batch`` ballots at a time); after it, :attr:`votes` is how many votes
    it wrote."""

    def __init__(self, budget: Budget, batch: int = BATCH) -> None:
        self.budget, self.batch, self.votes = budget, batch, 0

    def __iter__(self) -> Iterator[str]:
        budget = self.budget
        vote_type = BallotType(budget.ballot_type).vote_type
        with snapshot() as on:
            expected = count_votes(budget.id, on)
            head, code = pb_header(budget, expected, on)
            yield dump(head)
            columns, written = head.vote_columns, 0
            for ballots in item_batches(budget.id, self.batch, on):
                lines = []
                for public_id, _updated, items in ballots:
                    row = vote_row(public_id, items, code, vote_type)
                    if row is not None:
                        lines.append(dump_row(row, columns))
                written += len(lines)
                yield "".join(lines)
        if written != expected:
            raise BallotsChanged(
                f"budget {budget.id}: {written} votes written, {expected} counted first"
            )
        self.votes = written


def count_votes(budget_id: int, on: Any) -> int:
    """Ballots of the budget that chose at least one project (a Pabulib vote each)."""
    return int(
        on.execute(
            select(func.count(distinct(BallotItem.ballot_id))).where(
                BallotItem.budget_id == budget_id
            )
        ).scalar_one()
    )
