"""An S3-compatible server for the tests: moto's server mode, in a process of its own.

No real S3 server installs here from the registries (MinIO is neither on PyPI nor in
Debian's archive; only its Go client libraries are), so the S3 backend is tested against
``python -m moto.server``: a real HTTP server speaking the S3 protocol (signed requests,
multipart uploads, presigned URLs, Range, conditional GETs), which boto3 and plain HTTP
clients reach over loopback as they would reach a bucket.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from participa.storage.s3 import S3Storage

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "participa-test",
    "AWS_SECRET_ACCESS_KEY": "participa-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        return True  # it answered
    except OSError:
        return False


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server on a free loopback port; its endpoint URL. The standard AWS variables
    are set to test credentials in this process (and so in the processes it starts)."""
    for name, value in CREDENTIALS.items():
        os.environ[name] = value
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not _answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the moto S3 server did not start")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def new_bucket(endpoint: str, serve: str = "redirect", prefix: str = "site") -> S3Storage:
    """An S3 storage on a new, empty bucket of the server at ``endpoint``."""
    bucket = f"participa-{uuid.uuid4().hex[:12]}"
    store = S3Storage(bucket, prefix, endpoint_url=endpoint, region="us-east-1", serve=serve)
    store.client.create_bucket(Bucket=bucket)
    return store
