"""The census (salted hashes only), residency verification, and who may vote or propose.

A document identifier (CURP, voter card number) is normalised (no spaces or hyphens, upper
case) and only ever stored as ``HMAC-SHA256(CENSUS_SALT, document)``; the birth date only
inside ``HMAC-SHA256(CENSUS_SALT, document | birth date)``. One document makes one
``Identity``, linked to at most one account; a second account trying the same document is
refused and recorded as an ``IdentityConflict`` for administrators.

The two hooks at the end are called by the ballot and proposal services:
``require_verified`` (the process asks for verification) and ``claim_online_ballot`` (one
ballot per person and budget, whatever the channel).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import logging
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from participa.accounts.models import User
from participa.audit.models import ActionLog
from participa.audit.services import log
from participa.budgets.models import AnnulledBallot, Ballot, Budget, Channel
from participa.census.models import CensusEntry, CensusKey, Identity, IdentityConflict
from participa.db import utcnow
from participa.errors import Conflict, Invalid, NotAllowed
from participa.extensions import db
from participa.processes.models import Action, District
from participa.sql import insert_ignoring_conflicts

COLUMNS = ("documento", "fecha_nacimiento", "distrito")
DOCUMENT_RE = re.compile(r"[0-9A-ZÑ]{4,40}")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_BATCH = 500  # hashes per IN (...) query
logger = logging.getLogger(__name__)


# --- hashing -------------------------------------------------------------------------------


def normalize_document(document: str) -> str:
    """The document as it is hashed: stripped, upper case, without spaces or hyphens."""
    return re.sub(r"[\s\-‐-―]+", "", document or "").upper()


def census_salt() -> bytes:
    """``CENSUS_SALT``, or a key derived from ``SECRET_KEY`` when it is not set."""
    salt = current_app.config.get("CENSUS_SALT")
    if salt:
        return salt.encode() if isinstance(salt, str) else bytes(salt)
    if not current_app.config.get("SECRET_KEY"):  # a `flask` command run without one
        raise RuntimeError("SECRET_KEY (or CENSUS_SALT) must be set to hash the census.")
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"participa-census-salt", hashlib.sha256).digest()


class CensusKeyChanged(NotAllowed):
    """The census key (``CENSUS_SALT``, or ``SECRET_KEY`` it derives from) is not the one
    the stored census was hashed with."""

    status_code = 503


def key_fingerprint() -> str:
    """What is stored of the census key: an HMAC of a constant under it (not the key)."""
    return hmac.new(census_salt(), b"participa-census-key-check", hashlib.sha256).hexdigest()


def require_census_key() -> None:
    """Refuse to use the census with another key than the one it was hashed with: the
    same document would hash differently, and its person would get a second identity
    (and a second ballot). The first use records the key's fingerprint. Logged."""
    stored = db.session.scalar(select(CensusKey.fingerprint).order_by(CensusKey.id).limit(1))
    current = key_fingerprint()
    if stored is None:
        db.session.add(CensusKey(fingerprint=current))
        db.session.flush()
        return
    if not hmac.compare_digest(stored, current):
        logger.error(
            "the census key changed (CENSUS_SALT or the SECRET_KEY it derives from): "
            "the census is not used until the former key is restored"
        )
        raise CensusKeyChanged(
            _(
                "El padrón no está disponible: la clave con que se guardó (CENSUS_SALT o "
                "SECRET_KEY) cambió. Restablece la clave anterior; volver a importar el "
                "padrón con otra clave daría a cada persona una segunda identidad."
            )
        )


def _hmac(text: str) -> str:
    return hmac.new(census_salt(), text.encode(), hashlib.sha256).hexdigest()


def document_hash(document: str) -> str:
    """The salted hash that stands for ``document`` everywhere in the database."""
    return _hmac(normalize_document(document))


def check_hash(document: str, birth_date: date) -> str:
    """The salted hash of the document and birth date together (what verification checks)."""
    return _hmac(f"{normalize_document(document)}|{birth_date.isoformat()}")


def valid_document(document: str) -> bool:
    return bool(DOCUMENT_RE.fullmatch(normalize_document(document)))


# --- import --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CensusImport:
    """What an import changed: rows read, documents added, documents whose data changed."""

    rows: int
    added: int
    updated: int
    identities_moved: int = 0


class CensusErrors(Invalid):
    """The census file has bad rows; ``rows`` lists ``(line number, reason)`` for each."""

    def __init__(self, rows: list[tuple[int, str]]) -> None:
        super().__init__(
            ngettext(
                "El archivo tiene %(num)d línea con errores; no se importó nada.",
                "El archivo tiene %(num)d líneas con errores; no se importó nada.",
                len(rows),
            ),
            *(_("Línea %(line)d: %(reason)s", line=line, reason=reason) for line, reason in rows),
        )
        self.rows = rows


@dataclass
class _Row:
    line: int
    document_hash: str
    check_hash: str
    district_id: int


def read_upload(data: bytes) -> tuple[str, str | None]:
    """The text of an uploaded CSV file: UTF-8 (with or without BOM), else Windows-1252
    (Latin-1, as older spreadsheets save CSV), with a note saying so to show with the
    result. A file with NUL bytes is not text (a spreadsheet, an image, UTF-16): it is
    refused with ``Invalid``."""
    if b"\x00" in data:
        raise Invalid(_not_text())
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise Invalid(_not_text()) from error
    return text, _(
        "El archivo no estaba en UTF-8: lo leímos como Latin-1 (Windows-1252). Revisa que "
        "los acentos y la ñ se vean bien; la próxima vez guárdalo como «CSV UTF-8»."
    )


def _not_text() -> str:
    return _(
        "El archivo no es un archivo CSV de texto (¿una hoja de cálculo o una imagen?). "
        "Guárdalo como «CSV UTF-8 (delimitado por comas)» y súbelo de nuevo."
    )


MAX_CELL = 1000  # characters in one cell of an uploaded CSV: longer is a mistake
# control characters other than tab, line feed and carriage return: not in a text CSV
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
OTHER_SEPARATORS = ("|", "\t", ";")


def shown(value: str, limit: int = 60) -> str:
    """A value from a file, cut to ``limit`` characters to quote it in a message."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def separator_hint(cells: list[str]) -> str | None:
    """When a CSV row came out as one cell holding another separator, how to fix it."""
    if len(cells) == 1 and any(sep in cells[0] for sep in OTHER_SEPARATORS):
        return _("Separa las columnas con comas (,).")
    return None


def csv_rows(text: str, delimiter: str | None = None) -> list[tuple[int, list[str]]]:
    """Non-blank rows of ``text`` with the line number where each starts. The delimiter
    is ``delimiter``, else a comma, or a semicolon (or a tab) when the first line has
    semicolons (tabs) and no commas, as spreadsheets write CSV in Spanish (and as a copy
    from a spreadsheet pastes).

    Raises ``Invalid`` naming the line for control characters (the file is not text), a
    cell longer than ``MAX_CELL`` or broken quoting."""
    text = text.lstrip("\ufeff")
    control = CONTROL_RE.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        raise Invalid(
            _(
                "Línea %(line)d: tiene caracteres de control; el archivo no es un CSV de texto.",
                line=line,
            )
        )
    first = text.split("\n", 1)[0]
    if delimiter is None:
        delimiter = ","
        if "," not in first:
            delimiter = ";" if ";" in first else "\t" if "\t" in first else ","
    # strict: an unclosed quote is refused, not read on to the end of the file as one cell
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    rows = []
    start = 1
    try:
        for row in reader:
            longest = max((len(cell) for cell in row), default=0)
            if longest > MAX_CELL:
                raise Invalid(
                    _(
                        "Línea %(line)d: la línea es demasiado larga (una celda tiene "
                        "%(n)d caracteres; el máximo es %(max)d).",
                        line=start,
                        n=longest,
                        max=MAX_CELL,
                    )
                )
            if any(cell.strip() for cell in row):
                rows.append((start, [cell.strip() for cell in row]))
            start = reader.line_num + 1
    except csv.Error as error:
        raise Invalid(
            _(
                "Línea %(line)d: el CSV no es válido (unas comillas sin cerrar o una línea "
                "demasiado larga).",
                line=start,
            )
        ) from error
    return rows


def _district_ids() -> dict[str, int]:
    districts = db.session.execute(select(District.name, District.id)).all()
    return {name.strip().casefold(): district_id for name, district_id in districts}


def parse_census(text: str) -> list[_Row]:  # noqa: C901 - one check per column, in file order
    """The rows of a census file, hashed; raises ``CensusErrors`` listing every bad row."""
    rows = csv_rows(text)
    if not rows:
        raise Invalid(_("El archivo está vacío."))
    first_line, first = rows[0]
    if first[0].casefold() != "documento" and not any(c.isdigit() for c in "".join(first)):
        # a header, but not this file's
        reason = _(
            "El encabezado «%(header)s» no se reconoce: debe ser "
            "documento,fecha_nacimiento,distrito (o quítalo).",
            header=shown(",".join(first)),
        )
        hint = separator_hint(first)
        raise CensusErrors([(first_line, f"{reason} {hint}" if hint else reason)])
    if first[0].casefold() == "documento":
        header = [cell.casefold() for cell in rows[0][1]]
        missing = [name for name in COLUMNS if name not in header]
        if missing:
            raise CensusErrors(
                [(rows[0][0], _("Faltan las columnas: %(cols)s.", cols=", ".join(missing)))]
            )
        positions = [header.index(name) for name in COLUMNS]
        width = len(header)
        rows = rows[1:]
    else:
        positions, width = [0, 1, 2], len(COLUMNS)
    if not rows:
        raise Invalid(_("El archivo no tiene filas del padrón."))
    districts = _district_ids()
    seen: dict[str, int] = {}
    errors: list[tuple[int, str]] = []
    parsed: list[_Row] = []
    for line, cells in rows:
        if len(cells) > width:
            errors.append(
                (line, _("Tiene %(n)d columnas; se esperan %(m)d.", n=len(cells), m=width))
            )
            continue
        hint = separator_hint(cells)
        if hint:
            errors.append((line, hint))
            continue
        cells = cells + [""] * (width - len(cells))
        document, born, district = (cells[i] for i in positions)
        problems = []
        empty = [
            label
            for label, value in zip(COLUMNS, (document, born, district), strict=True)
            if not value
        ]
        if empty:
            problems.append(_("Falta: %(cols)s.", cols=", ".join(empty)))
        if document and not valid_document(document):
            problems.append(_("El documento solo puede tener letras y números (de 4 a 40)."))
        birth_date = _parse_date(born) if born else None
        if born and birth_date is None:
            problems.append(
                _(
                    "La fecha de nacimiento «%(value)s» no es una fecha AAAA-MM-DD válida.",
                    value=shown(born),
                )
            )
        district_id = districts.get(district.casefold()) if district else None
        if district and district_id is None:
            problems.append(_("El distrito «%(name)s» no existe.", name=shown(district)))
        doc_hash = document_hash(document) if document and valid_document(document) else None
        if doc_hash and doc_hash in seen:
            problems.append(_("El documento ya aparece en la línea %(line)d.", line=seen[doc_hash]))
        elif doc_hash:
            seen[doc_hash] = line
        if problems:
            errors.append((line, " ".join(problems)))
        elif doc_hash and birth_date and district_id:
            parsed.append(_Row(line, doc_hash, check_hash(document, birth_date), district_id))
    if errors:
        raise CensusErrors(errors)
    return parsed


def _parse_date(value: str) -> date | None:
    if not DATE_RE.fullmatch(value):
        return None
    try:
        born = date.fromisoformat(value)
    except ValueError:
        return None
    return born if date(1900, 1, 1) <= born <= date.today() else None


def import_census(text: str, *, actor: User | None = None) -> CensusImport:
    """Add or update the census from CSV ``documento,fecha_nacimiento,distrito``.

    Every bad row is reported (``CensusErrors``) and then nothing is written. A document
    already in the census gets the file's birth date and district; identities (and their
    accounts) of people who moved follow their new district. The caller commits.
    """
    require_census_key()
    rows = parse_census(text)
    existing: dict[str, tuple[int, str, int | None]] = {}
    hashes = [row.document_hash for row in rows]
    for start in range(0, len(hashes), _BATCH):
        chunk = hashes[start : start + _BATCH]
        for entry_id, doc_hash, check, district_id in db.session.execute(
            select(
                CensusEntry.id,
                CensusEntry.document_hash,
                CensusEntry.check_hash,
                CensusEntry.district_id,
            ).where(CensusEntry.document_hash.in_(chunk))
        ):
            existing[doc_hash] = (entry_id, check, district_id)
    now = utcnow()
    new_rows, changed = [], []
    for row in rows:
        old = existing.get(row.document_hash)
        if old is None:
            new_rows.append(
                {
                    "document_hash": row.document_hash,
                    "check_hash": row.check_hash,
                    "district_id": row.district_id,
                    "imported_at": now,
                }
            )
        elif (old[1], old[2]) != (row.check_hash, row.district_id):
            changed.append(row)
            db.session.execute(
                update(CensusEntry)
                .where(CensusEntry.id == old[0])
                .values(check_hash=row.check_hash, district_id=row.district_id, imported_at=now)
            )
    if new_rows:
        db.session.execute(CensusEntry.__table__.insert(), new_rows)
    moved = _move_identities(changed)
    result = CensusImport(len(rows), len(new_rows), len(changed), moved)
    log(
        "census.import",
        CensusEntry.__tablename__,
        actor=actor,
        after={
            "rows": result.rows,
            "added": result.added,
            "updated": result.updated,
            "identities_moved": result.identities_moved,
        },
    )
    db.session.flush()
    return result


def _move_identities(rows: list[_Row]) -> int:
    """Identities (and linked accounts) of re-imported documents follow the census district."""
    moved = 0
    for row in rows:
        identity = db.session.scalar(
            select(Identity).where(Identity.document_hash == row.document_hash)
        )
        if identity is None or identity.district_id == row.district_id:
            continue
        identity.district_id = row.district_id
        db.session.execute(
            update(User).where(User.identity_id == identity.id).values(district_id=row.district_id)
        )
        moved += 1
    return moved


def census_size() -> int:
    return db.session.scalar(select(func.count(CensusEntry.id))) or 0


# --- identities and verification -----------------------------------------------------------


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


# --- one ballot per person across channels -------------------------------------------------


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


# --- hooks for voting and proposing ----------------------------------------------------------


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


def claim_online_ballot(ballot: Ballot, user: User) -> None:
    """Called by ``cast_ballot`` on the locked ballot row: refuse when this person already
    voted at a booth in this budget, and record the identity of a verified voter (the
    unique (budget, identity) pair then holds across channels)."""
    voted_in_person = ballot.channel != Channel.ONLINE
    if not voted_in_person and user.identity_id is not None:
        voted_in_person = (
            db.session.scalar(
                select(Ballot.id).where(
                    Ballot.budget_id == ballot.budget_id,
                    Ballot.identity_id == user.identity_id,
                    Ballot.id != ballot.id,
                )
            )
            is not None
        )
    if voted_in_person:
        raise Conflict(
            _("Ya votaste en persona en este presupuesto."),
            _("Tu boleta en papel es la que cuenta; no se puede votar también en línea."),
        )
    if user.identity_id is not None:
        ballot.identity_id = user.identity_id
