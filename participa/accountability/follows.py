"""Residents following execution items to be told of their changes.

:func:`follow` and :func:`unfollow` add and remove a follow; :func:`is_following` and
:func:`followers_count` are read by the item page.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from participa.accountability.models import ExecutionItem, ItemFollow
from participa.extensions import db
from participa.sql import insert_ignoring_conflicts


def is_following(item: ExecutionItem, user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        db.session.scalar(
            select(ItemFollow.id).where(
                ItemFollow.item_id == item.id, ItemFollow.user_id == user.id
            )
        )
        is not None
    )


def follow(item: ExecutionItem, user: Any) -> bool:
    """Follow an item (told of its changes); False if already following."""
    inserted = db.session.scalar(
        insert_ignoring_conflicts(ItemFollow, ["user_id", "item_id"])
        .values(user_id=user.id, item_id=item.id)
        .returning(ItemFollow.id)
    )
    return inserted is not None


def unfollow(item: ExecutionItem, user: Any) -> bool:
    """Stop following an item; False if not following."""
    row = db.session.scalar(
        select(ItemFollow).where(ItemFollow.item_id == item.id, ItemFollow.user_id == user.id)
    )
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    return True


def followers_count(item: ExecutionItem) -> int:
    return db.session.scalars(
        select(func.count(ItemFollow.id)).where(ItemFollow.item_id == item.id)
    ).one()
