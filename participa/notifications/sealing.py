"""Secrets that wait in the notification outbox (a ballot's receipt code) are sealed.

A notification that carries a secret stores its body with :data:`PLACEHOLDER` where the
secret goes, and the secret itself in ``notifications.secret`` encrypted and authenticated
with Fernet (AES-128-CBC and HMAC-SHA256, from ``cryptography``). The key is derived from
``SECRET_KEY`` with HMAC-SHA256 (keys in ``SECRET_KEY_FALLBACKS`` still open what they
sealed, so a rotation loses nothing waiting). The worker opens it only to write the
message, and erases it once the message is sent or given up: the database never holds the
code in the clear, and holds it sealed only until it is sent.

No key is ever derived from a missing secret: without ``SECRET_KEY`` (a ``flask`` command
run without one) sealing and opening raise :class:`MissingSecret`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

PLACEHOLDER = "[[secret]]"
_CONTEXT = b"participa-notification-secret"
_ciphers: dict[tuple, MultiFernet] = {}


class MissingSecret(RuntimeError):
    """``SECRET_KEY`` is not set: nothing can be sealed or opened."""

    def __init__(self) -> None:
        super().__init__("SECRET_KEY must be set to seal or open a notification's secret.")


def _key(secret_key: str | bytes) -> bytes:
    raw = secret_key if isinstance(secret_key, bytes) else str(secret_key).encode()
    return base64.urlsafe_b64encode(hmac.new(raw, _CONTEXT, hashlib.sha256).digest())


def _cipher() -> MultiFernet:
    """Fernet with the key of ``SECRET_KEY`` first, then those of its fallbacks."""
    config = current_app.config
    if not config.get("SECRET_KEY"):
        raise MissingSecret()
    fallbacks = (k for k in config.get("SECRET_KEY_FALLBACKS") or () if k)
    keys = (config["SECRET_KEY"], *fallbacks)
    cipher = _ciphers.get(keys)
    if cipher is None:
        cipher = _ciphers[keys] = MultiFernet([Fernet(_key(k)) for k in keys])
    return cipher


def seal(secret: str) -> str:
    """``secret`` encrypted and authenticated (a Fernet token, ASCII)."""
    return _cipher().encrypt(secret.encode()).decode("ascii")


def unseal(token: str) -> str:
    """The secret sealed in ``token``. ``ValueError`` if no current key opens it (the
    message can then never be written: ``send_pending`` gives it up)."""
    try:
        return _cipher().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as error:
        raise ValueError("the notification's secret cannot be opened with SECRET_KEY") from error


def fill(body: str, token: str | None) -> str:
    """The body to send: the sealed secret, opened, in place of :data:`PLACEHOLDER`.

    ``ValueError`` if the body has a place for a secret and there is none (erased because
    the message was too old to be sent): the placeholder itself is never sent."""
    if token is None:
        if PLACEHOLDER in body:
            raise ValueError("the notification's secret was erased: its message cannot be written")
        return body
    return body.replace(PLACEHOLDER, unseal(token))
