"""Small helpers shared by the views of every blueprint."""

import re
from urllib.parse import urlsplit

from flask import render_template, request, url_for
from sqlalchemy import select
from wtforms.fields import SelectChoice

from participa.errors import DomainError
from participa.extensions import db
from participa.processes.models import District


def district_choices(blank_label: str) -> list[SelectChoice]:
    """The districts as select options, with ``0`` (labelled ``blank_label``) meaning none."""
    districts = db.session.scalars(select(District).order_by(District.name)).all()
    return [SelectChoice(0, blank_label), *(SelectChoice(d.id, d.name) for d in districts)]


def refuse(error: DomainError, endpoint: str, **values: object) -> tuple[str, int]:
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


def int_arg(name: str) -> int | None:
    """A positive integer query argument, or None when absent or malformed."""
    return parse_id(request.args.get(name))
