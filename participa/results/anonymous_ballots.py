"""The anonymous ballots of a budget, read in keyset batches: the one algorithm behind the
ballots CSV of the results page (:func:`participa.results.exports.ballots_csv`), the open
dataset ``boletas`` (:func:`participa.opendata.rows.ballot_rows_of_budget`) and the votes
of the streamed Pabulib file (:class:`participa.interop.pabulib_stream.PbStream`).

Ballots come ordered by their random public id, ``batch`` at a time (keyset pagination on
that id, so nothing holds a whole table in memory), each as (public id, day of last change,
chosen project ids, points): the projects comma separated, best first on ordinal ballots
and by project id otherwise; the points of cumulative ballots in the same order. Never the
receipt hash: whoever holds a code could find the ballot's choices.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import ARRAY, Integer, any_, cast, select

from participa.budgets.models import Ballot, BallotItem, BallotType, Budget
from participa.extensions import db

# (rank, project id, points) of one item of a ballot, as stored (rank and points may be None)
Item = tuple[int | None, int, int | None]


def item_batches(
    budget_id: int, batch: int, on: Any = None
) -> Iterator[list[tuple[str, datetime, list[Item]]]]:
    """Every ballot of budget ``budget_id``, ordered by its random public id, as lists of
    at most ``batch`` (public id, last change, items in no particular order), read with
    ``on`` (the session, or a connection holding a snapshot)."""
    on = db.session if on is None else on
    last = ""
    items_t = BallotItem.__table__.c
    while True:
        ballots = on.execute(
            select(Ballot.id, Ballot.public_id, Ballot.updated_at)
            .where(Ballot.budget_id == budget_id, Ballot.public_id > last)
            .order_by(Ballot.public_id)
            .limit(batch)
        ).all()
        if not ballots:
            return
        items: dict[int, list[Item]] = {}
        for ballot_id, project_id, points, rank in on.execute(
            select(items_t.ballot_id, items_t.project_id, items_t.points, items_t.rank).where(
                _among(items_t.ballot_id, [b[0] for b in ballots])
            )
        ):
            items.setdefault(ballot_id, []).append((rank, project_id, points))
        yield [(public_id, updated, items.pop(bid, [])) for bid, public_id, updated in ballots]
        if len(ballots) < batch:
            return
        last = ballots[-1][1]


def ballot_batches(budget: Budget, batch: int) -> Iterator[list[tuple[str, date, str, str]]]:
    """Every ballot of ``budget``, ordered by its random public id, as lists of at most
    ``batch`` (public id, day, project ids, points)."""
    ordinal = budget.ballot_type == BallotType.ORDINAL
    for ballots in item_batches(budget.id, batch):
        rows = []
        for public_id, updated_at, items in ballots:
            chosen = sorted((rank if ordinal else pid, pid, pt) for rank, pid, pt in items)
            rows.append(
                (
                    public_id,
                    updated_at.date(),
                    ",".join(str(p) for _, p, _ in chosen),
                    ",".join(str(pt) for _, _, pt in chosen if pt is not None),
                )
            )
        yield rows


def _among(column, ids: list[int]):
    """``column IN ids``; on PostgreSQL one array parameter (``= ANY``) rather than
    thousands of parameters."""
    if db.engine.dialect.name == "postgresql":
        return column == any_(cast(ids, ARRAY(Integer)))
    return column.in_(ids)
