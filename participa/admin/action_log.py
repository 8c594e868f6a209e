"""The action log for administrators: every action in words, filtered by process, person,
kind and dates, searched, paginated, with each entry's changes, and as a CSV file."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import abort, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_babel import to_utc

from participa.admin.views import bp
from participa.audit import queries
from participa.audit.described import Described, describe
from participa.audit.labels import kind_label
from participa.audit.models import ActionLog
from participa.downloads import csv_response
from participa.extensions import db
from participa.results.exports import safe_cell
from participa.views_common import page_arg, query_int

PER_PAGE = 50
CSV_BATCH = 1000
MAX_KIND = 60  # characters of ActionLog.action
EARLIEST, LATEST = date(1990, 1, 1), date(2200, 12, 31)
CSV_COLUMNS = (
    "id",
    "created_at_utc",
    "actor",
    "actor_email",
    "process",
    "action",
    "description",
    "target_type",
    "target_id",
    "before",
    "after",
)


@dataclass
class Asked:
    """The filters typed into the page (as typed, to show them again) and their errors."""

    values: dict[str, str]
    filters: queries.LogFilter = field(default_factory=queries.LogFilter)
    errors: dict[str, str] = field(default_factory=dict)


def _day(name: str, errors: dict[str, str]) -> date | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors[name] = _("Escribe una fecha como 2026-12-20.")
        return None
    if not EARLIEST <= day <= LATEST:
        errors[name] = _("La fecha debe estar entre 1990 y 2200.")
        return None
    return day


def _utc(day: date) -> datetime:
    """Midnight of ``day`` in the municipality's time zone, as naive UTC."""
    return to_utc(datetime(day.year, day.month, day.day)).replace(tzinfo=None)


def _asked() -> Asked:
    """The filters of the query string: numbers out of bounds answer 400 (``query_int``);
    a malformed date is a form error shown beside its field."""
    values = {k: request.args.get(k, "").strip() for k in ("proceso", "persona", "accion")}
    values |= {k: request.args.get(k, "").strip() for k in ("desde", "hasta", "q")}
    person = values["persona"]
    actor: int | str | None = queries.SYSTEM if person == queries.SYSTEM else query_int("persona")
    if len(values["accion"]) > MAX_KIND:
        abort(400)
    errors: dict[str, str] = {}
    since, until = _day("desde", errors), _day("hasta", errors)
    if since and until and until < since:
        errors["hasta"] = _("El final del periodo no puede ser anterior a su inicio.")
    if errors:
        return Asked(values, errors=errors)
    filters = queries.LogFilter(
        process_id=query_int("proceso"),
        actor=actor,
        action=values["accion"] or None,
        since=_utc(since) if since else None,
        until=_utc(until + timedelta(days=1)) if until else None,
        text=values["q"][: queries.MAX_SEARCH],
    )
    return Asked(values, filters)


@bp.get("/registro")
def action_log():
    """Every administrative and automatic action in words, newest first."""
    asked = _asked()
    page = None
    rows: list[Described] = []
    if not asked.errors:
        page = db.paginate(
            queries.log_query(asked.filters), page=page_arg(), per_page=PER_PAGE, error_out=False
        )
        rows = describe(page.items)
    actor = asked.filters.actor
    return render_template(
        "admin/action_log.html",
        asked=asked,
        page=page,
        rows=rows,
        processes=queries.processes(),
        actors=queries.staff_actors(actor if isinstance(actor, int) else None),
        kinds=[(kind, kind_label(kind)) for kind in queries.kinds()],
        kind_label=kind_label,
        system=queries.SYSTEM,
    ), 422 if asked.errors else 200


@bp.get("/registro.csv")
def action_log_csv():
    """The filtered log as a CSV file (UTF-8; ``?excel=1`` adds the BOM Excel needs)."""
    asked = _asked()
    if asked.errors:
        abort(400)
    rows = _csv_lines(asked.filters)
    return csv_response(stream_with_context(rows), "registro-de-acciones.csv")


def _csv_lines(filters: queries.LogFilter) -> Iterator[str]:
    """The header, then the entries a batch at a time (newest first, by id)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    titles = dict(queries.processes())
    last: int | None = None
    while True:
        stmt = queries.log_query(filters).limit(CSV_BATCH)
        if last is not None:
            stmt = stmt.where(ActionLog.id < last)
        batch = db.session.scalars(stmt).unique().all()
        if not batch:
            return
        buffer.seek(0)
        buffer.truncate()
        for row in describe(batch):
            writer.writerow([safe_cell(cell) for cell in _csv_row(row, titles)])
        yield buffer.getvalue()
        last = batch[-1].id


def _csv_row(row: Described, titles: dict[int, str]) -> list[object]:
    entry = row.entry
    return [
        entry.id,
        entry.created_at.replace(microsecond=0).isoformat() + "Z",
        row.actor,
        entry.actor.email if entry.actor else "",
        titles.get(entry.process_id, "") if entry.process_id else "",
        entry.action,
        row.sentence,
        entry.target_type,
        entry.target_id if entry.target_id is not None else "",
        json.dumps(entry.before, ensure_ascii=False) if entry.before else "",
        json.dumps(entry.after, ensure_ascii=False) if entry.after else "",
    ]
