"""Confirmation before an irreversible action, with or without JavaScript.

The POST view of such an action is decorated with :func:`confirm_first`. A form that says it
was confirmed (``confirmado=1``) goes through; any other answers with a confirmation page
that asks the question and posts the same form again, confirmed, or goes back. Browsers
with JavaScript ask the same question first in a ``<dialog>`` (``static/js/confirm.js``,
for forms marked ``data-confirm``) and post the form confirmed, so the page is then never
seen. Nothing changes until the confirmed form arrives. The guards and the CSRF check run
before: a visitor who may not act never sees the question.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import render_template, request

CONFIRMED = "confirmado"
View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class Question:
    """What the confirmation page asks, the button that confirms, and where "no" goes."""

    question: str
    button: str
    back: str
    details: str = ""


def confirm_first(ask: Callable[..., Question]) -> Callable[[View], View]:
    """A decorator for the POST view of an irreversible action: ``ask(**view_args)`` is the
    :class:`Question` of the confirmation page shown until the form comes back confirmed."""

    def decorator(view: View) -> View:
        @wraps(view)
        def confirmed_first(*args: Any, **kwargs: Any) -> Any:
            if request.form.get(CONFIRMED) == "1":
                return view(*args, **kwargs)
            fields = [(k, v) for k, v in request.form.items(multi=True) if k != CONFIRMED]
            return render_template(
                "confirm.html",
                ask=ask(**kwargs),
                fields=fields,
                action=request.full_path.rstrip("?"),
                confirmed=CONFIRMED,
            )

        return confirmed_first  # type: ignore[return-value]  # same signature as view

    return decorator
