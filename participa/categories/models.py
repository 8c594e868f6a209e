"""A category of proposals and projects, defined by administrators.

Proposals and projects keep the category's ``slug`` in their ``category`` column, with a
foreign key to ``categories.slug``: the key published in open data and accepted by the API
never changes once created (the names do), and a category in use cannot be deleted, only
archived (no longer offered for new proposals and projects, still shown on the old ones).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import get_locale
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from participa.db import utcnow
from participa.extensions import Model

SLUG_MAX = 40
NAME_MAX = 80


class Category(Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))  # Spanish: the open data's label
    name_en: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def label(self) -> str:
        """The name in the visitor's language (English when one was given)."""
        locale = get_locale()
        if self.name_en and locale is not None and locale.language == "en":
            return self.name_en
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None
