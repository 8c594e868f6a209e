"""How large a request body a view accepts: the site-wide ``MAX_CONTENT_LENGTH``, or more
for a view that says so with :func:`body_limit` (an upload form with a photo).

The limit is decided by the request itself (:class:`Request`, the application's
``request_class``) from the view its URL matched, so it holds before anything reads the
body, Flask-WTF's CSRF check included; no hook has to run first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import flask
from flask import current_app

View = TypeVar("View", bound=Callable[..., Any])


def body_limit(size: int) -> Callable[[View], View]:
    """A decorator: the view accepts request bodies of up to ``size`` bytes."""

    def decorator(view: View) -> View:
        view.body_limit = size  # type: ignore[attr-defined]  # read by Request
        return view

    return decorator


class Request(flask.Request):
    """Flask's request, whose body limit is the matched view's :func:`body_limit`, if any."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is not None:  # set on this request
            return self._max_content_length
        rule = self.url_rule
        if rule is not None and current_app:
            limit = getattr(current_app.view_functions.get(rule.endpoint), "body_limit", None)
            if limit is not None:
                return int(limit)
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value
