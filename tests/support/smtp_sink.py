"""A mail server for tests: speaks enough SMTP for ``smtplib`` on a free local port, keeps
every message it receives, delivers none. The application (or a worker subprocess) sends
to it as to any server (``MAIL_SERVER=127.0.0.1``, ``MAIL_PORT=sink.port``).

``SMTPSink(refuse=550)`` refuses every recipient with that code, quoting the address in
its reply as real servers do."""

from __future__ import annotations

import email
import socketserver
import threading
from email import policy
from email.message import EmailMessage


class _Handler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        sink: SMTPSink = self.server.sink  # type: ignore[attr-defined]
        self.reply("220 sink ESMTP")
        while line := self.rfile.readline():
            verb = line.decode("ascii", "replace").strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink")
            elif verb == "RCPT" and sink.refuse:
                address = line.decode("ascii", "replace").strip().partition(":")[2]
                self.reply(f"{sink.refuse} 5.1.1 {address}: Recipient address rejected")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(data[1:] if data.startswith(b"..") else data)
                sink.receive(b"".join(lines))
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SMTPSink:
    """``with SMTPSink() as sink:`` a server on 127.0.0.1:``sink.port``; ``sink.messages``
    holds what it received, in order."""

    def __init__(self, refuse: int | None = None) -> None:
        self.refuse = refuse  # an SMTP code for every RCPT, else accepted
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.sink = self  # type: ignore[attr-defined]
        self.port = self._server.server_address[1]

    def receive(self, raw: bytes) -> None:
        message = email.message_from_bytes(raw, policy=policy.default)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]

    def to(self, address: str) -> list[tuple[str, str]]:
        """(subject, body) of the messages received for ``address``."""
        with self._lock:
            received = list(self.messages)
        return [
            (str(m["Subject"]), m.get_content().strip()) for m in received if m["To"] == address
        ]

    def __enter__(self) -> SMTPSink:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
