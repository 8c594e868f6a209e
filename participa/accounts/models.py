"""People who use Participa."""

from collections.abc import MutableMapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import gettext
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement
from werkzeug.security import check_password_hash, generate_password_hash

from participa.db import utcnow
from participa.extensions import Model

# werkzeug's scrypt (N=2^15, r=8, p=1); a stored hash of another method is redone at login
PASSWORD_METHOD = "scrypt:32768:8:1"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


class Role(StrEnum):
    RESIDENT = "resident"
    EVALUATOR = "evaluator"  # reviews proposals: feasibility, cost, reasons
    MODERATOR = "moderator"  # hides or restores reported content
    OFFICER = "officer"  # at an in-person booth: checks people in, records paper ballots
    ADMIN = "admin"


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('resident', 'evaluator', 'moderator', 'officer', 'admin')", name="role_known"
        ),
        CheckConstraint("locale IS NULL OR locale IN ('es_MX', 'en')", name="locale_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # the stored name; ``name`` reads "Cuenta eliminada" for a deleted account
    stored_name: Mapped[str] = mapped_column("name", String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.RESIDENT)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    identity_id: Mapped[int | None] = mapped_column(ForeignKey("identities.id"), unique=True)
    # blocked by moderation: cannot sign in, and every session of the account has ended
    blocked_at: Mapped[datetime | None]
    # when the owner opened the confirmation link mailed to ``email`` (or reset the
    # password through it); None: not confirmed (participa.accounts.tokens)
    email_confirmed_at: Mapped[datetime | None]
    # the owner deleted the account (participa.accounts.deletion): the row stays, emptied of
    # every personal datum, so that what it cast (ballots, supports) keeps pointing somewhere
    deleted_at: Mapped[datetime | None]
    # the interface language the owner chose on the profile page ("es_MX", "en"); None:
    # the one of the browser or the session (participa.i18n.select_locale)
    locale: Mapped[str | None] = mapped_column(String(10))

    district = relationship("District")

    @hybrid_property
    def name(self) -> str:
        """The person's name; "Cuenta eliminada" wherever a deleted account is shown."""
        if self.deleted_at is not None:
            return gettext("Cuenta eliminada")
        return self.stored_name

    @name.inplace.setter
    def _name_setter(self, value: str) -> None:
        self.stored_name = value

    @name.inplace.expression
    @classmethod
    def _name_expression(cls) -> ColumnElement[str]:
        return cls.stored_name  # type: ignore[return-value]

    @name.inplace.bulk_dml
    @classmethod
    def _name_bulk_dml(cls, mapping: MutableMapping[str, Any], value: str) -> None:
        """ORM bulk INSERT/UPDATE (a list of dicts) may name ``name``: it is ``stored_name``."""
        mapping["stored_name"] = value

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def has_role(self, *roles: Role) -> bool:
        """Administrators can do everything the other staff roles can."""
        return self.role == Role.ADMIN or self.role in roles

    @property
    def is_verified(self) -> bool:
        return self.identity_id is not None

    @property
    def is_confirmed(self) -> bool:
        """The owner proved they read mail at ``email``."""
        return self.email_confirmed_at is not None

    @property
    def is_blocked(self) -> bool:
        return self.blocked_at is not None

    @property
    def is_active(self) -> bool:
        """Flask-Login's flag: a blocked or deleted account cannot be signed in."""
        return self.blocked_at is None and self.deleted_at is None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserSession(Model):
    """One signed-in browser (a session cookie carries its random token; only the token's
    SHA-256 is stored). A cookie whose row is gone is anonymous: logging out deletes the
    row, and "log out everywhere", a password change and blocking delete all of the
    account's rows."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_created_at", "created_at"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TokenPurpose(StrEnum):
    CONFIRM_EMAIL = "confirm_email"
    RESET_PASSWORD = "reset_password"
    CHANGE_EMAIL = "change_email"  # carries the requested address (``new_email``)


class AccountToken(Model):
    """A link mailed to the owner of an account: its random token is in the link only, the
    database holds its SHA-256. Single use (the row is deleted when used), expiring
    (``expires_at``), and one per account and purpose (a newer one replaces it; a password
    change deletes the reset and e-mail change ones)."""

    __tablename__ = "account_tokens"
    __table_args__ = (
        CheckConstraint(
            "purpose IN ('confirm_email', 'reset_password', 'change_email')", name="purpose_known"
        ),
        Index("ix_account_tokens_user_id_purpose", "user_id", "purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    # a change of e-mail: the address asked for, switched to when the link mailed there is
    # opened (participa.accounts.email_change)
    new_email: Mapped[str | None] = mapped_column(String(254))
