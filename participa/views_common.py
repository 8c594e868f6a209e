"""Small helpers shared by the views of every blueprint."""

import re
from collections.abc import Iterable
from typing import Any, overload
from urllib.parse import urlsplit

from flask import render_template, request, url_for
from sqlalchemy import select
from wtforms import Form
from wtforms.fields import SelectChoice

from participa.errors import BadNumber, DomainError
from participa.extensions import db
from participa.processes.models import District


def in_tree_order(rows: Iterable[tuple[int, str, int | None]]) -> list[tuple[int, str, int]]:
    """``(id, name, parent_id)`` rows as ``(id, name, depth)``: each district followed by the
    ones inside it, siblings by name; a row whose parent is missing (or in a loop) is
    taken as top level, so every row comes out once."""
    rows = sorted(rows, key=lambda row: (row[1].casefold(), row[0]))
    ids = {row[0] for row in rows}
    children: dict[int | None, list[tuple[int, str, int | None]]] = {}
    for row in rows:
        children.setdefault(row[2] if row[2] in ids else None, []).append(row)
    ordered: list[tuple[int, str, int]] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for row_id, name, _parent in children.get(parent, []):
            if row_id not in seen:
                seen.add(row_id)
                ordered.append((row_id, name, depth))
                walk(row_id, depth + 1)

    walk(None, 0)
    for row_id, name, _parent in rows:  # in a loop of parents: no top to reach them from
        if row_id not in seen:
            seen.add(row_id)
            ordered.append((row_id, name, 0))
            walk(row_id, 1)
    return ordered


def district_choices(blank_label: str) -> list[SelectChoice]:
    """The districts as select options in tree order, each indented under the district it
    belongs to, with ``0`` (labelled ``blank_label``) meaning none."""
    rows = db.session.execute(select(District.id, District.name, District.parent_id)).all()
    indent = "\u00a0\u00a0\u00a0"  # no-break spaces: seen, not read aloud
    return [
        SelectChoice(0, blank_label),
        *(
            SelectChoice(row_id, indent * depth + name)
            for row_id, name, depth in in_tree_order(rows)
        ),
    ]


def keep_form(form: Form, error: DomainError) -> int:
    """Put a refusal on ``form`` (beside its field, else above the form), which is drawn
    again with what was typed; nothing is kept. The status code to answer with."""
    db.session.rollback()
    messages = [error.message, *error.details]
    field = form._fields.get(error.field) if error.field else None
    if field is not None:
        field.errors = [*field.errors, *messages]
    else:
        form.form_errors = [*form.form_errors, *messages]
    return error.status_code


def refuse(error: DomainError, endpoint: str, **values: Any) -> tuple[str, int]:
    """Answer a refused action with its 4xx status and reasons; nothing is kept."""
    db.session.rollback()
    return render_template(
        "refused.html", error=error, back=url_for(endpoint, **values)
    ), error.status_code


def safe_next(target: str | None, fallback: str | None = None) -> str:
    """A local path to go back to; anything pointing to another site becomes ``fallback``,
    and so does anything with a space or a control character (a browser drops tabs and
    newlines, so ``/<tab>/evil.example`` would become ``//evil.example``)."""
    if target and not any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in target):
        parts = urlsplit(target)
        local = not parts.scheme and not parts.netloc and target.startswith("/")
        if local and not target.startswith("//") and "\\" not in target:
            return target
    return fallback or url_for("processes.index")


ID_RE = re.compile(r"[0-9]{1,9}")


def parse_id(value: str | None) -> int | None:
    """A database id written in ASCII digits (at most nine), else None: never raises."""
    return int(value) if value and ID_RE.fullmatch(value) else None


MAX_ID = 999_999_999  # parse_id's nine digits
MAX_PAGE = 100_000  # far past any list's last page, far below what overflows an OFFSET
NUMBER_RE = re.compile(r"[0-9]{1,18}")


@overload
def query_int(name: str, *, default: int, maximum: int = MAX_ID) -> int: ...
@overload
def query_int(name: str, *, default: None = None, maximum: int = MAX_ID) -> int | None: ...
def query_int(name: str, *, default: int | None = None, maximum: int = MAX_ID) -> int | None:
    """The whole number in the query argument ``name``, from 1 to ``maximum``; ``default``
    when absent or empty. Anything else (letters, a sign, zero, too many digits, beyond
    ``maximum``) is answered with a 400 page (:class:`~participa.errors.BadNumber`): every
    numeric query argument of the site is read through here."""
    value = request.args.get(name, "").strip()
    if not value:
        return default
    number = int(value) if NUMBER_RE.fullmatch(value) else 0
    if not 1 <= number <= maximum:
        raise BadNumber(name, maximum)
    return number


def int_arg(name: str) -> int | None:
    """An id in the query argument ``name`` (a filter), or None when absent; 400 when
    malformed or out of bounds (:func:`query_int`)."""
    return query_int(name)


def page_arg() -> int:
    """The list page asked for (``?page=``), 1 when absent; 400 when malformed or beyond
    :data:`MAX_PAGE`. Give it to ``db.paginate`` (which would read the argument unbounded)."""
    return query_int("page", default=1, maximum=MAX_PAGE)
