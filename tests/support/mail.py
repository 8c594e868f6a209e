"""The messages the application wrote to its mail folder (``MAIL_OUTBOX_DIR``: no mail
server, as in ``make demo``), and the links in them."""

from __future__ import annotations

import email
import re
from email import policy
from email.message import EmailMessage
from pathlib import Path

LINK = re.compile(r"https?://\S+/cuenta/(?:confirmar|restablecer|cambiar-correo)/[A-Za-z0-9_\-]+")


class Outbox:
    """The folder a test application writes its messages to."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def messages(self, to: str | None = None) -> list[EmailMessage]:
        """Every message written, oldest first (optionally only those to ``to``)."""
        found = []
        files = sorted(self.folder.glob("*.eml"), key=lambda p: int(p.stem))
        for path in files:
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            assert isinstance(message, EmailMessage)
            if to is None or message["To"] == to:
                found.append(message)
        return found

    def last(self, to: str) -> EmailMessage:
        messages = self.messages(to)
        assert messages, f"no message to {to}"
        return messages[-1]

    def link(self, to: str, kind: str = "") -> str:
        """The link (confirmation or reset: ``kind`` is a part of its path) of the latest
        message to ``to`` that has one."""
        for message in reversed(self.messages(to)):
            body = body_of(message)
            for found in LINK.findall(body):
                if kind in found:
                    return found
        raise AssertionError(f"no {kind or 'account'} link mailed to {to}")


def body_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return part.get_content()


def path_of(link: str) -> str:
    """The path of a mailed link (the test client speaks to the app, not to a host)."""
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]
