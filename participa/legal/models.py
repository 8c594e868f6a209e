"""Legal documents (the privacy notice, complete and simplified, and the terms of use) in
immutable versions; which versions each account accepted; and the rectification and
opposition requests of residents (ARCO rights, LGPDPPSO).

A published version is never edited: publishing writes a new row with the next number.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from participa.db import utcnow
from participa.extensions import Model


class DocumentKind(StrEnum):
    PRIVACY = "privacy"  # aviso de privacidad integral
    PRIVACY_SHORT = "privacy_short"  # aviso de privacidad simplificado
    TERMS = "terms"  # términos de uso


#: The documents a person accepts (the simplified notice summarises the complete one).
ACCEPTED_KINDS = (DocumentKind.PRIVACY, DocumentKind.TERMS)

BODY_MAX = 60_000


class LegalDocument(Model):
    """One published version of a legal document: never changed once written."""

    __tablename__ = "legal_documents"
    __table_args__ = (
        UniqueConstraint("kind", "version"),
        CheckConstraint("kind IN ('privacy', 'privacy_short', 'terms')", name="kind_known"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    version: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Consent(Model):
    """An account accepted a version of a document."""

    __tablename__ = "consents"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "version"),
        CheckConstraint("kind IN ('privacy', 'privacy_short', 'terms')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    version: Mapped[int]
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)


class RequestKind(StrEnum):
    RECTIFY_CENSUS = "rectify_census"  # the census / verification data
    RECTIFY_ACCOUNT = "rectify_account"  # name, e-mail, district of the account
    OPPOSE = "oppose"  # opposition to one processing (``DataRequest.processing``)


class Processing(StrEnum):
    """The processings a resident may oppose."""

    PUBLIC_NAME = "public_name"  # the name shown beside proposals and comments
    OPTIONAL_EMAIL = "optional_email"  # e-mails that are not required
    STATISTICS = "statistics"  # statistical use of participation data


class RequestStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"


DETAILS_MAX = 2000
ANSWER_MAX = 4000


class DataRequest(Model):
    """A request to rectify data or to oppose a processing, and its answer."""

    __tablename__ = "data_requests"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('rectify_census', 'rectify_account', 'oppose')", name="kind_known"
        ),
        CheckConstraint("status IN ('pending', 'accepted', 'refused')", name="status_known"),
        CheckConstraint(
            "(kind = 'oppose') = (processing IS NOT NULL)", name="processing_when_opposing"
        ),
        Index("ix_data_requests_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    processing: Mapped[str | None] = mapped_column(String(20))
    details: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=RequestStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_on: Mapped[date]  # the legal deadline to answer (20 business days)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def is_pending(self) -> bool:
        return self.status == RequestStatus.PENDING
