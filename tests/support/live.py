"""A real threaded WSGI server for tests that speak HTTP (browser and reliability tests)."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server


@contextmanager
def serve(app: Flask, *, csrf: bool = False) -> Iterator[str]:
    """Serve ``app`` on a free loopback port for the block; yields the base URL. With
    ``csrf``, CSRF protection is on while it serves (the test config has it off)."""
    app.config["WTF_CSRF_ENABLED"] = csrf
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.config["WTF_CSRF_ENABLED"] = False
