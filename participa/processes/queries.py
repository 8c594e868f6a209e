"""Which processes the public sees: one definition, asked by every channel.

A new process is a draft (``published_at`` is None) until an administrator publishes it.
A draft is seen by staff only: the home page, the process's pages (and those of its
proposals, budgets, projects, results and follow-up), the read API, open data and the
receipt check all filter with :func:`published` (or :func:`visible_to`, which lets an
administrator preview a draft on the public pages), so no channel can forget it.

Read-only: nothing here writes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, select, true

from participa.processes.models import Process


def published() -> ColumnElement[bool]:
    """The SQL test "this process is public" (not a draft)."""
    return Process.published_at.is_not(None)


def sees_drafts(viewer: object | None) -> bool:
    """Whether ``viewer`` may preview drafts on the public pages (administrators)."""
    return bool(
        viewer is not None
        and getattr(viewer, "is_authenticated", False)
        and getattr(viewer, "is_admin", False)
    )


def visible_to(viewer: object | None) -> ColumnElement[bool]:
    """The SQL test "``viewer`` may see this process on a public page": published, or any
    process for an administrator (who sees drafts with a "draft" banner)."""
    return true() if sees_drafts(viewer) else published()


def public_processes() -> Select[Any]:
    """Every published process (unordered)."""
    return select(Process).where(published())


def is_public(process: Process) -> bool:
    """A loaded process, by the same rule as :func:`published`."""
    return process.is_published
