"""What each person chose to hear of, per topic and channel (everything on by default).

Only the opt-outs are stored (``notification_optouts``), and only for the pairs declared
optional (:func:`participa.notifications.kinds.optional_choices`): a forged form naming an
always-on topic changes nothing, and :func:`channels_for` never reads one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import delete, select

from participa.extensions import db
from participa.notifications.kinds import KINDS, Channel, Policy, optional_choices, topic_of
from participa.notifications.models import NotificationOptOut

_MAX_LISTED = 1000  # beyond, the ids are not listed in the query (drivers cap parameters)


def opted_out(user_id: int) -> set[tuple[str, Channel]]:
    """The (topic, channel) pairs ``user_id`` turned off."""
    rows = db.session.execute(
        select(NotificationOptOut.topic, NotificationOptOut.channel).where(
            NotificationOptOut.user_id == user_id
        )
    ).all()
    return {(topic, Channel(channel)) for topic, channel in rows}


def save_preferences(user_id: int, chosen: Mapping[tuple[str, Channel], bool]) -> None:
    """Store what ``user_id`` wants of each optional (topic, channel): a pair missing from
    ``chosen`` or set False is off. Pairs that are not optional are ignored. Flushes."""
    db.session.execute(delete(NotificationOptOut).where(NotificationOptOut.user_id == user_id))
    off = [pair for pair in optional_choices() if not chosen.get(pair, False)]
    db.session.add_all(
        NotificationOptOut(user_id=user_id, topic=topic, channel=str(channel))
        for topic, channel in off
    )
    db.session.flush()


def channels_for(user_ids: Sequence[int], kind: str) -> dict[int, tuple[bool, bool]]:
    """Per person of ``user_ids``: (by e-mail, in the application) for a notification of
    ``kind``, from its declared policy and, where optional, their opt-outs (one query, and
    none when nothing about the kind is optional). :class:`UnknownKind` if undeclared."""
    topic = topic_of(kind)
    off: set[tuple[int, str]] = set()
    if Policy.OPTIONAL in (topic.email, topic.in_app) and user_ids:
        query = select(NotificationOptOut.user_id, NotificationOptOut.channel).where(
            NotificationOptOut.topic == KINDS[kind]
        )
        if len(user_ids) <= _MAX_LISTED:  # else every opt-out of the topic, read once
            query = query.where(NotificationOptOut.user_id.in_(user_ids))
        off = {(user_id, channel) for user_id, channel in db.session.execute(query)}

    def wanted(user_id: int, channel: Channel) -> bool:
        policy = topic.policy(channel)
        if policy == Policy.OPTIONAL:
            return (user_id, str(channel)) not in off
        return policy == Policy.ALWAYS

    return {
        user_id: (wanted(user_id, Channel.EMAIL), wanted(user_id, Channel.IN_APP))
        for user_id in user_ids
    }
