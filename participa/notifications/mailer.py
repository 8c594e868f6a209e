"""One SMTP connection for a batch of messages, every wait on the server bounded.

A :class:`Mailer` opens its connection on the first message it sends (connect, STARTTLS
and login once), sends the following ones over the same connection, and closes it when
the batch ends (``with Mailer(config) as mailer:``). If the server dropped a connection
that was kept open between two messages (servers close idle connections), the message is
sent once more over a new connection; a second failure is the caller's error.

Every socket operation, the connection included, gives up after ``MAIL_TIMEOUT`` seconds
(``TimeoutError`` inside ``smtplib``, raised as ``SMTPServerDisconnected``): a server that
accepts the connection and never answers fails the message instead of holding the worker.
A server that timed out is not tried again in the same batch: it is not a dropped
connection but a server that does not answer, and the run is retried later.

The errors are smtplib's, which may quote an address: :mod:`participa.notifications.tasks`
turns them into its ``SendingFailed``, which names none."""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from types import TracebackType
from typing import Any

DEFAULT_TIMEOUT = 10.0  # seconds, MAIL_TIMEOUT's default


def timed_out(error: BaseException) -> bool:
    """Whether ``error`` is (or was raised by smtplib because of) a socket timeout."""
    return isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError)


class Mailer:
    """Sends messages by SMTP over one connection at a time (see the module)."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.host: str = config.get("MAIL_SERVER") or ""  # none: nothing is ever sent here
        self.port = int(config.get("MAIL_PORT") or 25)
        self.timeout = float(config.get("MAIL_TIMEOUT") or DEFAULT_TIMEOUT)
        self.use_tls = bool(config.get("MAIL_USE_TLS"))
        self.username: str | None = config.get("MAIL_USERNAME")
        self.password: str = config.get("MAIL_PASSWORD") or ""
        self.connections = 0  # opened so far
        self._smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(timeout=self.timeout)  # connect and every read and write
        try:
            smtp.connect(self.host, self.port)
            if self.use_tls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
        except BaseException:
            smtp.close()
            raise
        self.connections += 1
        return smtp

    def send(self, message: EmailMessage) -> None:
        """Send ``message`` over the open connection, opening one if there is none; once
        more over a new one if the server had dropped the open one."""
        reused = self._smtp is not None
        if self._smtp is None:
            self._smtp = self._open()
        try:
            self._smtp.send_message(message)
        except smtplib.SMTPServerDisconnected as error:
            self.close()
            if not reused or timed_out(error):
                raise
            self._smtp = self._open()
            self._smtp.send_message(message)

    def close(self) -> None:
        """Say goodbye to the server (QUIT, bounded by the timeout) and close."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass  # already gone, or not answering: the socket is closed all the same
        finally:
            smtp.close()

    def __enter__(self) -> Mailer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
