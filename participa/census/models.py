"""The municipal census, kept only as salted hashes, and verified identities.

A document identifier (CURP, voter card number) never touches the database: the census
stores ``HMAC(salt, document)`` and ``HMAC(salt, document | birth date)``. An identity is
one person of the census who verified once; one identity per document, one account per
identity, one ballot per identity and budget whatever the channel.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participa.db import utcnow
from participa.extensions import Model
from participa.processes.models import District


class CensusEntry(Model):
    __tablename__ = "census_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_hash: Mapped[str] = mapped_column(String(64), unique=True)
    check_hash: Mapped[str] = mapped_column(String(64))  # document and birth date together
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    district: Mapped[District | None] = relationship()


class Identity(Model):
    """A census person who has verified (online) or been checked in (at a booth)."""

    __tablename__ = "identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_hash: Mapped[str] = mapped_column(String(64), unique=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    district: Mapped[District | None] = relationship()


class IdentityConflict(Model):
    """A second account that tried to verify with a document already taken (for admins)."""

    __tablename__ = "identity_conflicts"
    __table_args__ = (UniqueConstraint("identity_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("identities.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User", foreign_keys=[user_id])
    identity: Mapped[Identity] = relationship()


class CensusKey(Model):
    """A fingerprint of the key the census was hashed with (one row), checked before every
    use of the census: hashes made with another key would make every person a stranger
    (a second identity, a second ballot), so a changed key stops the census instead."""

    __tablename__ = "census_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
