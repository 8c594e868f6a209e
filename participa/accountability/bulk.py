"""Bulk update of a process's execution items from a CSV file, all or nothing.

:func:`parse_bulk` reads and checks every row (reporting every bad row in
:class:`BulkErrors`); :func:`bulk_update_csv` then applies the rows through
:func:`participa.accountability.items.update_item`, so each change is logged and the
followers are told.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from participa.accountability.items import update_item
from participa.accountability.models import ExecutionItem
from participa.accountability.rules import MAX_OFFICE, MAX_SPENT, _require_admin
from participa.accountability.statuses import ensure_statuses
from participa.audit.services import log
from participa.csvfiles import csv_rows, separator_hint
from participa.errors import Invalid
from participa.extensions import db
from participa.processes.models import Process

# Column names accepted in the header (English as documented, and Spanish).
CSV_COLUMNS = {
    "id": "id",
    "code": "code",
    "clave": "code",
    "status": "status",
    "estado": "status",
    "progress": "progress",
    "avance": "progress",
    "spent": "spent",
    "gastado": "spent",
    "ejercido": "spent",
    "office": "office",
    "dependencia": "office",
    "oficina": "office",
}
_INT_RE = re.compile(r"[0-9]{1,13}")
_MONEY_RE = re.compile(r"\$?\s*([0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,13})")


class BulkErrors(Invalid):
    """The CSV file has bad rows; ``rows`` lists ``(line number, reason)`` for each."""

    def __init__(self, rows: list[tuple[int, str]]) -> None:
        super().__init__(
            ngettext(
                "El archivo tiene %(num)d línea con errores; no se aplicó ningún cambio.",
                "El archivo tiene %(num)d líneas con errores; no se aplicó ningún cambio.",
                len(rows),
            ),
            *(_("Línea %(line)d: %(reason)s", line=line, reason=reason) for line, reason in rows),
        )
        self.rows = rows


@dataclass
class _Change:
    line: int
    item: ExecutionItem
    values: dict[str, Any]


def _parse_header(cells: list[str]) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    problems = []
    for position, cell in enumerate(cells):
        name = CSV_COLUMNS.get(cell.strip().casefold())
        if name is None:
            problems.append(_("columna desconocida «%(name)s»", name=cell))
        elif name in columns:
            problems.append(_("la columna «%(name)s» está repetida", name=cell))
        else:
            columns[name] = position
    if "id" not in columns and "code" not in columns:
        problems.append(_("falta la columna id o code"))
    if not set(columns) & {"status", "progress", "spent", "office"}:
        problems.append(_("no hay columnas que cambiar (status, progress, spent, office)"))
    hint = separator_hint(cells)
    if hint:
        problems.append(hint)
    return columns, problems


def parse_bulk(process: Process, text: str) -> list[_Change]:  # noqa: C901 - one check per column
    """Read and check every row of a bulk-update CSV; raise :class:`BulkErrors` listing
    every bad row (with its line number) if any is bad."""
    rows = csv_rows(text or "")
    if not rows:
        raise Invalid(_("El archivo está vacío."))
    header_line, header = rows[0]
    columns, problems = _parse_header(header)
    if problems:
        raise BulkErrors([(header_line, "; ".join(problems))])
    if len(rows) == 1:
        raise Invalid(_("El archivo no tiene filas después del encabezado."))
    items = db.session.scalars(
        select(ExecutionItem).where(ExecutionItem.process_id == process.id)
    ).all()
    by_id = {i.id: i for i in items}
    by_code = {i.code.casefold(): i for i in items if i.code}
    has_children = {i.parent_id for i in items if i.parent_id is not None}
    status_by = {}
    for s in ensure_statuses(process):
        status_by[s.key.casefold()] = s
        status_by.setdefault(s.name.casefold(), s)
    errors: list[tuple[int, str]] = []
    changes: list[_Change] = []
    seen: dict[int, int] = {}
    for line, cells in rows[1:]:
        problems = []
        if len(cells) > len(header):
            problems.append(_("tiene más celdas que el encabezado"))
        cell = {name: (cells[pos] if pos < len(cells) else "") for name, pos in columns.items()}
        item = None
        if cell.get("id"):
            item_id = int(cell["id"]) if _INT_RE.fullmatch(cell["id"]) else None
            item = by_id.get(item_id) if item_id is not None else None
            if item is None:
                problems.append(_("no hay un elemento con id «%(id)s»", id=cell["id"]))
            elif cell.get("code") and (item.code or "").casefold() != cell["code"].casefold():
                problems.append(_("el id y la clave no son del mismo elemento"))
        elif cell.get("code"):
            item = by_code.get(cell["code"].casefold())
            if item is None:
                problems.append(_("no hay un elemento con clave «%(code)s»", code=cell["code"]))
        else:
            problems.append(_("falta el id o la clave del elemento"))
        if item is not None:
            if item.id in seen:
                problems.append(
                    _("el elemento ya aparece en la línea %(line)d", line=seen[item.id])
                )
            else:
                seen[item.id] = line
        values: dict[str, Any] = {}
        if cell.get("status"):
            status = status_by.get(cell["status"].casefold())
            if status is None:
                problems.append(_("estado desconocido «%(s)s»", s=cell["status"]))
            values["status"] = status
        if cell.get("progress"):
            raw = cell["progress"].rstrip("%").strip()
            if not _INT_RE.fullmatch(raw):
                problems.append(_("el avance «%(v)s» no es un número entero", v=cell["progress"]))
            elif not 0 <= int(raw) <= 100:
                problems.append(_("el avance %(v)s está fuera de 0 a 100", v=raw))
            else:
                values["progress"] = int(raw)
        if cell.get("spent"):
            match = _MONEY_RE.fullmatch(cell["spent"])
            amount = int(match.group(1).replace(",", "")) if match else None
            if amount is None or amount >= MAX_SPENT:
                problems.append(
                    _("lo gastado «%(v)s» no es un monto entero en pesos", v=cell["spent"])
                )
            else:
                values["spent"] = amount
        if cell.get("office"):
            if len(cell["office"]) > MAX_OFFICE:
                problems.append(_("la dependencia tiene más de %(n)d caracteres", n=MAX_OFFICE))
            values["office"] = cell["office"]
        if item is not None and item.id in has_children:
            for name in ("progress", "spent"):
                if name in values and values[name] != getattr(item, name):
                    problems.append(
                        _("el elemento tiene partes: su %(col)s se calcula de ellas", col=name)
                    )
        if problems:
            errors.append((line, "; ".join(problems)))
        elif item is not None:
            changes.append(_Change(line, item, values))
    if errors:
        raise BulkErrors(errors)
    return changes


def bulk_update_csv(process: Process, admin: Any, text: str) -> int:
    """Apply a CSV of changes to the process's items, all or nothing.

    Columns (header required, any order): ``id`` or ``code`` to name the item, and any of
    ``status`` (key or name), ``progress`` (0–100), ``spent`` (whole pesos, not negative)
    and ``office``. An empty cell leaves that field as it is. If any row is bad (unknown
    item or status, bad numbers, progress out of range, an item listed twice) every bad
    row is reported in :class:`BulkErrors` and nothing is applied. Otherwise every row is
    applied (each change logged, followers told) for the caller to commit at once.
    Returns how many items changed.
    """
    _require_admin(admin)
    changes = parse_bulk(process, text)
    changed = 0
    for change in changes:
        if update_item(change.item, admin, **change.values):
            changed += 1
    log(
        "execution.bulk_update",
        process,
        actor=admin,
        process_id=process.id,
        after={"rows": len(changes), "changed": changed},
    )
    db.session.flush()
    return changed
