"""One ballot per person and budget, whatever the channel (online or a paper ballot at a booth).

``link_ballots`` ties the online ballots an account cast before verifying to its identity;
when the same person also voted on paper, the paper ballot counts and the online one is
annulled (kept whole in ``annulled_ballots``), or, once voting closed, the duplicate is
logged for administrators. ``claim_online_ballot`` is called by ``cast_ballot`` to refuse an
online ballot of someone who already voted in person.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from participa.accounts.models import User
from participa.audit.services import log
from participa.budgets.models import AnnulledBallot, Ballot, Budget, Channel
from participa.census.models import Identity
from participa.errors import Conflict
from participa.extensions import db


class AnnulReason(StrEnum):
    PAPER_BALLOT_COUNTS = "paper_ballot_counts"


def _same_person_ballot(ballot: Ballot, identity: Identity) -> Ballot | None:
    """Another ballot of ``identity`` on ``ballot``'s budget (a paper ballot), locked."""
    return db.session.scalar(
        select(Ballot)
        .where(
            Ballot.budget_id == ballot.budget_id,
            Ballot.identity_id == identity.id,
            Ballot.id != ballot.id,
        )
        .with_for_update()
    )


def link_ballots(user: User, identity: Identity) -> list[str]:
    """Tie the ballots ``user`` cast before verifying to ``identity``, so that the unique
    (budget, identity) pair holds for them too; a booth then sees them.

    The declared rule when the same person already has another ballot on a budget (a
    paper ballot recorded at a booth with the same document): **the paper ballot counts**,
    since it was cast in person before an officer who checked the document. While voting
    is open, the online ballot is annulled: moved whole to ``annulled_ballots`` (nothing is
    lost), logged for administrators, and the resident is told. Once voting has closed the
    ballots are final and the tally may have run: nothing is changed, and the duplicate is
    logged for administrators to decide. Returns the messages for the resident.
    """
    notes: list[str] = []
    ballots = db.session.scalars(
        select(Ballot)
        .where(Ballot.user_id == user.id, Ballot.identity_id.is_(None))
        .order_by(Ballot.id)
        .with_for_update()
    ).all()
    for ballot in ballots:
        other = _same_person_ballot(ballot, identity)
        if other is None:
            try:
                with db.session.begin_nested():
                    ballot.identity_id = identity.id
                    db.session.flush()
                continue
            except IntegrityError:  # a booth recorded this person's paper ballot meanwhile
                other = _same_person_ballot(ballot, identity)
                if other is None:
                    raise
        notes.append(_resolve_duplicate(ballot, other, user))
    return notes


def _resolve_duplicate(online: Ballot, kept: Ballot, user: User) -> str:
    budget = db.session.get_one(Budget, online.budget_id)
    details = {
        "budget_id": budget.id,
        "kept_ballot": kept.public_id,
        "kept_channel": kept.channel,
        "duplicate_ballot": online.public_id,
        "duplicate_channel": online.channel,
    }
    if budget.process.voting_closed():
        log(
            "ballot.duplicate_after_close",
            online,
            actor=user,
            process_id=budget.process_id,
            after=details,
        )
        return _(
            "Ya tenías una boleta en papel en «%(budget)s» y la votación ya cerró: "
            "el municipio revisará el caso.",
            budget=budget.title,
        )
    annulled = AnnulledBallot(
        budget_id=online.budget_id,
        user_id=online.user_id,
        identity_id=kept.identity_id,
        kept_ballot_id=kept.id,
        channel=online.channel,
        public_id=online.public_id,
        receipt_hash=online.receipt_hash,
        choices=[
            {"project_id": item.project_id, "points": item.points, "rank": item.rank}
            for item in sorted(online.items, key=lambda item: item.project_id)
        ],
        cast_at=online.created_at,
        updated_at=online.updated_at,
        reason=AnnulReason.PAPER_BALLOT_COUNTS,
    )
    db.session.add(annulled)
    db.session.delete(online)  # its items go with it; the copy keeps them
    db.session.flush()
    log(
        "ballot.annulled",
        annulled,
        actor=user,
        process_id=budget.process_id,
        after={**details, "reason": AnnulReason.PAPER_BALLOT_COUNTS.value},
    )
    return _(
        "Ya habías votado en papel en una casilla en «%(budget)s»: esa boleta es la que "
        "cuenta, y la que enviaste en línea antes de verificar tu residencia se anuló.",
        budget=budget.title,
    )


def annulled_ballots(limit: int = 200) -> list[AnnulledBallot]:
    """Ballots taken out of the count, newest first (for administrators)."""
    return list(
        db.session.scalars(
            select(AnnulledBallot)
            .options(selectinload(AnnulledBallot.budget), selectinload(AnnulledBallot.user))
            .order_by(AnnulledBallot.id.desc())
            .limit(limit)
        ).all()
    )


def claim_online_ballot(ballot: Ballot, user: User) -> None:
    """Called by ``cast_ballot`` on the locked ballot row: refuse when this person already
    voted in this budget at a booth, or online from an account since deleted (its ballots
    keep the identity), and record the identity of a verified voter (the
    unique (budget, identity) pair then holds across channels)."""
    other_channel = ballot.channel if ballot.channel != Channel.ONLINE else None
    if other_channel is None and user.identity_id is not None:
        other_channel = db.session.scalar(
            select(Ballot.channel).where(
                Ballot.budget_id == ballot.budget_id,
                Ballot.identity_id == user.identity_id,
                Ballot.id != ballot.id,
            )
        )
    if other_channel == Channel.ONLINE:  # from an account since deleted: the person voted
        raise Conflict(
            _("Ya votaste en este presupuesto."),
            _(
                "Tu identidad verificada ya tiene una boleta en este presupuesto, emitida "
                "desde otra cuenta; cada persona vota una sola vez."
            ),
        )
    if other_channel is not None:
        raise Conflict(
            _("Ya votaste en persona en este presupuesto."),
            _("Tu boleta en papel es la que cuenta; no se puede votar también en línea."),
        )
    if user.identity_id is not None:
        ballot.identity_id = user.identity_id
