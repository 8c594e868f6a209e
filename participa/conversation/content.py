"""What can be commented on and reported, and how reports and comments name it.

Comments point to a proposal, a project or an execution item; reports to a proposal, a
project or a comment. Both name their content by a type (``content_type_of``) and an id,
and ``get_content`` finds it again. ``process_of`` says which process content belongs to
(its phase decides what is allowed), and ``moderates`` who may see hidden content and
decide reports there (the moderators of every process, and those of that process only:
``participa.staff.access``); blocking an account, which reaches every process, is for
``moderates_everywhere``.
"""

from __future__ import annotations

from typing import Any, cast

from flask_babel import gettext as _

from participa.accountability.models import ExecutionItem
from participa.accounts.models import Role
from participa.budgets.models import Project
from participa.conversation.models import Comment, ContentType
from participa.errors import Invalid
from participa.extensions import db
from participa.processes.models import Process
from participa.proposals.models import Proposal
from participa.staff import access

Target = Proposal | Project | ExecutionItem
Content = Proposal | Project | Comment

EXECUTION_ITEM = "execution_item"  # comment target only: items are not reported themselves

_MODELS: dict[str, type] = {
    ContentType.PROPOSAL: Proposal,
    ContentType.PROJECT: Project,
    ContentType.COMMENT: Comment,
    EXECUTION_ITEM: ExecutionItem,
}


def content_type_of(content: Content | Target) -> str:
    """``proposal``, ``project`` or ``comment``: how reports name ``content``."""
    for name, model in _MODELS.items():
        if isinstance(content, model):
            return name
    raise TypeError(f"not reportable: {content!r}")


def get_content(content_type: str, content_id: int) -> Content | None:
    """The proposal, project or comment a report points to, if it exists."""
    model = _MODELS.get(content_type)
    return db.session.get(model, content_id) if model else None


def target_of(comment: Comment) -> Target | None:
    """The proposal or project ``comment`` belongs to."""
    # a comment's target is never a comment
    return cast(Target | None, get_content(comment.target_type, comment.target_id))


def process_of(content: Content | Target) -> Process:
    """The process ``content`` belongs to (a project's: its budget's process)."""
    if isinstance(content, Comment):
        target = target_of(content)
        if target is None:
            raise Invalid(_("El comentario ya no pertenece a ninguna página."))
        content = target
    if isinstance(content, Project):
        return content.budget.process
    return content.process


def is_moderator(user: Any) -> bool:
    """Whether ``user`` (possibly anonymous) moderates somewhere: every process (a global
    moderator, an administrator) or the processes they are assigned to."""
    return access.acts_anywhere(user, Role.MODERATOR)


def moderates(user: Any, process_id: int | None) -> bool:
    """Whether ``user`` may see hidden content and decide reports in the process."""
    return access.may_act(user, Role.MODERATOR, process_id)


def moderates_everywhere(user: Any) -> bool:
    """Whether ``user`` moderates every process (global moderators and administrators):
    only they block or unblock accounts, which reaches every process."""
    return access.holds_globally(user, Role.MODERATOR)
