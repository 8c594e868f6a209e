"""Dated milestones of an execution item and their photos.

:func:`add_milestone` records a text and an optional photo and tells the item's followers;
:func:`save_photo` checks the uploaded photo, strips its metadata and stores it in the
storage (``participa.storage``) under ``photos/``, from where the public pages serve it
(:func:`photo_key`).
"""

from __future__ import annotations

import re
import secrets
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from participa.accountability.models import ExecutionItem, ItemFollow, Milestone
from participa.accountability.photo_metadata import (
    MAX_PIXELS,
    PhotoTooLarge,
    UnreadablePhoto,
    strip_metadata,
)
from participa.accountability.rules import _require_admin
from participa.audit.services import log
from participa.db import utcnow
from participa.errors import Invalid
from participa.extensions import db
from participa.formatting import platform_language
from participa.notifications.links import path_for
from participa.notifications.services import notify
from participa.storage import storage

MIN_TEXT = 2
MAX_TEXT = 2000
MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_DIR = "photos"
# Stored photo names: 32 random hex digits and the extension of the detected type.
PHOTO_NAME_RE = re.compile(r"[0-9a-f]{32}\.(?:jpg|png|webp)")
PHOTO_EXTENSIONS = {"jpg": "jpg", "jpeg": "jpg", "png": "png", "webp": "webp"}


PHOTO_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def photo_key(name: str) -> str:
    """The storage key of a stored photo (``name``: see :data:`PHOTO_NAME_RE`)."""
    return f"{PHOTO_DIR}/{name}"


def _photo_type(head: bytes) -> str | None:
    """The image type announced by the first bytes of a file, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


class InvalidPhoto(Invalid):
    """The uploaded photo is refused; the form shows why beside its photo field."""


def save_photo(photo: FileStorage) -> str:
    """Store an uploaded JPEG, PNG or WebP photo (at most 5 MB) in the storage under
    ``photos/`` with a random name, and return that name. The file's first bytes
    must be those of the image type its name says. It is decoded and encoded again from
    its pixels (``photo_metadata``), so its metadata (GPS position, device, author, dates)
    is not stored: the photos are published. A file that cannot be decoded is refused
    (:class:`InvalidPhoto`) and nothing is written."""
    filename = (photo.filename or "").lower()
    extension = PHOTO_EXTENSIONS.get(filename.rsplit(".", 1)[-1] if "." in filename else "")
    if extension is None:
        raise InvalidPhoto(_("La foto debe ser JPG, PNG o WebP."))
    data = photo.stream.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise InvalidPhoto(_("La foto puede pesar como máximo 5 MB."))
    if not data:
        raise InvalidPhoto(_("El archivo de la foto está vacío."))
    kind = _photo_type(data[:16])
    if kind is None or kind != extension:
        raise InvalidPhoto(_("El archivo no es una imagen JPG, PNG o WebP válida."))
    try:
        clean = strip_metadata(data, kind)  # re-encoded from its pixels: no metadata left
    except PhotoTooLarge:
        raise InvalidPhoto(
            _(
                "La foto es demasiado grande: puede tener como máximo %(n)d megapíxeles.",
                n=MAX_PIXELS // 1_000_000,
            )
        ) from None
    except UnreadablePhoto:
        raise InvalidPhoto(
            _(
                "No se pudo leer la imagen: el archivo está dañado o incompleto. "
                "Vuelve a exportarla como JPG o PNG e inténtalo de nuevo."
            )
        ) from None
    name = f"{secrets.token_hex(16)}.{kind}"
    storage().write(photo_key(name), [clean], content_type=PHOTO_TYPES[kind])
    return name


def add_milestone(
    item: ExecutionItem,
    admin: Any,
    happened_on: date | None,
    text: str,
    photo: FileStorage | None = None,
) -> Milestone:
    """Add a dated milestone with a text (2 to 2,000 characters) and an optional photo
    (see :func:`save_photo`). Logged; the item's followers are told."""
    _require_admin(admin)
    if happened_on is None:
        raise Invalid(_("Indica la fecha del avance."))
    if not 1990 <= happened_on.year < 2200:
        raise Invalid(_("Usa una fecha entre 1990 y 2199."))
    body = (text or "").strip()
    if len(body) < MIN_TEXT:
        raise Invalid(_("Describe el avance (al menos %(n)d caracteres).", n=MIN_TEXT))
    if len(body) > MAX_TEXT:
        raise Invalid(_("El texto puede tener como máximo %(n)d caracteres.", n=MAX_TEXT))
    name = save_photo(photo) if photo is not None and photo.filename else None
    milestone = Milestone(
        item_id=item.id, happened_on=happened_on, text=body, photo=name, created_at=utcnow()
    )
    db.session.add(milestone)
    item.updated_at = utcnow()
    db.session.flush()
    db.session.refresh(item, ["milestones"])
    log(
        "milestone.added",
        item,
        actor=admin,
        process_id=item.process_id,
        after={"milestone_id": milestone.id, "happened_on": happened_on.isoformat(), "photo": name},
    )
    users = db.session.scalars(
        select(ItemFollow.user_id).where(ItemFollow.item_id == item.id).order_by(ItemFollow.user_id)
    ).all()
    with platform_language():
        subject = _("Nuevo avance en «%(title)s»", title=item.title[:120])
    notify(
        users,
        "execution_milestone",
        subject,
        body,
        link=path_for("accountability.item", item_id=item.id),
    )
    return milestone
