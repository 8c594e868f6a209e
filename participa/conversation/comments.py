"""Comments on proposals, projects and execution items, and their threads.

``add_comment`` checks that the phase of the process allows commenting (execution items
always do) and that the content is not hidden or withdrawn; ``thread`` arranges the
comments of a page as a tree of replies, nested up to ``MAX_DEPTH``, with the ids of the
comments the viewer already reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from participa.accountability.models import ExecutionItem
from participa.accounts.access import require_confirmed
from participa.accounts.models import User
from participa.conversation.content import (
    Target,
    content_type_of,
    process_of,
)
from participa.conversation.models import Comment, ContentType
from participa.conversation.reports import reported_ids
from participa.db import utcnow
from participa.errors import Invalid, NotAllowed
from participa.extensions import db
from participa.processes.models import Action
from participa.proposals.models import Proposal

MIN_BODY = 2
MAX_BODY = 2000
# Replies are shown nested up to this depth; deeper replies are listed at that depth.
MAX_DEPTH = 3


def add_comment(target: Target, author: User, body: str, parent: Comment | None = None) -> Comment:
    """Comment on a proposal or a project, or reply to ``parent`` on the same page.

    Allowed only while the current phase of the process (a project's: its budget's
    process) allows commenting, and never on a hidden or withdrawn proposal or in reply to
    a hidden comment. ``body`` must be 2 to 2,000 characters once trimmed.
    """
    closed = _closed_reason(target)
    if closed is not None:
        raise NotAllowed(closed)
    require_confirmed(author, "comment")
    text = (body or "").strip()
    if len(text) < MIN_BODY:
        raise Invalid(_("Escribe tu comentario (al menos %(n)d caracteres).", n=MIN_BODY))
    if len(text) > MAX_BODY:
        raise Invalid(_("El comentario puede tener como máximo %(n)d caracteres.", n=MAX_BODY))
    target_type = content_type_of(target)
    if parent is not None:
        if parent.target_type != target_type or parent.target_id != target.id:
            raise Invalid(_("Solo puedes responder a un comentario de esta misma página."))
        if parent.is_hidden:
            raise NotAllowed(_("No se puede responder a un comentario oculto por moderación."))
    comment = Comment(
        target_type=target_type,
        target_id=target.id,
        parent_id=parent.id if parent is not None else None,
        author_id=author.id,
        body=text,
        created_at=utcnow(),
    )
    db.session.add(comment)
    db.session.flush()
    return comment


def _closed_reason(target: Target) -> str | None:
    """Why ``target`` cannot be commented on now, or None when it can. Execution items
    stay open to comments whatever the phase: their follow-up outlives the process."""
    if isinstance(target, ExecutionItem):
        return None
    if not process_of(target).allows(Action.COMMENT):
        return _("Los comentarios no están abiertos en esta fase.")
    if isinstance(target, Proposal) and (target.is_hidden or target.is_withdrawn):
        return _("Esta propuesta ya no recibe comentarios.")
    return None


@dataclass
class ThreadNode:
    """A comment and its replies, oldest first."""

    comment: Comment
    replies: list[ThreadNode] = field(default_factory=list)


@dataclass
class Thread:
    """The comments of one proposal or project, ready to show."""

    target: Target
    target_type: str
    nodes: list[ThreadNode]
    visible_count: int
    can_comment: bool
    closed_reason: str | None  # why nobody can comment now, if so
    reported: set[int]  # ids of the comments the viewer already reported


def thread(target: Target, viewer: Any = None) -> Thread:
    """Every comment of ``target`` as a tree (replies below their comment, oldest first).

    Hidden comments stay in the tree so their replies keep their place; the template
    shows a placeholder instead of their text to anyone but moderators.
    """
    target_type = content_type_of(target)
    comments = db.session.scalars(
        select(Comment)
        .where(Comment.target_type == target_type, Comment.target_id == target.id)
        .options(joinedload(Comment.author))
        .order_by(Comment.created_at, Comment.id)
    ).all()
    nodes = {c.id: ThreadNode(c) for c in comments}
    depth: dict[int, int] = {}
    roots: list[ThreadNode] = []
    for c in comments:  # oldest first: a parent is always placed before its replies
        parent = nodes.get(c.parent_id) if c.parent_id else None
        if parent is None:
            depth[c.id] = 0
            roots.append(nodes[c.id])
            continue
        while depth[parent.comment.id] >= MAX_DEPTH - 1 and parent.comment.parent_id in nodes:
            parent = nodes[parent.comment.parent_id]  # too deep: list beside its parent
        depth[c.id] = depth[parent.comment.id] + 1
        parent.replies.append(nodes[c.id])
    closed = _closed_reason(target)
    return Thread(
        target=target,
        target_type=target_type,
        nodes=roots,
        visible_count=sum(1 for c in comments if not c.is_hidden),
        can_comment=closed is None,
        closed_reason=closed,
        reported=reported_ids(viewer, ContentType.COMMENT, [c.id for c in comments]),
    )
