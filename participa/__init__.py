"""Participa: participatory processes, proposals, budgets, ballots and open results."""

from participa.app import create_app

__all__ = ["create_app"]
