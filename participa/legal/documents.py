"""The legal documents in force and their versions, publishing a new version, and what
each account accepted. Services flush, never commit.

Until an administrator publishes one, each document's version 1 is its default text
(:mod:`participa.legal.defaults`), not stored: the first publication stores it first, so
it stays readable as version 1, and the new text becomes version 2.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, tuple_
from sqlalchemy.exc import IntegrityError

from participa.audit.services import log
from participa.db import utcnow
from participa.errors import Conflict, Invalid, about
from participa.extensions import db
from participa.legal.defaults import DEFAULTS, DEFAULTS_EN
from participa.legal.models import ACCEPTED_KINDS, BODY_MAX, Consent, DocumentKind, LegalDocument

KIND_LABELS: dict[str, Any] = {
    DocumentKind.PRIVACY: _l("Aviso de privacidad integral"),
    DocumentKind.PRIVACY_SHORT: _l("Aviso de privacidad simplificado"),
    DocumentKind.TERMS: _l("Términos de uso"),
}


def _default(kind: str) -> LegalDocument:
    """Version 1, the default text (not stored; ``published_at`` None)."""
    return LegalDocument(kind=kind, version=1, body=DEFAULTS[kind], published_at=None)


def current(kind: str) -> LegalDocument:
    """The version of ``kind`` in force: the latest published, else the default."""
    stored = db.session.scalar(
        select(LegalDocument)
        .where(LegalDocument.kind == kind)
        .order_by(LegalDocument.version.desc())
        .limit(1)
    )
    return stored or _default(kind)


def shown(document: LegalDocument) -> tuple[str, str]:
    """The text of ``document`` to show and its language ("es" or "en"): a default text
    that exists in English is shown in English to an English reader; any other text as
    written (in Spanish)."""
    locale = get_locale()
    english = locale is not None and locale.language == "en"
    if english and document.id is None and document.kind in DEFAULTS_EN:
        return DEFAULTS_EN[document.kind], "en"
    return document.body, "es"


def current_versions() -> dict[str, int]:
    """The number of the version in force of every document (one query)."""
    rows = db.session.execute(
        select(LegalDocument.kind, func.max(LegalDocument.version)).group_by(LegalDocument.kind)
    )
    found = {str(row[0]): int(row[1]) for row in rows}
    return {kind.value: found.get(kind.value, 1) for kind in DocumentKind}


def versions(kind: str) -> list[LegalDocument]:
    """Every version of ``kind``, newest first (the default alone if none was published)."""
    stored = list(
        db.session.scalars(
            select(LegalDocument)
            .where(LegalDocument.kind == kind)
            .order_by(LegalDocument.version.desc())
        )
    )
    return stored or [_default(kind)]


def version(kind: str, number: int) -> LegalDocument | None:
    """Version ``number`` of ``kind``, None if there is none."""
    stored = db.session.scalar(
        select(LegalDocument).where(LegalDocument.kind == kind, LegalDocument.version == number)
    )
    if stored is None and number == 1 and current(kind).id is None:
        return _default(kind)
    return stored


def publish(kind: str, body: str, *, actor: Any) -> LegalDocument:
    """Publish ``body`` as the next version of ``kind``: a new row, the older ones kept
    unchanged; logged. The residents are asked to accept a new privacy notice or terms on
    their next visit."""
    if kind not in DEFAULTS:
        raise Invalid(_("Ese documento no existe."))
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise about("body", Invalid(_("Escribe el texto del documento.")))
    if len(body) > BODY_MAX:
        raise about("body", Invalid(_("El texto admite a lo más %(n)d caracteres.", n=BODY_MAX)))
    in_force = current(kind)
    if body == in_force.body.strip():
        raise about(
            "body",
            Invalid(_("El texto es igual al de la versión vigente: no hay nada que publicar.")),
        )
    now = utcnow()
    document = LegalDocument(
        kind=kind,
        version=in_force.version + 1,
        body=body,
        published_at=now,
        published_by_id=getattr(actor, "id", None),
    )
    try:
        with db.session.begin_nested():  # another administrator publishing at once
            if in_force.id is None:  # the default, kept readable as version 1
                in_force.published_at = now
                db.session.add(in_force)
            db.session.add(document)
    except IntegrityError:
        raise Conflict(
            _(
                "Se publicó otra versión mientras escribías: revisa la vigente y vuelve a "
                "intentarlo."
            )
        ) from None
    log(
        "legal_document.published",
        document,
        actor=actor,
        after={"kind": kind, "version": document.version},
    )
    return document


# ───────────── acceptance ─────────────


def pending_for(user_id: int, in_force: dict[str, int] | None = None) -> list[str]:
    """The documents (of :data:`ACCEPTED_KINDS`) whose version in force ``user_id`` has
    not accepted yet."""
    in_force = in_force or current_versions()
    wanted = [(kind.value, in_force[kind.value]) for kind in ACCEPTED_KINDS]
    rows = db.session.execute(
        select(Consent.kind, Consent.version).where(
            Consent.user_id == user_id,
            tuple_(Consent.kind, Consent.version).in_(wanted),
        )
    )
    accepted = {(kind, number) for kind, number in rows}
    return [kind for kind, number in wanted if (kind, number) not in accepted]


def accept(user_id: int, kinds: Iterable[str] = ACCEPTED_KINDS) -> dict[str, int]:
    """Record that ``user_id`` accepts the versions in force of ``kinds`` (those not
    accepted already); the versions accepted."""
    in_force = current_versions()
    kinds = [str(kind) for kind in kinds]
    missing = set(pending_for(user_id, in_force))
    now = utcnow()
    for kind in kinds:
        if kind in missing:
            db.session.add(
                Consent(user_id=user_id, kind=kind, version=in_force[kind], accepted_at=now)
            )
    db.session.flush()
    return {kind: in_force[kind] for kind in kinds}


def consents_of(user_id: int) -> list[Consent]:
    """What ``user_id`` accepted, newest first."""
    return list(
        db.session.scalars(
            select(Consent).where(Consent.user_id == user_id).order_by(Consent.id.desc())
        )
    )
