"""Follow-up of the winning projects: execution items, statuses, milestones and followers.

Every selected project of a budget's published tally becomes an **execution item** of its
process. Administrators move items through the process's **statuses** (configurable; by
default *en estudio*, *en licitación*, *en ejecución* and *terminado*), record the progress
(0–100 %), the responsible office and the money spent, and add dated **milestones** with a
text and an optional photo. An item may be split into children: a parent's progress and
money spent are then computed from its children (:func:`effective_progress`,
:func:`effective_spent`) and never typed in by hand.

Residents follow items and are told when the status or the progress changes. Services
check the rules and flush; the caller commits once and then calls
:func:`participa.notifications.services.dispatch`.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from participa.accountability.models import (
    DEFAULT_STATUSES,
    ExecutionItem,
    ExecutionStatus,
    ItemFollow,
    Milestone,
)
from participa.accountability.photo_metadata import (
    MAX_PIXELS,
    PhotoTooLarge,
    UnreadablePhoto,
    strip_metadata,
)
from participa.audit.services import log, snapshot
from participa.budgets.models import Budget
from participa.csvfiles import csv_rows, separator_hint
from participa.db import utcnow
from participa.errors import Invalid, NotAllowed
from participa.extensions import db
from participa.formatting import platform_language
from participa.notifications.services import notify
from participa.processes.models import Process
from participa.results.queries import published_run
from participa.sql import insert_ignoring_conflicts

MAX_SPENT = 10**12  # as budgets: more than any municipal budget, within 64 bits
MAX_OFFICE = 120
MAX_CODE = 40
MAX_STATUS_NAME = 80
MIN_TEXT = 2
MAX_TEXT = 2000
MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_DIR = "photos"
# Stored photo names: 32 random hex digits and the extension of the detected type.
PHOTO_NAME_RE = re.compile(r"[0-9a-f]{32}\.(?:jpg|png|webp)")
PHOTO_EXTENSIONS = {"jpg": "jpg", "jpeg": "jpg", "png": "png", "webp": "webp"}

_AUDITED = ("status_id", "progress", "office", "spent", "code", "starts_on", "ends_on")
_KEEP: Any = object()  # "leave this field as it is" for update_item


def _require_admin(user: Any) -> None:
    if not getattr(user, "is_authenticated", False) or not user.is_admin:
        raise NotAllowed(_("Solo la administración puede cambiar el seguimiento de proyectos."))


# Statuses


def statuses(process: Process) -> list[ExecutionStatus]:
    """The process's statuses in their order."""
    return list(
        db.session.scalars(
            select(ExecutionStatus)
            .where(ExecutionStatus.process_id == process.id)
            .order_by(ExecutionStatus.position, ExecutionStatus.id)
        )
    )


def ensure_statuses(process: Process) -> list[ExecutionStatus]:
    """The process's statuses; the four defaults are created first if it has none."""
    existing = statuses(process)
    if existing:
        return existing
    for position, (key, name, progress) in enumerate(DEFAULT_STATUSES, start=1):
        db.session.add(
            ExecutionStatus(
                process_id=process.id, key=key, name=name, position=position, progress=progress
            )
        )
    db.session.flush()
    return statuses(process)


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:MAX_CODE] or "estado"


def _status_fields(name: str, progress: Any) -> tuple[str, int]:
    name = (name or "").strip()
    if not name:
        raise Invalid(_("Escribe el nombre del estado."))
    if len(name) > MAX_STATUS_NAME:
        raise Invalid(
            _("El nombre del estado puede tener como máximo %(n)d caracteres.", n=MAX_STATUS_NAME)
        )
    return name, _percent(progress)


def add_status(process: Process, admin: Any, name: str, progress: int = 0) -> ExecutionStatus:
    """Add a status at the end of the process's list (the defaults are created first).
    ``progress`` is the usual progress of an item in that status, for reference."""
    _require_admin(admin)
    current = ensure_statuses(process)
    name, progress = _status_fields(name, progress)
    if any(s.name.casefold() == name.casefold() for s in current):
        raise Invalid(_("Ya hay un estado con ese nombre."))
    keys = {s.key for s in current}
    key = base = _slug(name)
    n = 2
    while key in keys:
        key = f"{base[: MAX_CODE - 4]}-{n}"
        n += 1
    status = ExecutionStatus(
        process_id=process.id,
        key=key,
        name=name,
        position=max((s.position for s in current), default=0) + 1,
        progress=progress,
    )
    db.session.add(status)
    db.session.flush()
    log(
        "execution_status.added",
        status,
        actor=admin,
        process_id=process.id,
        after=snapshot(status, ("key", "name", "position", "progress")),
    )
    return status


def rename_status(
    status: ExecutionStatus, admin: Any, name: str, progress: int | None = None
) -> ExecutionStatus:
    """Rename a status (and change its usual progress); its key and items stay."""
    _require_admin(admin)
    name, new_progress = _status_fields(name, status.progress if progress is None else progress)
    clash = db.session.scalar(
        select(ExecutionStatus.id).where(
            ExecutionStatus.process_id == status.process_id,
            ExecutionStatus.id != status.id,
            func.lower(ExecutionStatus.name) == name.lower(),
        )
    )
    if clash is not None:
        raise Invalid(_("Ya hay un estado con ese nombre."))
    before = snapshot(status, ("name", "progress"))
    status.name, status.progress = name, new_progress
    db.session.flush()
    log(
        "execution_status.renamed",
        status,
        actor=admin,
        process_id=status.process_id,
        before=before,
        after=snapshot(status, ("name", "progress")),
    )
    return status


# Items


def items_from_results(process: Process, admin: Any) -> list[ExecutionItem]:
    """One execution item per selected project of each budget's published tally.

    Idempotent: projects that already have an item are skipped. Each new item starts in
    the first status, with the project's cost as its budget. Returns the new items.
    """
    _require_admin(admin)
    first = ensure_statuses(process)[0]
    have = set(
        db.session.scalars(
            select(ExecutionItem.project_id).where(
                ExecutionItem.process_id == process.id, ExecutionItem.project_id.is_not(None)
            )
        )
    )
    created = []
    budgets = db.session.scalars(
        select(Budget).where(Budget.process_id == process.id).order_by(Budget.id)
    )
    for budget in budgets:
        run = published_run(budget)
        if run is None:
            continue
        for outcome in run.selected:
            project = outcome.project
            if project.id in have:
                continue
            have.add(project.id)
            item = ExecutionItem(
                process_id=process.id,
                project_id=project.id,
                title=project.title[:200],
                description=project.description or "",
                status_id=first.id,
                progress=first.progress,
                budgeted=project.cost,
                spent=0,
                updated_at=utcnow(),
            )
            db.session.add(item)
            created.append(item)
    db.session.flush()
    for item in created:
        log(
            "execution_item.created",
            item,
            actor=admin,
            process_id=process.id,
            after=snapshot(item, ("project_id", "title", "budgeted", "status_id", "progress")),
        )
    return created


def add_item(
    process: Process,
    admin: Any,
    title: str,
    *,
    parent: ExecutionItem | None = None,
    budgeted: int = 0,
    code: str | None = None,
    office: str = "",
) -> ExecutionItem:
    """Add an item by hand, usually a part (child) of a funded project's item."""
    _require_admin(admin)
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise Invalid(_("Escribe un título de 1 a 200 caracteres."))
    if parent is not None and parent.process_id != process.id:
        raise Invalid(_("El elemento principal es de otro proceso."))
    budgeted = _money(budgeted)
    code = _code(process, code, None)
    office = _office(office)
    first = ensure_statuses(process)[0]
    item = ExecutionItem(
        process_id=process.id,
        parent_id=parent.id if parent is not None else None,
        project_id=None,
        title=title,
        description="",
        code=code,
        status_id=first.id,
        progress=first.progress,
        office=office,
        budgeted=budgeted,
        spent=0,
        updated_at=utcnow(),
    )
    db.session.add(item)
    db.session.flush()
    if parent is not None:
        db.session.refresh(parent, ["children"])
    log(
        "execution_item.created",
        item,
        actor=admin,
        process_id=process.id,
        after=snapshot(item, ("parent_id", "title", "code", "budgeted", "office")),
    )
    return item


def _percent(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Invalid(_("El avance debe ser un número entero de 0 a 100.")) from None
    if not 0 <= number <= 100:
        raise Invalid(_("El avance debe estar entre 0 y 100 %."))
    return number


def _money(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Invalid(_("El monto debe ser un número entero de pesos.")) from None
    if number < 0:
        raise Invalid(_("El monto no puede ser negativo."))
    if number >= MAX_SPENT:
        raise Invalid(_("El monto es demasiado grande."))
    return number


def _office(value: str | None) -> str:
    office = (value or "").strip()
    if len(office) > MAX_OFFICE:
        raise Invalid(
            _("El nombre de la dependencia puede tener como máximo %(n)d caracteres.", n=MAX_OFFICE)
        )
    return office


def _code(process: Process, value: str | None, item: ExecutionItem | None) -> str | None:
    code = (value or "").strip() or None
    if code is None:
        return None
    if len(code) > MAX_CODE:
        raise Invalid(_("La clave puede tener como máximo %(n)d caracteres.", n=MAX_CODE))
    clash = db.session.scalar(
        select(ExecutionItem.id).where(
            ExecutionItem.process_id == process.id,
            ExecutionItem.code == code,
            ExecutionItem.id != (item.id if item is not None else 0),
        )
    )
    if clash is not None:
        raise Invalid(_("Ya hay otro elemento con la clave %(code)s.", code=code))
    return code


def update_item(
    item: ExecutionItem,
    admin: Any,
    *,
    status: ExecutionStatus | None = _KEEP,
    progress: int | None = _KEEP,
    office: str | None = _KEEP,
    spent: int | None = _KEEP,
    code: str | None = _KEEP,
    starts_on: date | None = _KEEP,
    ends_on: date | None = _KEEP,
) -> bool:
    """Change an item; fields not given stay as they are. Returns whether anything changed.

    Progress is 0–100 and money spent is not negative. An item with children has its
    progress and money spent computed from them, so they cannot be set on it. Logged with
    the values before and after; the followers of the item (and of the items above it)
    are told when its status or progress changes.
    """
    _require_admin(admin)
    has_children = bool(item.children)
    before = snapshot(item, _AUDITED)
    progress_before = effective_progress(item)
    status_before = item.status_id
    if status is not _KEEP:
        if status is None or status.process_id != item.process_id:
            raise Invalid(_("Ese estado no es de este proceso."))
        item.status_id = status.id
        item.status = status
    if progress is not _KEEP and progress is not None:
        value = _percent(progress)
        if has_children and value != item.progress:
            raise Invalid(_("El avance de un elemento con partes se calcula a partir de ellas."))
        item.progress = value
    if spent is not _KEEP and spent is not None:
        value = _money(spent)
        if has_children and value != item.spent:
            raise Invalid(_("Lo gastado en un elemento con partes se suma a partir de ellas."))
        item.spent = value
    if office is not _KEEP:
        item.office = _office(office)
    if code is not _KEEP:
        item.code = _code(item.process, code, item)
    if starts_on is not _KEEP:
        item.starts_on = starts_on
    if ends_on is not _KEEP:
        item.ends_on = ends_on
    if item.starts_on and item.ends_on and item.ends_on < item.starts_on:
        raise Invalid(_("La fecha de término no puede ser anterior a la de inicio."))
    after = snapshot(item, _AUDITED)
    if after == before:
        return False
    item.updated_at = utcnow()
    db.session.flush()
    log(
        "execution_item.updated",
        item,
        actor=admin,
        process_id=item.process_id,
        before=before,
        after=after,
    )
    if item.status_id != status_before or effective_progress(item) != progress_before:
        with platform_language():
            _tell_followers(item, status_changed=item.status_id != status_before)
    return True


def _lineage(item: ExecutionItem | None) -> list[ExecutionItem]:
    """``item`` and the items above it (a parent's roll-up changes with its children)."""
    chain, seen = [], set()
    while item is not None and item.id not in seen:
        chain.append(item)
        seen.add(item.id)
        item = item.parent
    return chain


def _tell_followers(item: ExecutionItem, *, status_changed: bool = False) -> None:
    chain = _lineage(item)
    users = db.session.scalars(
        select(ItemFollow.user_id)
        .where(ItemFollow.item_id.in_([i.id for i in chain]))
        .distinct()
        .order_by(ItemFollow.user_id)
    ).all()
    if not users:
        return
    status_name = item.status.name if item.status is not None else _("sin estado")
    subject = _("Avance del proyecto «%(title)s»", title=item.title[:120])
    if status_changed:
        body = _(
            "El proyecto «%(title)s» que sigues cambió al estado «%(status)s». "
            "Avance: %(progress)d %%.",
            title=item.title,
            status=status_name,
            progress=effective_progress(item),
        )
    else:
        body = _(
            "El proyecto «%(title)s» que sigues tiene un avance de %(progress)d %% "
            "(estado: %(status)s).",
            title=item.title,
            progress=effective_progress(item),
            status=status_name,
        )
    notify(users, "execution_update", subject, body)


# Roll-up


def _rollup_progress(item: ExecutionItem, children_of, seen: frozenset[int]) -> int:
    children = [c for c in children_of(item) if c.id not in seen]
    if not children:
        return item.progress
    seen = seen | {item.id}
    values = [(_rollup_progress(c, children_of, seen), c.budgeted or 0) for c in children]
    weight = sum(w for _value, w in values)
    if weight > 0:
        return round(sum(v * w for v, w in values) / weight)
    return round(sum(v for v, _w in values) / len(values))


def _rollup_spent(item: ExecutionItem, children_of, seen: frozenset[int]) -> int:
    children = [c for c in children_of(item) if c.id not in seen]
    if not children:
        return item.spent
    seen = seen | {item.id}
    return sum(_rollup_spent(c, children_of, seen) for c in children)


def effective_progress(item: ExecutionItem) -> int:
    """The progress shown for ``item``: its own, or, when it has children, their mean
    weighted by each child's budget (a simple mean when none has a budget), recursively."""
    return _rollup_progress(item, lambda i: i.children, frozenset())


def effective_spent(item: ExecutionItem) -> int:
    """The money spent on ``item``: its own, or the sum of its children's."""
    return _rollup_spent(item, lambda i: i.children, frozenset())


@dataclass
class Rollup:
    """Progress and money of a set of items computed in memory (one query for a page)."""

    progress: dict[int, int]
    spent: dict[int, int]
    children: dict[int, list[ExecutionItem]]


def rollup(items: Sequence[ExecutionItem]) -> Rollup:
    """:func:`effective_progress` and :func:`effective_spent` of every item of ``items``
    (all the items of a process), without loading each one's children separately."""
    children: dict[int, list[ExecutionItem]] = {}
    for item in items:
        if item.parent_id is not None:
            children.setdefault(item.parent_id, []).append(item)

    def children_of(i: ExecutionItem) -> list[ExecutionItem]:
        return children.get(i.id, [])

    return Rollup(
        progress={i.id: _rollup_progress(i, children_of, frozenset()) for i in items},
        spent={i.id: _rollup_spent(i, children_of, frozenset()) for i in items},
        children=children,
    )


def overall_progress(items: Iterable[ExecutionItem], progress: dict[int, int]) -> int | None:
    """Budget-weighted mean progress of ``items`` (a simple mean when none has a budget)."""
    items = list(items)
    if not items:
        return None
    weight = sum(i.budgeted or 0 for i in items)
    if weight > 0:
        return round(sum(progress[i.id] * (i.budgeted or 0) for i in items) / weight)
    return round(sum(progress[i.id] for i in items) / len(items))


# Milestones and photos


def photo_dir() -> Path:
    return Path(current_app.instance_path) / PHOTO_DIR


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
    """Store an uploaded JPEG, PNG or WebP photo (at most 5 MB) under the instance's
    ``photos`` folder with a random name, and return that name. The file's first bytes
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
    folder = photo_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{kind}"
    (folder / name).write_bytes(clean)
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
    notify(users, "execution_milestone", subject, body)
    return milestone


# Following


def is_following(item: ExecutionItem, user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        db.session.scalar(
            select(ItemFollow.id).where(
                ItemFollow.item_id == item.id, ItemFollow.user_id == user.id
            )
        )
        is not None
    )


def follow(item: ExecutionItem, user: Any) -> bool:
    """Follow an item (told of its changes); False if already following."""
    inserted = db.session.scalar(
        insert_ignoring_conflicts(ItemFollow, ["user_id", "item_id"])
        .values(user_id=user.id, item_id=item.id)
        .returning(ItemFollow.id)
    )
    return inserted is not None


def unfollow(item: ExecutionItem, user: Any) -> bool:
    """Stop following an item; False if not following."""
    row = db.session.scalar(
        select(ItemFollow).where(ItemFollow.item_id == item.id, ItemFollow.user_id == user.id)
    )
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    return True


def followers_count(item: ExecutionItem) -> int:
    return db.session.scalars(
        select(func.count(ItemFollow.id)).where(ItemFollow.item_id == item.id)
    ).one()


# Bulk update from a CSV file

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
