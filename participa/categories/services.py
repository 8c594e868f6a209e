"""Administering categories: create, edit, reorder, archive and unarchive, delete when
unused. Every change is in the action log with the values before and after. Services
flush, never commit."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from participa.audit.services import log, snapshot
from participa.categories import queries
from participa.categories.models import NAME_MAX, SLUG_MAX, Category
from participa.db import utcnow
from participa.errors import Conflict, Invalid
from participa.extensions import db
from participa.processes.services import SLUG_RE, slugify

FIELDS = ("slug", "name", "name_en", "description", "position", "archived_at")


class FieldInvalid(Invalid):
    """An input refused because of one field of the form (``field``): shown beside it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _clean_names(name: str, name_en: str, description: str) -> tuple[str, str, str]:
    name, name_en, description = name.strip(), name_en.strip(), description.strip()
    if not name:
        raise FieldInvalid("name", _("Escribe el nombre de la categoría."))
    if len(name) > NAME_MAX or len(name_en) > NAME_MAX:
        field = "name" if len(name) > NAME_MAX else "name_en"
        raise FieldInvalid(field, _("El nombre admite a lo más %(n)d caracteres.", n=NAME_MAX))
    if len(description) > 500:
        raise FieldInvalid("description", _("La descripción admite a lo más 500 caracteres."))
    return name, name_en, description


def _name_taken(name: str, other_than: int | None = None) -> bool:
    stmt = select(Category.id).where(func.lower(Category.name) == name.lower())
    if other_than is not None:
        stmt = stmt.where(Category.id != other_than)
    return db.session.scalar(stmt) is not None


def create_category(
    *, name: str, name_en: str = "", description: str = "", slug: str = "", actor: Any = None
) -> Category:
    """A new category, last in the order. Its key (``slug``, the name's by default) is
    what open data and the API publish: it never changes afterwards."""
    name, name_en, description = _clean_names(name, name_en, description)
    if _name_taken(name):
        raise FieldInvalid("name", _("Ya existe una categoría llamada «%(name)s».", name=name))
    slug = slug.strip() or slugify(name)[:SLUG_MAX].strip("-")
    if not slug:
        raise FieldInvalid("name", _("El nombre necesita letras o números para formar la clave."))
    if len(slug) > SLUG_MAX or not SLUG_RE.match(slug):
        raise FieldInvalid(
            "slug",
            _(
                "La clave solo admite minúsculas, números y guiones (a lo más %(n)d).",
                n=SLUG_MAX,
            ),
        )
    if queries.by_slug(slug) is not None:
        raise FieldInvalid("slug", _("Ya existe una categoría con la clave «%(slug)s».", slug=slug))
    last = db.session.scalar(select(func.max(Category.position))) or 0
    category = Category(
        slug=slug, name=name, name_en=name_en, description=description, position=last + 1
    )
    db.session.add(category)
    db.session.flush()
    log("category.created", category, actor=actor, after=snapshot(category, FIELDS))
    return category


def update_category(
    category: Category, *, name: str, name_en: str, description: str, actor: Any = None
) -> Category:
    """Rename or describe a category (its key stays): logged with before and after."""
    name, name_en, description = _clean_names(name, name_en, description)
    if _name_taken(name, other_than=category.id):
        raise FieldInvalid("name", _("Ya existe una categoría llamada «%(name)s».", name=name))
    before = snapshot(category, FIELDS)
    category.name, category.name_en, category.description = name, name_en, description
    after = snapshot(category, FIELDS)
    if after != before:
        db.session.flush()
        log("category.updated", category, actor=actor, before=before, after=after)
    return category


def move_category(category: Category, step: int, actor: Any = None) -> None:
    """Move a category one place up (``step`` -1) or down (+1) in the order; at either end,
    nothing changes. The positions are renumbered 1..n, so the order is always strict."""
    ordered = queries.all_categories()
    index = ordered.index(category)
    target = index + (1 if step > 0 else -1)
    if not 0 <= target < len(ordered):
        return
    before = {"position": category.position}
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, each in enumerate(ordered, start=1):
        each.position = position
    db.session.flush()
    log(
        "category.moved",
        category,
        actor=actor,
        before=before,
        after={"position": category.position},
    )


def set_archived(category: Category, archived: bool, actor: Any = None) -> None:
    """Archive (no longer offered for new proposals and projects; still shown on those
    that have it) or bring back a category."""
    if category.is_archived == archived:
        return
    before = snapshot(category, ("archived_at",))
    category.archived_at = utcnow() if archived else None
    db.session.flush()
    log(
        "category.archived" if archived else "category.unarchived",
        category,
        actor=actor,
        before=before,
        after=snapshot(category, ("archived_at",)),
    )


def delete_category(category: Category, actor: Any = None) -> None:
    """Delete a category nothing uses; refused (409) with the reason when proposals or
    projects carry it: archiving it is the way to stop offering it."""
    proposals, projects = queries.usage_of(category)
    if proposals or projects:
        raise Conflict(
            _(
                "No se puede eliminar «%(name)s»: la usan %(proposals)d propuestas y "
                "%(projects)d proyectos. Archívala para dejar de ofrecerla; quienes ya la "
                "tienen la conservan.",
                name=category.name,
                proposals=proposals,
                projects=projects,
            )
        )
    before = snapshot(category, FIELDS)
    target_id = category.id
    db.session.delete(category)
    db.session.flush()
    entry = log("category.deleted", "categories", actor=actor, before=before)
    entry.target_id = target_id


def require_offered(slug: str) -> Category:
    """The category of a new proposal or project: it exists and is not archived."""
    category = queries.by_slug(slug)
    if category is None or category.is_archived:
        raise Invalid(_("Elige una categoría de la lista."), field="category")
    return category
