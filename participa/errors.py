"""Errors raised by domain services; views turn them into flashed messages and 4xx codes."""

from typing import TypeVar

from flask import request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from participa.formatting import number


class DomainError(Exception):
    """A request that the rules refuse. ``message`` is shown to the person, as is."""

    status_code = 400
    field: str | None = None  # the form field the refusal is about, if any (see ``about``)

    def __init__(self, message: str, *details: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = list(details)
        self.field = field  # the form field it is about, if one (shown beside it)


class NotAllowed(DomainError):
    """The action is not open now (wrong phase) or not for this person."""

    status_code = 403


class Invalid(DomainError):
    """The input breaks a rule; nothing was stored."""

    status_code = 422


class Conflict(DomainError):
    """The input clashes with stored data (e.g. an e-mail already registered)."""

    status_code = 409


E = TypeVar("E", bound=DomainError)


def about(field: str, error: E) -> E:
    """``error``, said to be about the form field ``field``: a form shows it beside it."""
    error.field = field
    return error


class NulCharacter(BadRequest):
    """A request whose address, query or form holds a NUL character: it is not text, and
    PostgreSQL cannot store it. Answered with a 400 page that says so."""

    def __init__(self) -> None:
        super().__init__()
        self.explanation = _(
            "Lo que enviaste contiene un carácter nulo, que no es texto. Revisa lo que "
            "escribiste o pegaste y vuelve a intentarlo."
        )


class BadNumber(BadRequest):
    """A number in the query (``?page=``, ``?distrito=``) that is not a whole number within
    its bounds: answered with a 400 page that says which one, instead of reaching the
    database (a page of 922337203685477580 overflows PostgreSQL's bigint)."""

    def __init__(self, name: str, maximum: int) -> None:
        super().__init__()
        self.explanation = _(
            "«%(name)s» debe ser un número entero entre 1 y %(max)s. Corrige la dirección o "
            "regresa a la página anterior.",
            name=name,
            max=number(maximum),
        )


def refuse_nul_characters() -> None:
    """``before_request``: refuse a NUL character anywhere in the path, the query or the
    form fields (uploaded files are checked by whoever reads them). The JSON API validates
    its own parameters."""
    if request.path.startswith("/api/"):
        return
    texts = [request.path]
    sources = [request.args]
    if request.method in BODY_METHODS:
        sources.append(request.form)
    for data in sources:
        for key, values in data.lists():
            texts.append(key)
            texts.extend(values)
    if any("\x00" in text for text in texts):
        raise NulCharacter()


BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
