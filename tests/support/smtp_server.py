"""Mail servers for the outbox's tests, on free local ports.

``SMTPServer``: aiosmtpd (a real SMTP server) in a thread of its own, keeping every message
it receives and counting the connections made to it; ``drop_after=k`` closes the first
connection once it has carried ``k`` messages, as a server closes a connection it finds
idle or too old. ``SilentServer``: accepts a TCP connection and never says a word (a mail
server that hangs), and records whether the client gave up and hung up."""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from email import policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _CountingSMTP(SMTP):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.event_handler.connected()
        super().connection_made(transport)


class _Handler:
    def __init__(self, drop_after: int | None) -> None:
        self.drop_after = drop_after
        self.connections = 0
        self.messages: list[tuple[EmailMessage, list[str], Any]] = []  # message, to, peer
        self._per_connection: dict[int, int] = {}
        self._dropped = False
        self._lock = threading.Lock()

    def connected(self) -> None:
        with self._lock:
            self.connections += 1

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        message = email.message_from_bytes(content, policy=policy.default)
        with self._lock:
            self.messages.append((message, list(envelope.rcpt_tos), session.peer))  # type: ignore[arg-type]
            carried = self._per_connection[id(server)] = self._per_connection.get(id(server), 0) + 1
            drop = not self._dropped and carried == self.drop_after
            self._dropped = self._dropped or drop
        if drop and server.transport is not None:  # once this reply is written
            asyncio.get_running_loop().call_soon(server.transport.close)
        return "250 OK"


class _Controller(Controller):
    def factory(self) -> SMTP:
        return _CountingSMTP(self.handler, **self.SMTP_kwargs)


class SMTPServer:
    """``with SMTPServer() as server:`` aiosmtpd on 127.0.0.1:``server.port``."""

    def __init__(self, drop_after: int | None = None) -> None:
        self._handler = _Handler(drop_after)
        self.port = free_port()
        self._controller = _Controller(self._handler, hostname="127.0.0.1", port=self.port)

    @property
    def connections(self) -> int:
        """Connections the client made (aiosmtpd's own check at start not counted)."""
        return self._handler.connections

    @property
    def received(self) -> list[tuple[list[str], str, str]]:
        """(recipients, subject, body) of every message, in order."""
        with self._handler._lock:
            messages = list(self._handler.messages)
        return [(to, str(m["Subject"]), m.get_content().strip()) for m, to, _ in messages]

    @property
    def peers(self) -> list[Any]:
        """The client's address and port of each message: one per connection."""
        with self._handler._lock:
            return [peer for _m, _to, peer in self._handler.messages]

    def __enter__(self) -> SMTPServer:
        self._controller.start()
        self._handler.connections = 0  # the controller's own check that it started
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


class SilentServer:
    """``with SilentServer() as server:`` accepts connections on 127.0.0.1:``server.port``
    and never answers. ``server.client_left`` is set once the client hung up; if it never
    does, the server gives up after ``guard`` seconds (so that a test without a client
    timeout fails instead of hanging) and ``server.guard_fired`` is set instead."""

    def __init__(self, guard: float = 60.0) -> None:
        self.guard = guard
        self.connected = threading.Event()
        self.client_left = threading.Event()
        self.guard_fired = threading.Event()
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen()
        self.port = int(self._socket.getsockname()[1])

    def _serve(self) -> None:
        try:
            connection, _peer = self._socket.accept()
        except OSError:  # closed by __exit__ before anyone connected
            return
        self.connected.set()
        with connection:
            connection.settimeout(self.guard)
            try:
                while connection.recv(1024):  # whatever the client says, no answer
                    pass
                self.client_left.set()
            except TimeoutError:
                self.guard_fired.set()
            except OSError:  # reset by the client: it left too
                self.client_left.set()

    def __enter__(self) -> SilentServer:
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._socket.close()
