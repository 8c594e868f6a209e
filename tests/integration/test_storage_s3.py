"""The S3 backend on a real S3-compatible server (moto's server mode): the setting, the
key prefix, redirects to presigned URLs, streaming with Range and If-None-Match, aborted
uploads."""

import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from werkzeug.exceptions import NotFound

from participa.storage import open_storage
from participa.storage.s3 import S3Storage
from tests.support.s3 import new_bucket


def follow(location: str, headers: dict | None = None):
    try:
        with urllib.request.urlopen(urllib.request.Request(location, headers=headers or {})) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_the_setting_chooses_a_bucket_and_a_prefix(s3_endpoint, tmp_path):
    store = open_storage(
        "s3://participa-setting/site/a", str(tmp_path), endpoint_url=s3_endpoint, serve="stream"
    )
    assert isinstance(store, S3Storage)
    assert (store.bucket, store.prefix, store.serve) == ("participa-setting", "site/a", "stream")
    store.client.create_bucket(Bucket="participa-setting")
    store.write("photos/a.jpg", [b"x"])
    listed = store.client.list_objects_v2(Bucket="participa-setting")["Contents"]
    assert [o["Key"] for o in listed] == ["site/a/photos/a.jpg"]
    assert list(store.keys("photos")) == ["photos/a.jpg"]
    with pytest.raises(ValueError, match="redirect or stream"):
        open_storage("s3://b", str(tmp_path), endpoint_url=s3_endpoint, serve="proxy")


def test_redirect_to_a_short_lived_presigned_url_that_serves_the_file(s3_endpoint):
    store = new_bucket(s3_endpoint)
    store.write("opendata/x/v1/propuestas.csv", ["id,título\n1,Añil\n"], content_type="text/csv")
    with Flask("t").test_request_context():
        response = store.response(
            "opendata/x/v1/propuestas.csv",
            mimetype="text/csv; charset=utf-8",
            download_name="x-v1-propuestas ñ.csv",
            max_age=3600,
        )
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "public, max-age=150"  # not past the URL
    location = response.headers["Location"]
    assert parse_qs(urlsplit(location).query)["X-Amz-Expires"] == ["300"]
    status, headers, body = follow(location)
    assert status == 200 and body == "id,título\n1,Añil\n".encode()
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert headers["Cache-Control"] == "public, max-age=3600"
    assert "filename*=UTF-8''x-v1-propuestas%20%C3%B1.csv" in headers["Content-Disposition"]
    status, _headers, body = follow(location, {"Range": "bytes=0-1"})
    assert (status, body) == (206, b"id")


def test_a_private_file_redirects_for_a_minute_and_is_never_cached(s3_endpoint):
    store = new_bucket(s3_endpoint)
    store.write("exports/datos-z.zip", [b"zip"], content_type="application/zip")
    with Flask("t").test_request_context():
        response = store.response(
            "exports/datos-z.zip", mimetype="application/zip", download_name="d.zip", private=True
        )
    assert response.headers["Cache-Control"] == "private, no-store"
    location = response.headers["Location"]
    assert parse_qs(urlsplit(location).query)["X-Amz-Expires"] == ["60"]
    status, headers, body = follow(location)
    assert (status, body) == (200, b"zip")
    assert headers["Cache-Control"] == "private, no-store"


def test_stream_passes_range_and_if_none_match_to_the_bucket(s3_endpoint):
    store = new_bucket(s3_endpoint, serve="stream")
    store.write("opendata/x/v1/a.pb", [b"META\nkey;value\n"], content_type="text/plain")
    app = Flask("t")
    with app.test_request_context(headers={"Range": "bytes=5-7"}):
        response = store.response("opendata/x/v1/a.pb", mimetype="text/plain", max_age=60)
    assert response.status_code == 206
    assert b"".join(response.response) == b"key"
    assert response.headers["Content-Range"] == "bytes 5-7/15"
    assert response.headers["Content-Length"] == "3"
    etag = response.headers["ETag"]
    with app.test_request_context(headers={"If-None-Match": etag}):
        response = store.response("opendata/x/v1/a.pb", mimetype="text/plain", max_age=60)
    assert response.status_code == 304 and response.headers["ETag"] == etag
    with app.test_request_context(headers={"If-None-Match": '"another"'}):
        response = store.response("opendata/x/v1/a.pb", mimetype="text/plain", max_age=60)
    assert response.status_code == 200
    assert b"".join(response.response) == b"META\nkey;value\n"
    assert response.headers["Cache-Control"] == "public, max-age=60"


@pytest.mark.parametrize("serve", ["redirect", "stream"])
def test_a_missing_key_is_404(s3_endpoint, serve):
    store = new_bucket(s3_endpoint, serve=serve)
    with Flask("t").test_request_context(), pytest.raises(NotFound):
        store.response("photos/none.jpg", mimetype="image/jpeg")


def test_a_failed_multipart_upload_is_aborted_and_leaves_nothing(s3_endpoint):
    store = new_bucket(s3_endpoint)
    part = b"x" * (1024 * 1024)

    def broken():
        for _ in range(20):  # past the first 8 MiB part: a multipart upload was started
            yield part
        raise RuntimeError("the writer failed")

    with pytest.raises(RuntimeError):
        store.write("opendata/x/v3/boletas.csv", broken())
    assert not store.exists("opendata/x/v3/boletas.csv")
    uploads = store.client.list_multipart_uploads(Bucket=store.bucket)
    assert uploads.get("Uploads", []) == []
