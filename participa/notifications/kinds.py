"""Every kind of notification, classified in one declared map: what it is about (its
topic) and, per channel (e-mail, in the application), whether the resident may turn it off.

:data:`KINDS` names each kind that :func:`participa.notifications.services.notify` may be
given; an unknown kind is refused there (and ``tests/functional/test_notifications.py``
finds every kind the code sends and fails on one missing here). :data:`TOPICS` are the
rows of the preferences page (``/cuenta/notificaciones``).

- ``OPTIONAL``: on unless the resident turned it off (the default is everything on);
- ``ALWAYS``: sent whatever is stored or posted (receipts, account and moderation notices);
- ``NEVER``: not on that channel at all. Account mails carry personal links (a confirmation
  or reset token): they only go to the mailbox, and are never shown in the application.

A notification shown in the application never shows its sealed secret (a receipt code):
:func:`participa.notifications.inbox.in_app_text` puts a plain phrase in its place.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l


class Policy(StrEnum):
    OPTIONAL = "optional"
    ALWAYS = "always"
    NEVER = "never"


class Channel(StrEnum):
    EMAIL = "email"
    IN_APP = "in_app"


@dataclass(frozen=True)
class Topic:
    label: LazyString
    email: Policy
    in_app: Policy
    reason: LazyString | None = None  # why a channel cannot be turned off (or on)

    def policy(self, channel: Channel) -> Policy:
        return self.email if channel == Channel.EMAIL else self.in_app


ANSWERS, PHASES, WORKS = "answers", "phases", "works"
RECEIPTS, MODERATION, ACCOUNT = "receipts", "moderation", "account"
PERSONAL_DATA = "personal_data"

TOPICS: dict[str, Topic] = {
    ANSWERS: Topic(_l("Respuestas a mis propuestas"), Policy.OPTIONAL, Policy.OPTIONAL),
    PHASES: Topic(_l("Fases de los procesos que sigo"), Policy.OPTIONAL, Policy.OPTIONAL),
    WORKS: Topic(_l("Avances de las obras y proyectos que sigo"), Policy.OPTIONAL, Policy.OPTIONAL),
    RECEIPTS: Topic(
        _l("Comprobantes de mi voto"),
        Policy.ALWAYS,
        Policy.ALWAYS,
        _l(
            "Siempre se envían: el comprobante es tu prueba de que tu boleta quedó "
            "registrada. En la aplicación se muestra sin el código."
        ),
    ),
    MODERATION: Topic(
        _l("Avisos de moderación sobre lo que publiqué"),
        Policy.ALWAYS,
        Policy.ALWAYS,
        _l("Siempre se envían: tienes derecho a saber cuándo y por qué se ocultó algo tuyo."),
    ),
    PERSONAL_DATA: Topic(
        _l("Mis solicitudes sobre mis datos personales"),
        Policy.ALWAYS,
        Policy.ALWAYS,
        _l("Siempre se envían: son la respuesta a un derecho que ejerciste."),
    ),
    ACCOUNT: Topic(
        _l("Mi cuenta y su seguridad"),
        Policy.ALWAYS,
        Policy.NEVER,
        _l(
            "Siempre llegan a tu correo y nunca se muestran en la aplicación: llevan enlaces "
            "personales (confirmar tu correo, crear una contraseña)."
        ),
    ),
}

# kind -> topic: every kind that notify() may be given
KINDS: dict[str, str] = {
    "proposal_answered": ANSWERS,
    "phase_opened": PHASES,
    "execution_milestone": WORKS,
    "execution_update": WORKS,
    "ballot_confirmed": RECEIPTS,
    "content_hidden": MODERATION,
    "email_confirmation": ACCOUNT,
    "password_reset": ACCOUNT,
    "registration_attempt": ACCOUNT,
    "password_changed": ACCOUNT,
    # an e-mail change: the link and "already used" go to the new address (never in the
    # application: shown under the asking account, they would tell whether it was free)
    "email_change_link": ACCOUNT,
    "email_change_taken": ACCOUNT,
    "email_change_asked": ACCOUNT,
    "email_changed": ACCOUNT,
    # a request about one's personal data answered (participa.legal.requests), the archive
    # of one's data ready (participa.accounts.export_tasks)
    "data_request_answered": PERSONAL_DATA,
    "data_export_ready": PERSONAL_DATA,
}


class UnknownKind(ValueError):
    def __init__(self, kind: str) -> None:
        super().__init__(f"notification kind {kind!r} is not declared in KINDS")


def topic_of(kind: str) -> Topic:
    """The topic of ``kind``; :class:`UnknownKind` if it is not declared."""
    try:
        return TOPICS[KINDS[kind]]
    except KeyError:
        raise UnknownKind(kind) from None


def optional_choices() -> list[tuple[str, Channel]]:
    """The (topic, channel) pairs a resident may turn off, in the page's order."""
    return [
        (name, channel)
        for name, topic in TOPICS.items()
        for channel in Channel
        if topic.policy(channel) == Policy.OPTIONAL
    ]
