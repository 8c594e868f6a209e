"""Links mailed to the owner of an account: e-mail confirmation, password reset and e-mail
change (whose row also holds the address asked for, ``new_email``).

Each link carries a random token (256 bits, ``secrets.token_urlsafe(32)``); the database
keeps only its SHA-256 (``account_tokens.token_hash``), so a copy of the table opens
nothing. A token is

- bound to one account and one purpose (a confirmation token resets no password);
- expiring: ``EMAIL_CONFIRMATION_LIFETIME`` (3 days), ``PASSWORD_RESET_LIFETIME`` (1 h) or
  ``EMAIL_CHANGE_LIFETIME`` (1 day);
- single use: using it deletes every token of that account and purpose;
- replaced by a newer one of the same purpose (issuing deletes the older ones), and the
  reset and e-mail change tokens are deleted by a password change.

Every function takes ``now`` (default :func:`participa.db.utcnow`), so tests move the clock
instead of waiting. Services flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from participa.accounts.models import AccountToken, TokenPurpose, User
from participa.db import utcnow
from participa.extensions import db

LIFETIME_KEYS = {
    TokenPurpose.CONFIRM_EMAIL: "EMAIL_CONFIRMATION_LIFETIME",
    TokenPurpose.RESET_PASSWORD: "PASSWORD_RESET_LIFETIME",
    TokenPurpose.CHANGE_EMAIL: "EMAIL_CHANGE_LIFETIME",
}
MAX_TOKEN_LENGTH = 100  # what a link may carry; longer is not one of ours


def digest(token: str) -> str:
    """What is stored of a token: its SHA-256, in hexadecimal."""
    return hashlib.sha256(token.encode()).hexdigest()


def lifetime(purpose: TokenPurpose) -> timedelta:
    """How long a token of ``purpose`` stays valid (a ``timedelta`` or seconds in config)."""
    value = current_app.config[LIFETIME_KEYS[purpose]]
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))


def issue(
    user: User,
    purpose: TokenPurpose,
    *,
    now: datetime | None = None,
    new_email: str | None = None,
) -> str:
    """A new token of ``purpose`` for ``user`` (an e-mail change's with the ``new_email``
    asked for); the earlier ones of that purpose stop working, and expired tokens of anyone
    are swept away. Returns the token (for the link only: never stored nor logged)."""
    now = now or utcnow()
    db.session.execute(delete(AccountToken).where(AccountToken.expires_at <= now))
    revoke(user, purpose)
    token = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=digest(token),
            created_at=now,
            expires_at=now + lifetime(purpose),
            new_email=new_email,
        )
    )
    db.session.flush()
    return token


def holder(token: str | None, purpose: TokenPurpose, *, now: datetime | None = None) -> User | None:
    """The account whose valid (unexpired, unused, latest) token of ``purpose`` is
    ``token``, else None; the token stays valid (see :func:`redeem`)."""
    found = find(token, purpose, now=now)
    return found[0] if found else None


def find(
    token: str | None, purpose: TokenPurpose, *, now: datetime | None = None
) -> tuple[User, AccountToken] | None:
    """The account and the row of a valid token of ``purpose``, else None (one query)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    now = now or utcnow()
    row = db.session.execute(
        select(User, AccountToken)
        .join(AccountToken, AccountToken.user_id == User.id)
        .where(
            AccountToken.token_hash == digest(token),
            AccountToken.purpose == purpose,
            AccountToken.expires_at > now,
        )
    ).first()
    return (row[0], row[1]) if row else None


def redeem(token: str | None, purpose: TokenPurpose, *, now: datetime | None = None) -> User | None:
    """Use ``token``: the account it was issued to, or None if it is not a valid token of
    ``purpose`` (unknown, altered, expired, used, replaced). Using it ends every token of
    that account and purpose."""
    user = holder(token, purpose, now=now)
    if user is not None:
        revoke(user, purpose)
    return user


def revoke(user: User, purpose: TokenPurpose) -> None:
    """Every token of ``user`` for ``purpose`` stops working (flushed)."""
    db.session.execute(
        delete(AccountToken).where(AccountToken.user_id == user.id, AccountToken.purpose == purpose)
    )
    db.session.flush()
