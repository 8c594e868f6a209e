"""Errors raised by domain services; views turn them into flashed messages and 4xx codes."""


class DomainError(Exception):
    """A request that the rules refuse. ``message`` is shown to the person, as is."""

    status_code = 400

    def __init__(self, message: str, *details: str) -> None:
        super().__init__(message)
        self.message = message
        self.details = list(details)


class NotAllowed(DomainError):
    """The action is not open now (wrong phase) or not for this person."""

    status_code = 403


class Invalid(DomainError):
    """The input breaks a rule; nothing was stored."""

    status_code = 422


class Conflict(DomainError):
    """The input clashes with stored data (e.g. an e-mail already registered)."""

    status_code = 409
