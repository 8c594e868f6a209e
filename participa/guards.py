"""Who may use a staff page: one guard for every role (as redash's ``require_permission``).

``staff_only(allowed)`` decorates a view; ``guard_blueprint(bp, allowed)`` guards every view
of a blueprint. Either way an anonymous visitor is sent to the login page (and back here
after signing in) and a signed-in person for whom ``allowed(user)`` is false gets 403.
The predicates are the roles' own (``User.is_admin``, ``is_evaluator``, ``is_moderator``,
``has_role``), so a role means the same on every page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from participa.accounts.models import Role, User

View = TypeVar("View", bound=Callable[..., Any])
Allowed = Callable[[User], bool]


def is_admin(user: User) -> bool:
    return user.is_admin


def has_role(role: Role) -> Allowed:
    """The predicate "holds ``role``" (administrators hold every role)."""
    return lambda user: user.has_role(role)


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
