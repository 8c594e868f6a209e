"""The preferences form: a checkbox per optional (topic, channel), named ``topic-channel``."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField

from participa.notifications.kinds import Channel, optional_choices


def field_name(topic: str, channel: Channel | str) -> str:
    return f"{topic}-{channel}"


class PreferencesForm(FlaskForm):
    """Only the optional pairs are fields: an always-on topic posted anyway is ignored."""

    def chosen(self) -> dict[tuple[str, Channel], bool]:
        return {
            (topic, channel): bool(self[field_name(topic, channel)].data)
            for topic, channel in optional_choices()
        }


for _topic, _channel in optional_choices():
    setattr(PreferencesForm, field_name(_topic, _channel), BooleanField())
