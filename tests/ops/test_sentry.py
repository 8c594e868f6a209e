"""With SENTRY_DSN, an error in a view is reported, with no cookie, password or token in
the report: sent to a real HTTP server on loopback standing for Sentry."""

from __future__ import annotations

import contextlib
import gzip
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from participa.ops.sentry import scrub

ROOT = Path(__file__).resolve().parents[2]

SECRETS = ("cookie-secret-1f2e", "form-password-9a8b", "query-token-7c6d", "bearer-secret-5e4f")


class Receiver(ThreadingHTTPServer):
    """Records the body of every envelope posted to it (decompressed)."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def dsn(self) -> str:
        return f"http://publickey@127.0.0.1:{self.server_address[1]}/42"

    def wait_for(self, text: bytes, timeout: float = 20) -> bytes:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for body in list(self.bodies):
                if text in body:
                    return body
            time.sleep(0.05)
        raise AssertionError(f"no envelope with {text!r} reached the server")


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli  # type: ignore[import-not-found]

            body = brotli.decompress(body)
        self.server.bodies.append(body)  # type: ignore[attr-defined]
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *_args: object) -> None:
        pass


@contextlib.contextmanager
def receiving() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# A process of its own with SENTRY_DSN set (sentry-sdk patches Flask and Celery for the
# whole process): a failing view is called with a cookie, a token in the query string, a
# password in the form and a bearer token, then the reports are flushed.
FAILING_PROCESS = """
import sys
import sentry_sdk
from flask import request
from participa import create_app

dsn, database, secrets = sys.argv[1], sys.argv[2], sys.argv[3:]
app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SENTRY_DSN": dsn,
                  "SQLALCHEMY_DATABASE_URI": database, "PROPAGATE_EXCEPTIONS": False,
                  "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})

@app.post("/fails-for-a-test")
def fails():
    password = request.form["password"]  # a local variable of the failing frame
    raise RuntimeError(f"the view failed ({len(password)})")

client = app.test_client()
client.set_cookie("session", secrets[0])
answer = client.post(
    f"/fails-for-a-test?token={secrets[2]}&page=2",
    data={"password": secrets[1], "email": "ana@example.org"},
    headers={"Authorization": f"Bearer {secrets[3]}"},
)
assert answer.status_code == 500, answer.status_code
sentry_sdk.flush(timeout=10)
"""


def test_an_error_in_a_view_reaches_sentry_without_secrets(app, tmp_path):
    with receiving() as receiver:
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                FAILING_PROCESS,
                receiver.dsn,
                app.config["SQLALCHEMY_DATABASE_URI"],
                *SECRETS,
            ],
            cwd=ROOT,
            env=os.environ | {"PARTICIPA_INSTANCE_PATH": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        body = receiver.wait_for(b"the view failed")
    assert b"RuntimeError" in body
    assert b"/fails-for-a-test" in body  # where it happened
    for secret in SECRETS:
        assert secret.encode() not in body, secret
    assert b"ana@example.org" not in body


def test_scrub_keeps_the_method_and_path_only():
    event = {
        "request": {
            "method": "POST",
            "url": "https://participa.example/cuenta/restablecer/abc?token=xyz",
            "query_string": "token=xyz",
            "cookies": {"session": "s"},
            "data": {"password": "p"},
            "headers": {"Cookie": "s", "Authorization": "Bearer t", "User-Agent": "probe"},
        },
        "extra": {"sys.argv": ["celery", "--broker", "redis://:pw@redis"]},
    }
    scrubbed = scrub(event)
    assert scrubbed["extra"] == {}
    assert scrubbed["request"] == {
        "method": "POST",
        "url": "https://participa.example/cuenta/restablecer/abc",
        "headers": {"User-Agent": "probe"},
    }
