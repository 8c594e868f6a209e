"""Participa: participatory processes, proposals, budgets, ballots and open results.

The package itself loads nothing: ``participa.tallying`` (the counting rules and the
Pabulib reader) imports without Flask, SQLAlchemy or Celery, as a library. The web
application is built by :func:`participa.app.create_app`, also reachable as
``participa.create_app`` for ``flask --app participa`` and ``gunicorn 'participa:create_app()'``.
"""

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    """``participa.create_app``, loaded on first use (PEP 562)."""
    if name == "create_app":
        from participa.app import create_app

        return create_app
    raise AttributeError(f"module 'participa' has no attribute {name!r}")
