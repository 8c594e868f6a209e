"""What every storage backend promises (participa.storage.base.Storage), checked on each:
the local folder and an S3 bucket on a real S3-compatible server (moto's server mode,
tests/support/s3.py)."""

import hashlib
import tracemalloc
import urllib.error
import urllib.request

import pytest
from flask import Flask
from werkzeug.datastructures import Headers
from werkzeug.exceptions import NotFound

from participa.storage import LocalStorage
from tests.support.s3 import new_bucket


@pytest.fixture(params=["local", "s3-redirect", "s3-stream"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "storage")
    serve = request.param.removeprefix("s3-")
    return new_bucket(request.getfixturevalue("s3_endpoint"), serve=serve)


def served(store, key: str, headers: dict | None = None, **options) -> tuple[int, Headers, bytes]:
    """What a browser gets for ``store.response(key)``: a redirect to the bucket is followed
    (with the same request headers), as a browser does."""
    app = Flask("t")
    with app.test_request_context(headers=headers or {}) as context:
        response = store.response(key, **options)
        if response.status_code != 302:  # what the WSGI server sends (no body for a 304)
            app_iter, status, sent = response.get_wsgi_response(context.request.environ)
            body = b"".join(app_iter)
            response.close()
            return int(status.split()[0]), Headers(sent), body
        location = response.headers["Location"]
    request = urllib.request.Request(location, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, Headers(list(answer.headers.items())), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, Headers(list(error.headers.items())), error.read()


def test_write_streams_chunks_and_reports_size_and_hash(store):
    stored = store.write("opendata/x/v1/a.csv", ["ñ,1\n", b"b,2\n"], content_type="text/csv")
    body = "ñ,1\nb,2\n".encode()
    assert stored.bytes == len(body)
    assert stored.sha256 == hashlib.sha256(body).hexdigest()
    assert b"".join(store.read_chunks("opendata/x/v1/a.csv", size=3)) == body
    with store.open("opendata/x/v1/a.csv") as stream:
        assert stream.read() == body
    assert list(store.keys("opendata/x")) == ["opendata/x/v1/a.csv"]
    assert store.exists("opendata/x/v1/a.csv") and not store.exists("opendata/x/v1/b.csv")


def test_a_failed_write_leaves_the_previous_content(store):
    store.write("photos/a.jpg", [b"old"])

    def broken():
        yield b"new"
        raise RuntimeError("the writer failed")

    with pytest.raises(RuntimeError):
        store.write("photos/a.jpg", broken())
    with store.open("photos/a.jpg") as stream:
        assert stream.read() == b"old"
    assert list(store.keys("photos")) == ["photos/a.jpg"]  # nothing half-written left


def test_delete_prefix_keys_and_missing_keys(store):
    store.write("opendata/x/v1/a.csv", [b"1"])
    store.write("opendata/x/v1/sub/b.csv", [b"1"])
    store.write("opendata/x/v10/a.csv", [b"10"])  # v1 is not a prefix of v10's folder
    store.write("opendata/x/v2/a.csv", [b"2"])
    assert list(store.keys("opendata/x/v1")) == ["opendata/x/v1/a.csv", "opendata/x/v1/sub/b.csv"]
    store.delete_prefix("opendata/x/v1")
    assert not store.exists("opendata/x/v1/a.csv")
    assert list(store.keys("opendata/x")) == ["opendata/x/v10/a.csv", "opendata/x/v2/a.csv"]
    store.delete("opendata/x/v1/a.csv")  # already gone: nothing happens
    store.delete_prefix("opendata/none")
    assert list(store.keys("opendata/none")) == []
    with pytest.raises(FileNotFoundError):
        store.read_chunks("opendata/x/v1/a.csv")
    with pytest.raises(FileNotFoundError):
        store.open("opendata/x/v1/a.csv")
    with pytest.raises(FileNotFoundError):
        store.modified("opendata/x/v1/a.csv")
    assert store.modified("opendata/x/v2/a.csv").tzinfo is not None


@pytest.mark.parametrize("key", ["../secret_key", "/etc/passwd", "a/../../b", "a//b", ""])
def test_keys_outside_the_storage_are_refused(store, key):
    with pytest.raises(ValueError):
        store.write(key, [b"x"])
    with pytest.raises(ValueError):
        store.exists(key)


def test_a_large_write_streams_with_flat_memory(store):
    """48 MiB in 1 MiB chunks (six multipart parts on S3): the writer holds one part and
    its copies at most (about 10 MiB whatever the size), never the whole file."""
    chunk = bytes(range(256)) * 4096  # 1 MiB
    total = 48

    def chunks():
        for _ in range(total):
            yield chunk

    tracemalloc.start()
    try:
        stored = store.write("opendata/big/v1/boletas.csv", chunks())
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stored.bytes == total * len(chunk)
    assert stored.sha256 == hashlib.sha256(chunk * total).hexdigest()
    assert peak < 20 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB while writing 48 MiB"
    digest = hashlib.sha256()
    for part in store.read_chunks("opendata/big/v1/boletas.csv"):
        digest.update(part)
    assert digest.hexdigest() == stored.sha256


def test_response_serves_the_bytes_as_an_attachment(store):
    store.write("exports/datos-x.zip", [b"PK\x03\x04zip"], content_type="application/zip")
    status, headers, body = served(
        store, "exports/datos-x.zip", mimetype="application/zip", download_name="mis-datos.zip"
    )
    assert status == 200 and body == b"PK\x03\x04zip"
    assert headers["Content-Type"] == "application/zip"
    assert "attachment" in headers["Content-Disposition"]
    assert "mis-datos.zip" in headers["Content-Disposition"]


def test_response_range_and_etag(store):
    store.write("opendata/x/v1/a.csv", [b"0123456789"], content_type="text/csv")
    status, headers, body = served(
        store, "opendata/x/v1/a.csv", {"Range": "bytes=2-5"}, mimetype="text/csv"
    )
    assert (status, body) == (206, b"2345")
    assert headers["Content-Range"] == "bytes 2-5/10"
    _status, headers, _body = served(store, "opendata/x/v1/a.csv", mimetype="text/csv")
    etag = headers["ETag"]
    status, _headers, body = served(
        store, "opendata/x/v1/a.csv", {"If-None-Match": etag}, mimetype="text/csv"
    )
    assert (status, body) == (304, b"")


def test_response_of_a_missing_key_is_404(store):
    with Flask("t").test_request_context(), pytest.raises(NotFound):
        store.response("photos/none.jpg", mimetype="image/jpeg")


def test_private_files_are_never_cached(store):
    store.write("exports/datos-y.zip", [b"zip"])
    app = Flask("t")
    with app.test_request_context():
        response = store.response(
            "exports/datos-y.zip", mimetype="application/zip", download_name="d.zip", private=True
        )
    assert response.headers["Cache-Control"] == "private, no-store"


def test_check_passes_on_a_reachable_storage(store):
    store.check()
