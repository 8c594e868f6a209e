"""Optional error reports to Sentry (``SENTRY_DSN``), with nothing personal in them: no
IP address or user (``data_collection``, sentry-sdk 3's ``send_default_pii=False``), and
:func:`scrub` removes cookies, the ``Authorization`` header, form and JSON bodies and
query strings before anything leaves.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

logger = logging.getLogger(__name__)
DROPPED_HEADERS = {"cookie", "authorization", "proxy-authorization", "x-csrftoken", "set-cookie"}


def scrub(event: dict[str, Any], _hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """``before_send``: the request of an event keeps its method and path, its headers
    but the ones that carry credentials, and nothing of its body or query string; the
    command line is dropped (``--broker redis://:password@...`` would be in it)."""
    extra = event.get("extra")
    if isinstance(extra, dict):
        extra.pop("sys.argv", None)
    found = event.get("request")
    if isinstance(found, dict):
        found.pop("cookies", None)
        found.pop("data", None)
        found.pop("query_string", None)
        if isinstance(found.get("url"), str):
            found["url"] = found["url"].split("?", 1)[0]
        headers = found.get("headers")
        if isinstance(headers, dict):
            found["headers"] = {
                name: value
                for name, value in headers.items()
                if name.lower() not in DROPPED_HEADERS
            }
    return event


def init_sentry(app: Flask) -> bool:
    """Start reporting errors when ``SENTRY_DSN`` is set (web, worker and beat: each
    builds the app). Whether it started."""
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.flask import FlaskIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[FlaskIntegration(), CeleryIntegration()],
        auto_enabling_integrations=False,  # no patching of SQLAlchemy, Redis... beyond these
        # sentry-sdk 3's form of send_default_pii=False, stricter: no user, cookie, body,
        # query string or local variable of a frame (it may hold a password or a token)
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "stack_frame_variables": False,
        },
        max_request_body_size="never",
        before_send=scrub,  # type: ignore[arg-type]
        environment=app.config.get("SENTRY_ENVIRONMENT") or None,
        traces_sample_rate=0.0,
    )
    logger.info("error reports go to Sentry")
    return True
