"""Identities and residency verification, and the verification gate for voting and proposing.

One document makes one ``Identity``, linked to at most one account; ``verify`` checks the
document and birth date against the census (with a daily limit of failed attempts), and a
second account trying the same document is refused and recorded as an ``IdentityConflict``
for administrators. ``require_verified`` is called by the ballot and proposal services when
the process asks for a verified residency.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from participa.accounts.models import User
from participa.audit.models import ActionLog
from participa.audit.services import log
from participa.census.ballots import link_ballots
from participa.census.hashing import check_hash, document_hash, require_census_key, valid_document
from participa.census.models import CensusEntry, Identity, IdentityConflict
from participa.db import utcnow
from participa.errors import Conflict, Invalid, NotAllowed
from participa.extensions import db
from participa.processes.models import Action, District
from participa.sql import insert_ignoring_conflicts


def census_entry(document: str) -> CensusEntry | None:
    """The census entry of ``document``, if it is in the census."""
    if not valid_document(document):
        return None
    require_census_key()
    return db.session.scalar(
        select(CensusEntry).where(CensusEntry.document_hash == document_hash(document))
    )


def identity_for(entry: CensusEntry) -> Identity:
    """The identity of a census person, created on first use (safe under parallel requests:
    the unique document hash decides, the loser reads the winner's row)."""
    db.session.execute(
        insert_ignoring_conflicts(Identity, ["document_hash"]).values(
            document_hash=entry.document_hash, district_id=entry.district_id, created_at=utcnow()
        )
    )
    return db.session.scalars(
        select(Identity)
        .where(Identity.document_hash == entry.document_hash)
        .execution_options(populate_existing=True)
    ).one()


def account_of(identity: Identity) -> User | None:
    """The account verified with ``identity``, if any."""
    return db.session.scalar(select(User).where(User.identity_id == identity.id))


class IdentityTaken(Conflict):
    """The document is already verified by another account (an ``IdentityConflict`` row
    records it for administrators)."""


@dataclass
class Verification:
    """What an attempt did. A refused attempt that leaves a record (the failed attempt,
    which counts towards the daily limit, or the conflict for administrators) is an
    outcome, not an exception: ``refused`` says why, and the caller commits the record as
    it would commit a verification."""

    identity: Identity | None
    district: District | None
    already: bool = False  # the account was verified before: nothing changed
    notes: list[str] = field(default_factory=list)
    refused: IdentityTaken | VerificationFailed | None = None


def verify(user: User, document: str, birth_date: date) -> Verification:
    """Verify ``user``'s residency against the census, once.

    Links the account to the document's identity, sets its district to the census one and
    ties the account's online ballots to the identity (see :func:`link_ballots`: a ballot
    cast before verifying whose person also voted at a booth is annulled). Refused, with
    the attempt recorded (``refused``): ``VerificationFailed`` when the document and birth
    date are not in the census together (without saying which one is wrong),
    ``IdentityTaken`` when another account already holds the document. Raises (nothing
    changed) ``NotAllowed`` past the daily limit of failed attempts. Flushes; the caller
    commits once, refused or not.

    The attempts of one account are serialized (its row is locked first), so parallel
    tries cannot pass the daily limit: each sees the failures committed before it.
    """
    if user.is_verified:
        identity = db.session.get_one(Identity, user.identity_id)
        return Verification(identity, identity.district if identity else None, already=True)
    db.session.scalars(  # re-read locked: a parallel attempt may have verified it meanwhile
        select(User)
        .where(User.id == user.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if user.is_verified:
        identity = db.session.get_one(Identity, user.identity_id)
        return Verification(identity, identity.district if identity else None, already=True)
    if failed_attempts(user) >= MAX_FAILED_VERIFICATIONS:
        raise NotAllowed(
            _(
                "Hiciste demasiados intentos de verificación en las últimas 24 horas. "
                "Vuelve a intentarlo mañana o acude al módulo de atención del municipio."
            )
        )
    entry = census_entry(document)
    if entry is None or not hmac.compare_digest(entry.check_hash, check_hash(document, birth_date)):
        log("census.verify_failed", user, actor=user)  # committed by the caller: it counts
        return _refused(
            VerificationFailed(
                _(
                    "No encontramos ese documento con esa fecha de nacimiento en el padrón. "
                    "Revisa los datos; si son correctos, acude al módulo de atención del "
                    "municipio."
                )
            )
        )
    identity = identity_for(entry)
    holder = account_of(identity)
    if holder is not None and holder.id != user.id:
        _record_conflict(identity, user)
        return _refused(IdentityTaken(_taken_message()))
    try:
        with db.session.begin_nested():  # a parallel request may link the identity first
            identity.district_id = entry.district_id
            user.identity_id = identity.id
            user.district_id = entry.district_id
            db.session.flush()
    except IntegrityError:
        _record_conflict(identity, user)
        return _refused(IdentityTaken(_taken_message()))
    return Verification(identity, entry.district, notes=link_ballots(user, identity))


def _refused(error: IdentityTaken | VerificationFailed) -> Verification:
    db.session.flush()
    return Verification(None, None, refused=error)


MAX_FAILED_VERIFICATIONS = 5  # per account and 24 hours: a CURP contains the birth date


class VerificationFailed(Invalid):
    """The document and birth date are not in the census together (the attempt is logged)."""


def failed_attempts(user: User) -> int:
    """Failed verifications of ``user`` in the last 24 hours."""
    return db.session.scalars(
        select(func.count(ActionLog.id)).where(
            ActionLog.action == "census.verify_failed",
            ActionLog.actor_id == user.id,
            ActionLog.created_at > utcnow() - timedelta(hours=24),
        )
    ).one()


def _taken_message() -> str:
    return _(
        "Ese documento ya está verificado en otra cuenta. Cada persona puede verificar "
        "una sola cuenta; el municipio revisará el caso."
    )


def _record_conflict(identity: Identity, user: User) -> None:
    db.session.execute(
        insert_ignoring_conflicts(IdentityConflict, ["identity_id", "user_id"]).values(
            identity_id=identity.id, user_id=user.id, created_at=utcnow()
        )
    )


@dataclass(frozen=True)
class ConflictRow:
    conflict: IdentityConflict
    holder: User | None  # the account that verified the document first


def identity_conflicts(limit: int = 200) -> list[ConflictRow]:
    """Refused second accounts, newest first, with the account that holds the identity."""
    conflicts = db.session.scalars(
        select(IdentityConflict).order_by(IdentityConflict.id.desc()).limit(limit)
    ).all()
    return [ConflictRow(c, account_of(c.identity)) for c in conflicts]


class VerificationRequired(NotAllowed):
    """The process asks for a verified residency. ``link_endpoint`` is where to get it."""

    link_endpoint = "census.verify"


def require_verified(needed: bool, user: User, action: Action) -> None:
    """Refuse ``action`` (vote or propose) to an unverified account when the process asks
    for verification to do it (``needed``: its ``verification_to_vote`` or
    ``verification_to_propose``)."""
    if not needed or user.is_verified:
        return
    message = {
        Action.VOTE: _("Para votar en este proceso primero verifica tu residencia."),
        Action.PROPOSE: _("Para enviar propuestas en este proceso primero verifica tu residencia."),
    }[action]
    raise VerificationRequired(
        message, _("Hazlo una sola vez en «Verificar mi residencia» (/verificacion).")
    )
