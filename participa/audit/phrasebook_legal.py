"""Sentences of the action log for the legal documents and the residents' requests about
their personal data (:mod:`participa.legal`): none names the person who asked, nor repeats
what they wrote."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from participa.audit.values import Say, number

DOCUMENTS: dict[str, object] = {
    "privacy": _l("Aviso de privacidad integral"),
    "privacy_short": _l("Aviso de privacidad simplificado"),
    "terms": _l("Términos de uso"),
}
REQUESTS: dict[str, object] = {
    "rectify_census": _l("rectificación de datos de verificación de residencia"),
    "rectify_account": _l("rectificación de datos de la cuenta"),
    "oppose": _l("oposición a un uso de los datos"),
}


def _document(s: Say) -> str:
    kind = str(s.data.get("kind") or "")
    return str(DOCUMENTS.get(kind, kind))


def _request_kind(s: Say) -> str:
    kind = str(s.data.get("kind") or "")
    return str(REQUESTS.get(kind, kind))


def _document_published(s: Say) -> str:
    return _(
        "%(actor)s publicó la versión %(n)s de «%(doc)s».",
        actor=s.actor,
        n=s.data.get("version"),
        doc=_document(s),
    )


def _request_created(s: Say) -> str:
    return _(
        "Se recibió la solicitud %(n)s sobre datos personales: %(what)s.",
        n=number(s.entry.target_id),
        what=_request_kind(s),
    )


def _request_answered(s: Say) -> str:
    if s.data.get("status") == "accepted":
        return _(
            "%(actor)s respondió como procedente la solicitud %(n)s (%(what)s).",
            actor=s.actor,
            n=number(s.entry.target_id),
            what=_request_kind(s),
        )
    return _(
        "%(actor)s respondió como improcedente la solicitud %(n)s (%(what)s).",
        actor=s.actor,
        n=number(s.entry.target_id),
        what=_request_kind(s),
    )


LEGAL_SENTENCES: dict[str, Callable[[Say], str]] = {
    "legal_document.published": _document_published,
    "data_request.created": _request_created,
    "data_request.answered": _request_answered,
}
