"""Who may use a staff page: one guard for every role (as redash's ``require_permission``).

``staff_only(allowed)`` decorates a view; ``guard_blueprint(bp, allowed)`` guards every view
of a blueprint. Either way an anonymous visitor is sent to the login page (and back here
after signing in) and a signed-in person for whom ``allowed(user)`` is false gets 403.
The predicates are the roles' own (``User.is_admin``, ``is_evaluator``, ``is_moderator``,
``has_role``), so a role means the same on every page.

Evaluators, moderators and officers may also hold their role on one process only
(``participa.staff.access``, the one place that decides "may this person act as this role
on this process"): ``acts_as(role)`` lets them reach their screen, which then shows only
their processes, and ``require_process_role(role, process_id)`` answers 403 on another.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from participa.accounts.models import Role, User
from participa.staff import access

View = TypeVar("View", bound=Callable[..., Any])
Allowed = Callable[[User], bool]


def is_admin(user: User) -> bool:
    return user.is_admin


def has_role(role: Role) -> Allowed:
    """The predicate "holds ``role``" (administrators hold every role)."""
    return lambda user: user.has_role(role)


def acts_as(role: Role) -> Allowed:
    """The predicate "holds ``role`` on at least one process": globally (administrators
    hold every role), or assigned to a process."""
    return lambda user: access.acts_anywhere(user, role)


def require_process_role(role: Role, process_id: int | None) -> None:
    """403 unless the current person may act as ``role`` on the process ``process_id``."""
    if not access.may_act(current_user, role, process_id):
        abort(403)


def refusal(allowed: Allowed) -> Response | None:
    """What the current visitor gets instead of the page, or None if ``allowed``."""
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if not allowed(current_user):
        abort(403)
    return None


def staff_only(allowed: Allowed) -> Callable[[View], View]:
    """A decorator: the view runs only for signed-in people for whom ``allowed`` holds."""

    def decorator(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            return refusal(allowed) or view(*args, **kwargs)

        return guarded  # type: ignore[return-value]  # same signature as view

    return decorator


def guard_blueprint(bp: Blueprint, allowed: Allowed) -> None:
    """Every view of ``bp`` runs only for signed-in people for whom ``allowed`` holds."""
    bp.before_request(lambda: refusal(allowed))
