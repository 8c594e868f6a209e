"""Storing a voter's ballot: :func:`confirm_ballot` (the hot path of a vote) writes a first
ballot, its items and its receipt in one statement on PostgreSQL (three elsewhere), or
replaces a stored ballot's items while voting is open; its statements are built once and
cached at module level. Also what a ballot's items are as rows (:func:`ballot_item_rows`,
shared with paper ballots) and a voter's stored ballot (:func:`ballot_of`). What is checked
before storing is :mod:`participa.budgets.ballot_box`."""

from __future__ import annotations

import functools
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Executable, delete, select, text

from participa.accounts.access import require_confirmed
from participa.accounts.models import User
from participa.budgets.ballot_box import BallotBox, require_voting_open, validate_selection
from participa.budgets.models import Ballot, BallotItem, BallotType, Budget, Channel, new_public_id
from participa.budgets.receipts import new_receipt_code, receipt_hash
from participa.budgets.scope import require_vote_scope
from participa.census.ballots import claim_online_ballot
from participa.census.verification import require_verified
from participa.db import utcnow
from participa.extensions import db
from participa.fast_statements import FastStatement
from participa.notifications.links import path_for
from participa.notifications.preferences import channels_for
from participa.notifications.sealing import PLACEHOLDER as SECRET_PLACEHOLDER
from participa.notifications.sealing import seal
from participa.notifications.services import notify, track_notifications
from participa.ops.counters import ballot_stored
from participa.processes.models import Action
from participa.sql import insert_ignoring_conflicts
from participa.unit_of_work import after_commit

# The statements of a ballot's storing, built once (see participa.budgets.ballot_box).
_ITEM_COLUMNS = ("ballot_id", "budget_id", "project_id", "points", "rank")
_FIRST_BALLOT: dict[str, Executable] = {}  # by dialect name
RECEIPT = "ballot_confirmed"  # the notification's kind
RECEIPT_PAGE = "opendata.receipt"  # where a receipt is checked: its in-app link

# The ballot, its items and its receipt in one statement: RETURNING nothing when a unique
# pair stopped the ballot (then nothing at all is inserted).
_FIRST_BALLOT_POSTGRESQL = FastStatement(
    text(
        """
    WITH ballot AS (
        INSERT INTO ballots (budget_id, user_id, identity_id, receipt_hash, public_id,
                             channel, created_at, updated_at)
        VALUES (:budget_id, :user_id, :identity_id, :receipt_hash, :public_id,
                :channel, :created_at, :updated_at)
        ON CONFLICT DO NOTHING
        RETURNING id
    ), items AS (
        INSERT INTO ballot_items (ballot_id, budget_id, project_id, points, rank)
        SELECT ballot.id, :budget_id, item.project_id, item.points, item.rank
        FROM ballot, unnest(CAST(:projects AS integer[]), CAST(:points AS integer[]),
                            CAST(:ranks AS integer[])) AS item (project_id, points, rank)
    ), receipt AS (
        INSERT INTO notifications (user_id, kind, subject, body, secret, created_at,
                                   by_email, in_app, link)
        SELECT :user_id, :kind, :subject, :body, :secret, :created_at,
               :by_email, :in_app, :link FROM ballot
        RETURNING id
    )
    SELECT ballot.id AS ballot_id, receipt.id AS receipt_id FROM ballot, receipt
    """
    )
)


def _insert_first_ballot() -> Executable:
    """``INSERT INTO ballots ... ON CONFLICT DO NOTHING RETURNING id`` (any unique pair)."""
    dialect = db.engine.dialect.name
    if dialect not in _FIRST_BALLOT:
        ballots = Ballot.__table__
        _FIRST_BALLOT[dialect] = insert_ignoring_conflicts(ballots).returning(ballots.c.id)
    return _FIRST_BALLOT[dialect]


@functools.lru_cache(maxsize=128)
def _insert_items(count: int) -> Executable:
    """``INSERT INTO ballot_items ... VALUES (...), (...)`` of ``count`` rows: one statement,
    where the driver's executemany pipelines one per row (py-spy showed that pipeline
    costing more CPU than everything else the ballot's storing does). Written as text:
    SQLAlchemy compiles a multi-row ``insert().values()`` again on every execution."""
    rows = ", ".join(
        "(" + ", ".join(f":{column}_{i}" for column in _ITEM_COLUMNS) + ")" for i in range(count)
    )
    columns = ", ".join(_ITEM_COLUMNS)
    return text(f"INSERT INTO {BallotItem.__tablename__} ({columns}) VALUES {rows}")


def _item_parameters(rows: list[dict]) -> dict:
    return {f"{column}_{i}": row[column] for i, row in enumerate(rows) for column in _ITEM_COLUMNS}


def confirm_ballot(
    box: BallotBox, user: User, project_ids: list[int], points: list[int] | None = None
) -> Ballot:
    """Store ``user``'s ballot on the budget of ``box``, replacing a previous one while
    voting is open, and queue its receipt (:func:`notify`). Refuses with ``NotAllowed``
    (voting closed, residency not verified, outside the vote scope), ``Invalid`` (a rule
    of the ballot broken) or ``Conflict`` (this person voted at a booth).

    Safe under parallel requests: ``INSERT ... ON CONFLICT DO NOTHING`` on the unique
    (budget, voter) and (budget, census identity) pairs makes exactly one ballot row per
    person, and ``SELECT ... FOR UPDATE`` serialises the replacement of its items.

    A first ballot, the common case, is a few Core statements: its row (RETURNING its id),
    its items and its receipt; no ORM object is flushed.

    Confirming exactly the stored ballot again (a double click, a retried request) changes
    nothing: the ballot keeps its receipt code, no new receipt is sent, and the returned
    ballot's ``receipt_code`` is None.

    A first ballot is returned as stored but not attached to the session (read its items
    from the database); a replaced one is the session's row.
    """
    require_voting_open(box)
    require_confirmed(user, "vote")  # a confirmed e-mail, unless the setting says no
    require_verified(box.verification_to_vote, user, Action.VOTE)  # census: the process may ask
    if box.needs_scope_check:
        require_vote_scope(db.session.get_one(Budget, box.budget_id), user)
    validate_selection(box, project_ids, points)
    now = utcnow()
    code = new_receipt_code()
    values: dict[str, Any] = {
        "budget_id": box.budget_id,
        "user_id": user.id,
        "channel": Channel.ONLINE,
        "created_at": now,
        "updated_at": now,
        "receipt_hash": receipt_hash(code),
    }
    receipt = (  # subject, body, and the code: stored sealed, put in the body when sent
        _("Tu voto en «%(budget)s» quedó registrado", budget=box.title),
        _(
            "Gracias por votar en «%(process)s». Tu código de comprobante es %(code)s: con él "
            "puedes comprobar en «Comprobar mi boleta» que tu boleta está registrada y, al "
            "publicarse los resultados, que se contó. El código no muestra lo que elegiste. "
            "Si cambias tu voto recibirás un código nuevo.",
            process=box.process_title,
            code=SECRET_PLACEHOLDER,
        ),
        code,
    )
    first = {**values, "identity_id": user.identity_id, "public_id": new_public_id()}
    new_id = _store_first_ballot(box, first, project_ids, points, receipt)
    if new_id is not None:
        ballot = Ballot(id=new_id, **first)  # as stored; not attached to the session
        ballot.receipt_code = code
        after_commit(ballot_stored)  # counted in /metrics once durable
        return ballot
    # This account's ballot exists (replace it), or this person's identity holds a ballot
    # cast at a booth (claim_online_ballot refuses it on the row made here).
    db.session.execute(insert_ignoring_conflicts(Ballot, ["budget_id", "user_id"]).values(**values))
    ballot = db.session.scalars(
        select(Ballot)
        .where(Ballot.budget_id == box.budget_id, Ballot.user_id == user.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    claim_online_ballot(ballot, user)  # census: refuses after a booth ballot
    rows = ballot_item_rows(box, ballot.id, project_ids, points)
    if ballot.receipt_hash is not None and _same_items(ballot.id, rows):
        ballot.receipt_code = None  # unchanged: the code given when it was confirmed holds
        return ballot
    db.session.execute(delete(BallotItem).where(BallotItem.ballot_id == ballot.id))
    ballot.updated_at = now
    ballot.receipt_hash = values["receipt_hash"]
    db.session.flush()
    db.session.expire(ballot, ["items"])
    db.session.execute(_insert_items(len(rows)), _item_parameters(rows))
    ballot.receipt_code = code
    after_commit(ballot_stored)
    notify([user.id], RECEIPT, *receipt, link=path_for(RECEIPT_PAGE))
    return ballot


def _store_first_ballot(
    box: BallotBox,
    values: dict,
    project_ids: list[int],
    points: list[int] | None,
    receipt: tuple[str, str, str],
) -> int | None:
    """Insert a first ballot with its items and its receipt; its id, or None when a unique
    pair stopped it: (budget, voter) or (budget, census identity) already holds a ballot
    (of this account, or of this person at a booth), and nothing was written.

    The row belongs to this transaction (a parallel confirmation of the same person waits
    on the unique indexes until it ends), so no lock is needed. PostgreSQL does it all in
    one statement; other databases in three.
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        ordinal = box.rules.ballot_type == BallotType.ORDINAL
        # receipts are always sent: no query (notify() decides the same way)
        by_email, in_app = channels_for([values["user_id"]], RECEIPT)[values["user_id"]]
        nothing: list[int | None] = [None] * len(project_ids)
        rows = _FIRST_BALLOT_POSTGRESQL.rows(
            connection,
            {
                **values,
                "projects": project_ids,
                "points": points or nothing,
                "ranks": list(range(1, len(project_ids) + 1)) if ordinal else nothing,
                "kind": RECEIPT,
                "subject": receipt[0],
                "body": receipt[1],
                "secret": seal(receipt[2]),
                "by_email": by_email,
                "in_app": in_app,
                "link": path_for(RECEIPT_PAGE),
            },
        )
        if not rows:
            return None
        track_notifications([rows[0].receipt_id])
        return rows[0].ballot_id
    new_id = connection.execute(_insert_first_ballot(), values).scalar()
    if new_id is not None:
        rows = ballot_item_rows(box, new_id, project_ids, points)
        connection.execute(_insert_items(len(rows)), _item_parameters(rows))
        notify([values["user_id"]], RECEIPT, *receipt, link=path_for(RECEIPT_PAGE))
    return new_id


def _same_items(ballot_id: int, rows: list[dict]) -> bool:
    """Whether the stored items of ``ballot_id`` are exactly ``rows`` (projects, points,
    ranks)."""
    items = BallotItem.__table__.c
    stored = db.session.execute(
        select(items.project_id, items.points, items.rank).where(items.ballot_id == ballot_id)
    ).all()
    wanted = {(row["project_id"], row["points"], row["rank"]) for row in rows}
    return len(stored) == len(rows) and {tuple(row) for row in stored} == wanted


def ballot_of(budget: Budget, user: User) -> Ballot | None:
    """``user``'s confirmed ballot on ``budget``, if any."""
    if not user.is_authenticated:
        return None
    return db.session.scalar(
        select(Ballot).where(Ballot.budget_id == budget.id, Ballot.user_id == user.id)
    )


def ballot_item_rows(
    budget: Budget | BallotBox,
    ballot_id: int,
    project_ids: list[int],
    points: list[int] | None = None,
) -> list[dict]:
    """Rows of ``ballot_items`` for one ballot: points for cumulative ballots, ranks (1 =
    first choice) for ordinal ones."""
    if isinstance(budget, BallotBox):
        budget_id, ballot_type = budget.budget_id, budget.rules.ballot_type
    else:
        budget_id, ballot_type = budget.id, budget.ballot_type
    ordinal = ballot_type == BallotType.ORDINAL
    return [
        {
            "ballot_id": ballot_id,
            "budget_id": budget_id,
            "project_id": pid,
            "points": points[i] if points else None,
            "rank": i + 1 if ordinal else None,
        }
        for i, pid in enumerate(project_ids)
    ]
