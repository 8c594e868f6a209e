"""Reading the categories: the ordered list, those offered for new items, their use."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from wtforms.fields import SelectChoice

from participa.budgets.models import Project
from participa.categories.models import Category
from participa.extensions import db
from participa.proposals.models import Proposal

ORDER = (Category.position, Category.id)


def all_categories() -> list[Category]:
    """Every category, archived ones included, in the administrators' order."""
    return list(db.session.scalars(select(Category).order_by(*ORDER)))


def offered() -> list[Category]:
    """The categories offered for new proposals and projects (not archived), in order."""
    return list(
        db.session.scalars(select(Category).where(Category.archived_at.is_(None)).order_by(*ORDER))
    )


def by_slug(slug: str) -> Category | None:
    return db.session.scalar(select(Category).where(Category.slug == slug))


def for_filter(process_id: int) -> list[Category]:
    """What the proposal list of a process can be filtered by: the offered categories, and
    the archived ones its proposals still carry."""
    used = select(Proposal.id).where(
        Proposal.process_id == process_id, Proposal.category == Category.slug
    )
    return list(
        db.session.scalars(
            select(Category)
            .where(or_(Category.archived_at.is_(None), used.exists()))
            .order_by(*ORDER)
        )
    )


def usage() -> dict[str, tuple[int, int]]:
    """How many proposals and projects carry each category slug (two grouped queries)."""
    proposals: dict[str, int] = dict(
        db.session.execute(
            select(Proposal.category, func.count()).group_by(Proposal.category)
        ).all()
    )
    rows = db.session.execute(
        select(Project.category, func.count())
        .where(Project.category.is_not(None))
        .group_by(Project.category)
    )
    projects = {slug: n for slug, n in rows if slug is not None}
    return {
        slug: (proposals.get(slug, 0), projects.get(slug, 0)) for slug in {*proposals, *projects}
    }


def usage_of(category: Category) -> tuple[int, int]:
    """The proposals and projects that carry ``category``."""
    proposals = db.session.scalar(
        select(func.count()).select_from(Proposal).where(Proposal.category == category.slug)
    )
    projects = db.session.scalar(
        select(func.count()).select_from(Project).where(Project.category == category.slug)
    )
    return proposals or 0, projects or 0


def slugs() -> list[str]:
    """Every category's key, archived ones included (the open data's code list)."""
    return list(db.session.scalars(select(Category.slug).order_by(*ORDER)))


def choices(categories: list[Category] | None = None) -> list[SelectChoice]:
    """``categories`` (by default the offered ones) as select options: the key, the name in
    the visitor's language."""
    return [
        SelectChoice(c.slug, c.label) for c in (offered() if categories is None else categories)
    ]
