"""Confirmation before an irreversible action, with or without JavaScript: one mechanism.

The POST view of such an action is decorated with :func:`confirm_first`. A form that says it
was confirmed (``confirmado=1``) goes through; any other answers with a confirmation page
that asks the question and posts the same form again, confirmed, or goes back. Browsers
with JavaScript ask the same question first in a ``<dialog>`` (``static/js/confirm.js``,
for forms marked ``data-confirm``) and post the form confirmed, so the page is then never
seen. Nothing changes until the confirmed form arrives. The guards and the CSRF check run
before: a visitor who may not act never sees the question.

What is asked is a :class:`Question`; :func:`ask_page` draws it with ``confirm.html`` or a
detailed page that extends it (``Question.template``: the reasons a process cannot be
unpublished, the dates of a phase ended early...). An action may also have a page of its own
(GET) to link to, which draws the same :class:`Question` with :func:`ask_page`: the link,
the unconfirmed POST and the refused POST all show one page.

Views registered in a module that cannot take the decorator are protected by
:func:`confirm_endpoints` (a ``before_request`` of their blueprint, run after its guard);
:data:`IRREVERSIBLE` lists every protected endpoint (the test of every irreversible route
reads it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Flask, flash, redirect, render_template, request
from flask.typing import ResponseReturnValue

from participa.errors import DomainError
from participa.extensions import db

CONFIRMED = "confirmado"
View = TypeVar("View", bound=Callable[..., Any])

#: Every endpoint whose POST asks first, filled as the views are registered.
IRREVERSIBLE: set[str] = set()


@dataclass(frozen=True)
class Question:
    """What a confirmation page asks, the button that confirms, and where "no" goes.

    ``details`` is a sentence under the question, ``consequences`` the list of what will
    happen; a ``refusal`` (why it cannot be done) replaces the button, with
    ``alternatives`` (links) offered instead. ``crumbs`` are the breadcrumbs, ``template``
    a detailed page extending ``confirm.html`` and ``context`` what it needs more."""

    question: str
    button: str
    back: str
    details: str = ""
    consequences: tuple[str, ...] = ()
    refusal: str | None = None
    alternatives: tuple[tuple[str, str], ...] = ()
    danger: bool = True
    irreversible: bool = True
    crumbs: tuple[tuple[str | None, str], ...] = ()
    template: str = "confirm.html"
    context: Mapping[str, Any] = field(default_factory=dict)


def ask_page(
    ask: Question,
    action: str,
    fields: Iterable[tuple[str, str]] = (),
    status: int = 200,
    refusal: str | None = None,
) -> tuple[str, int, dict[str, str]]:
    """The page that asks ``ask`` and whose form posts ``fields`` to ``action`` confirmed;
    ``refusal`` (a refused confirmed POST) replaces the question's own. Never stored by a
    browser or proxy: the fields carried may include what was typed (a password that
    confirms an account's deletion)."""
    if refusal is not None:
        ask = Question(**{**ask.__dict__, "refusal": refusal})
    fields = [(k, v) for k, v in fields if k != CONFIRMED]
    page = render_template(
        ask.template,
        ask=ask,
        fields=fields,
        has_csrf=any(k == "csrf_token" for k, _v in fields),
        action=action,
        confirmed=CONFIRMED,
        **ask.context,
    )
    return page, status, {"Cache-Control": "private, no-store"}


def carry_out(
    ask: Question, action: str, act: Callable[[], object], *, done: str, then: str
) -> ResponseReturnValue:
    """The body of the view of a confirmed action that also has a page of its own: a GET
    shows the question; the confirmed POST (:func:`confirm_first` has asked) runs ``act``
    (a service, which flushes) and commits, says ``done`` and goes to ``then``. A refusal
    shows the question again with the reason in place of the button, and changes nothing."""
    if request.method == "GET":
        return ask_page(ask, action)
    try:
        act()
    except DomainError as error:
        db.session.rollback()
        return ask_page(ask, action, status=error.status_code, refusal=error.message)
    db.session.commit()
    flash(done, "info")
    return redirect(then, code=303)


def confirmed() -> bool:
    return request.form.get(CONFIRMED) == "1"


Ask = Callable[..., "Question | None"]


def _ask_now(ask: Ask, kwargs: Mapping[str, Any]) -> tuple[str, int, dict[str, str]] | None:
    """The question page for this unconfirmed POST, or None if ``ask`` has no question
    for it (the view then answers: a refusal of an empty form, say)."""
    question = ask(**kwargs)
    if question is None:
        return None
    return ask_page(question, request.full_path.rstrip("?"), request.form.items(multi=True))


def confirm_first(ask: Ask) -> Callable[[View], View]:
    """A decorator for the view of an irreversible action: a POST not confirmed gets
    ``ask(**view_args)``, the :class:`Question` of the confirmation page, until the form
    comes back confirmed (``ask`` may return None when a POST needs no question). Other
    methods (the GET of a page that also asks) pass."""

    def decorator(view: View) -> View:
        @wraps(view)
        def confirmed_first(*args: Any, **kwargs: Any) -> Any:
            if request.method != "POST" or confirmed():
                return view(*args, **kwargs)
            return _ask_now(ask, kwargs) or view(*args, **kwargs)

        confirmed_first.asks_first = True  # type: ignore[attr-defined]
        return confirmed_first  # type: ignore[return-value]  # same signature as view

    return decorator


def confirm_endpoints(bp: Blueprint, asks: Mapping[str, Ask]) -> None:
    """:func:`confirm_first` for views of ``bp`` defined elsewhere: ``asks`` maps a view's
    name (without the blueprint's) to its question; ``ask`` may return None for a POST of
    that view that needs no question (e.g. opening a phase, where closing asks)."""
    IRREVERSIBLE.update(f"{bp.name}.{name}" for name in asks)

    @bp.before_request
    def _confirm_first() -> Any:
        endpoint = (request.endpoint or "").removeprefix(f"{bp.name}.")
        ask = asks.get(endpoint)
        if ask is None or request.method != "POST" or confirmed():
            return None
        return _ask_now(ask, request.view_args or {})


def asking_endpoints(app: Flask) -> set[str]:
    """Every endpoint of ``app`` whose POST asks first (decorated, or named to
    :func:`confirm_endpoints`)."""
    decorated = {
        name for name, view in app.view_functions.items() if getattr(view, "asks_first", False)
    }
    return decorated | (IRREVERSIBLE & set(app.view_functions))
