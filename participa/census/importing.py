"""Importing the census from a CSV file ``documento,fecha_nacimiento,distrito``.

``parse_census`` checks every row and reports all the bad ones at once (``CensusErrors``);
``import_census`` then adds new documents and updates the birth date and district of known
ones, moving the identities (and accounts) of people who changed district. Only the salted
hashes of :mod:`participa.census.hashing` are stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, update

from participa.accounts.models import User
from participa.audit.services import log
from participa.census.hashing import check_hash, document_hash, require_census_key, valid_document
from participa.census.models import CensusEntry, Identity
from participa.csvfiles import csv_rows, separator_hint, shown
from participa.db import utcnow
from participa.errors import Invalid
from participa.extensions import db
from participa.processes.models import District

COLUMNS = ("documento", "fecha_nacimiento", "distrito")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_BATCH = 500  # hashes per IN (...) query


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
