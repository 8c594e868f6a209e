"""How a document stands in the database: its salted hash, and the census key check.

A document identifier (CURP, voter card number) is normalised (no spaces or hyphens, upper
case) and only ever stored as ``HMAC-SHA256(CENSUS_SALT, document)``; the birth date only
inside ``HMAC-SHA256(CENSUS_SALT, document | birth date)``. The key's fingerprint is stored
on first use, and ``require_census_key`` refuses to use the census under another key (the
same person would hash differently and get a second identity).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from participa.census.models import CensusKey
from participa.errors import NotAllowed
from participa.extensions import db

DOCUMENT_RE = re.compile(r"[0-9A-ZÑ]{4,40}")
logger = logging.getLogger(__name__)


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
