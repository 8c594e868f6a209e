"""The versioned read-only JSON API, ``/api/v1``, and its OpenAPI 3 document.

flask-smorest builds the document from the code (the marshmallow schemas of
:mod:`participa.api.schemas` and the decorators of :mod:`participa.api.views`) and serves it
at ``/api/v1/openapi.json``. Errors raised inside the API are JSON (``code``, ``status``,
``message``); the rest of the site keeps its HTML error pages.
"""

from flask import Flask, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

API_PREFIX = "/api/v1"
TAGS = {
    "processes": "Participatory processes and their dated phases.",
    "proposals": "Residents' proposals (hidden ones never appear).",
    "budgets": "Budgets, their ballot rules and their projects.",
    "results": "Published tally outcomes.",
    "datasets": "Open-data publications and their files.",
}


class ReadApi(Api):
    """flask-smorest's Api without its application-wide JSON error handler: the API's
    blueprint has its own (:func:`participa.api.views.json_error`). No catch-all ``default``
    response is documented: each operation lists the error codes it can answer, so a client
    (and schemathesis' status-code check) can rely on them."""

    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self) -> None:
        pass


def answer_routing_errors_in_json():
    """A request under ``/api/v1`` that matched no route or method (a 405 for ``POST`` or
    ``TRACE``) is answered in JSON, with its ``Allow`` header. Flask raises routing errors
    outside any blueprint, so the API blueprint's own handlers would not see them.

    Registered by ``create_app`` before the CSRF check, which would otherwise answer an
    unknown ``POST`` first (hooks run in the order they are registered)."""
    error = request.routing_exception
    if (
        isinstance(error, HTTPException)
        and (error.code or 0) >= 400
        and (request.path == API_PREFIX or request.path.startswith(f"{API_PREFIX}/"))
    ):
        from participa.api.views import json_error

        return json_error(error)
    return None


def init_api(app: Flask) -> Api:
    """Register the API blueprint and the OpenAPI document on ``app``."""
    from participa.api.views import blp

    app.config.setdefault("API_TITLE", "Participa API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": "Read-only public data of Participa: processes and their "
                "phases, proposals, budgets and projects, published results and open-data "
                "publications. Lists are paginated with `page` and `per_page` (at most 100). "
                "No personal data is exposed."
            }
        },
    )
    api = ReadApi(app)
    api.register_blueprint(blp)
    for name, description in TAGS.items():
        api.spec.tag({"name": name, "description": description})
    return api
