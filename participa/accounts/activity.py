"""What a resident did and follows, for the "Mi actividad" page: the proposals they sent
(with their state), supported and commented, and the processes and execution items they
follow. Read-only; one query per list, whatever its length (the newest :data:`LIMIT` of
each; a list cut there says so)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, literal, null, select, union_all
from sqlalchemy.orm import aliased

from participa.accountability.models import ExecutionItem, ItemFollow
from participa.budgets.models import Budget, Project
from participa.conversation.models import Comment
from participa.extensions import db
from participa.notifications.models import Follow
from participa.processes.models import Process
from participa.proposals.models import Proposal, Support

LIMIT = 200  # the newest of each list; a list this long says it is cut


@dataclass(frozen=True)
class Entry:
    """One line of a list: what it is about and where it is."""

    kind: str  # "proposal", "project", "execution_item", "process"
    title: str
    slug: str | None = None  # the process's
    target_id: int | None = None
    budget_id: int | None = None
    state: str | None = None  # a proposal's
    hidden: bool = False  # hidden by moderation
    when: datetime | None = None
    excerpt: str | None = None  # a comment's beginning


@dataclass(frozen=True)
class Listing:
    entries: list[Entry]
    cut: bool  # more than LIMIT: only the newest are listed


def _listing(statement: Select, make) -> Listing:
    rows = db.session.execute(statement.limit(LIMIT + 1)).all()
    return Listing([make(row) for row in rows[:LIMIT]], len(rows) > LIMIT)


def proposed(user_id: int) -> Listing:
    return _listing(
        select(Proposal.id, Proposal.title, Proposal.state, Proposal.hidden_at, Process.slug)
        .join(Process, Process.id == Proposal.process_id)
        .where(Proposal.author_id == user_id)
        .order_by(Proposal.created_at.desc(), Proposal.id.desc()),
        lambda r: Entry(
            "proposal", r.title, r.slug, r.id, state=r.state, hidden=r.hidden_at is not None
        ),
    )


def supported(user_id: int) -> Listing:
    return _listing(
        select(Proposal.id, Proposal.title, Proposal.state, Proposal.hidden_at, Process.slug)
        .join(Support, Support.proposal_id == Proposal.id)
        .join(Process, Process.id == Proposal.process_id)
        .where(Support.user_id == user_id, Proposal.hidden_at.is_(None))
        .order_by(Support.id.desc()),
        lambda r: Entry(
            "proposal", r.title, r.slug, r.id, state=r.state, hidden=r.hidden_at is not None
        ),
    )


def commented(user_id: int) -> Listing:
    """The comments, each with what it is on (a proposal, a project, an execution item):
    one statement, a UNION of the three."""
    mine = Comment.author_id == user_id
    base = (
        Comment.id.label("comment_id"),
        Comment.body,
        Comment.created_at,
        Comment.hidden_at,
        Comment.target_type,
    )
    item_process = aliased(Process)
    on_proposals = (
        select(
            *base,
            Proposal.title,
            Process.slug,
            Proposal.id.label("target_id"),
            null().label("budget_id"),
        )
        .join(Proposal, Proposal.id == Comment.target_id)
        .join(Process, Process.id == Proposal.process_id)
        .where(mine, Comment.target_type == literal("proposal"))
    )
    on_projects = (
        select(*base, Project.title, Process.slug, Project.id, Project.budget_id)
        .join(Project, Project.id == Comment.target_id)
        .join(Budget, Budget.id == Project.budget_id)
        .join(Process, Process.id == Budget.process_id)
        .where(mine, Comment.target_type == literal("project"))
    )
    on_items = (
        select(*base, ExecutionItem.title, item_process.slug, ExecutionItem.id, null())
        .join(ExecutionItem, ExecutionItem.id == Comment.target_id)
        .join(item_process, item_process.id == ExecutionItem.process_id)
        .where(mine, Comment.target_type == literal("execution_item"))
    )
    every = union_all(on_proposals, on_projects, on_items).subquery()
    return _listing(
        select(every).order_by(every.c.created_at.desc(), every.c.comment_id.desc()),
        lambda r: Entry(
            r.target_type,
            r.title,
            r.slug,
            r.target_id,
            budget_id=r.budget_id,
            hidden=r.hidden_at is not None,
            when=r.created_at,
            excerpt=r.body[:140],
        ),
    )


def followed_processes(user_id: int) -> Listing:
    return _listing(
        select(Process.slug, Process.title)
        .join(Follow, Follow.process_id == Process.id)
        .where(Follow.user_id == user_id)
        .order_by(Follow.created_at.desc(), Follow.id.desc()),
        lambda r: Entry("process", r.title, r.slug),
    )


def followed_items(user_id: int) -> Listing:
    return _listing(
        select(ExecutionItem.id, ExecutionItem.title)
        .join(ItemFollow, ItemFollow.item_id == ExecutionItem.id)
        .where(ItemFollow.user_id == user_id)
        .order_by(ItemFollow.id.desc()),
        lambda r: Entry("execution_item", r.title, target_id=r.id),
    )
