"""Roll-up of an item's progress and money spent from its children.

A parent item's progress is the budget-weighted mean of its children's and its money spent
their sum, recursively (:func:`effective_progress`, :func:`effective_spent`);
:func:`rollup` computes both for all the items of a page in memory, and
:func:`overall_progress` the mean progress of a list of items.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from participa.accountability.models import ExecutionItem


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
