"""Every file the platform serves comes from the storage, on each backend (a local folder,
an S3 bucket served by redirect and by streaming, on moto's S3 server): open data
downloads with ETag and Range, the Excel variant, milestone photos, a person's data
archive; the catalogue reads the datapackage from the database and never remembers a
failure; a second node with its own instance folder serves the same files."""

import datetime
import hashlib
import io
import os
import urllib.error
import urllib.request
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

from werkzeug.datastructures import FileStorage, Headers

from participa import create_app
from participa.accountability import items as execution_items
from participa.accountability import milestones
from participa.accounts.export_tasks import build_export
from participa.accounts.exports import latest
from participa.extensions import db
from participa.opendata import services
from participa.opendata.models import Publication
from participa.storage.s3 import S3Storage
from tests import factories as f
from tests.support.accountability import PNG, pixels
from tests.support.accountability import publish as publish_outcome
from tests.support.opendata import tallied_process


def fetch(client, url: str, headers: dict | None = None) -> tuple[int, Headers, bytes]:
    """What a browser gets: the application's answer, or the bucket's when the application
    redirects there (followed with the same request headers)."""
    response = client.get(url, headers=headers or {})
    if response.status_code != 302 or response.headers["Location"].startswith("/"):
        return response.status_code, Headers(response.headers), response.get_data()
    location = response.headers["Location"]
    try:
        with urllib.request.urlopen(urllib.request.Request(location, headers=headers or {})) as r:
            return r.status, Headers(list(r.headers.items())), r.read()
    except urllib.error.HTTPError as error:
        return error.code, Headers(list(error.headers.items())), error.read()


def published():
    process, budget, _voters = tallied_process()
    publication = services.publish(process, "tally")
    db.session.commit()
    return process, budget, publication


def test_a_version_is_written_to_the_storage_and_downloaded_with_range_and_etag(
    client, site_storage
):
    process, _budget, publication = published()
    listed = {f["name"]: f for f in publication.files}
    stored = set(site_storage.keys(services.version_prefix(process.slug, 1)))
    assert stored == {services.file_key(process.slug, 1, name) for name in listed}
    url = f"/datos/{process.slug}/v1/propuestas.csv"
    status, headers, body = fetch(client, url)
    assert status == 200
    assert hashlib.sha256(body).hexdigest() == listed["propuestas.csv"]["sha256"]
    assert "attachment" in headers["Content-Disposition"]
    assert f"{process.slug}-v1-propuestas.csv" in headers["Content-Disposition"]
    assert headers["Cache-Control"] == "public, max-age=3600"
    status, headers_range, part = fetch(client, url, {"Range": "bytes=3-10"})
    assert (status, part) == (206, body[3:11])
    assert headers_range["Content-Range"] == f"bytes 3-10/{len(body)}"
    status, _headers, empty = fetch(client, url, {"If-None-Match": headers["ETag"]})
    assert (status, empty) == (304, b"")
    assert fetch(client, f"/datos/{process.slug}/v1/otro.csv")[0] == 404


def test_the_excel_variant_streams_the_stored_file_after_a_bom(client, site_storage):
    process, _budget, publication = published()
    sha = next(f["sha256"] for f in publication.files if f["name"] == "boletas.csv")
    url = f"/datos/{process.slug}/v1/boletas.csv?excel=1"
    response = client.get(url)
    assert response.status_code == 200
    with site_storage.open(services.file_key(process.slug, 1, "boletas.csv")) as stream:
        assert response.data == "\ufeff".encode() + stream.read()
    assert response.headers["ETag"] == f'"{sha}-excel"'
    again = client.get(url, headers={"If-None-Match": f'"{sha}-excel"'})
    assert again.status_code == 304 and again.data == b""


def test_the_catalogue_reads_the_database_and_never_remembers_a_failure(client, site_storage):
    process, _budget, publication = published()
    site_storage.delete(services.file_key(process.slug, 1, services.PACKAGE))
    page = client.get("/datos").text  # the package is in the row: nothing read from storage
    assert 'data-dataset="propuestas"' in page
    package = publication.datapackage
    publication.datapackage = None  # a version from before the row kept it
    db.session.commit()
    assert 'data-dataset="propuestas"' not in client.get("/datos").text  # the file is gone
    site_storage.write(
        services.file_key(process.slug, 1, services.PACKAGE), [services.package_body(package)]
    )
    assert 'data-dataset="propuestas"' in client.get("/datos").text  # no failure cached


def test_milestone_photos_are_stored_and_served_from_the_storage(client, site_storage):
    process = f.process()
    budget = f.budget(process, amount=1000, costs=(400, 300))
    p1, p2 = f.projects(budget)
    publish_outcome(budget, [p1], [p2])
    admin = f.admin()
    item = execution_items.items_from_results(process, admin)[0]
    upload = FileStorage(stream=io.BytesIO(PNG), filename="obra.png", content_type="image/png")
    milestone = milestones.add_milestone(
        item, admin, datetime.date(2026, 3, 1), "Inicio de obra", upload
    )
    db.session.commit()
    assert list(site_storage.keys("photos")) == [f"photos/{milestone.photo}"]
    status, headers, body = fetch(client, f"/seguimiento/fotos/{milestone.photo}")
    assert status == 200 and pixels(body) == pixels(PNG)
    assert headers["Content-Type"] == "image/png"
    assert fetch(client, f"/seguimiento/fotos/{'0' * 32}.png")[0] == 404


def test_a_data_archive_is_served_to_its_owner_only_and_never_cached(client, auth, site_storage):
    me = f.user()
    db.session.commit()
    auth.login(me)
    client.post("/cuenta/mis-datos")
    export = latest(me)
    assert build_export(export.id)["status"] == "ready"
    db.session.expire_all()
    export = latest(me)
    assert site_storage.exists(f"exports/{export.file_name}")
    url = f"/cuenta/mis-datos/{export.id}/descargar"
    response = client.get(url)
    assert response.headers["Cache-Control"] == "private, no-store"
    if isinstance(site_storage, S3Storage) and site_storage.serve == "redirect":
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        assert query["X-Amz-Expires"] == ["60"]
    status, headers, body = fetch(client, url)
    assert status == 200 and body[:2] == b"PK"
    assert headers["Cache-Control"] == "private, no-store"
    client.post("/salir")
    other = f.user()
    db.session.commit()
    auth.login(other)
    assert client.get(url).status_code == 404


@contextmanager
def second_node(app, instance, **config):
    """Another web node: its own instance folder, the same database and storage."""
    previous = os.environ["PARTICIPA_INSTANCE_PATH"]
    os.environ["PARTICIPA_INSTANCE_PATH"] = str(instance)
    try:
        node = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test-secret",
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                **config,
            }
        )
    finally:
        os.environ["PARTICIPA_INSTANCE_PATH"] = previous
    tests_celery = app.extensions["celery"]
    tests_celery.set_current()
    tests_celery.set_default()
    try:
        yield node
    finally:
        with node.app_context():
            db.engine.dispose()


def test_a_second_node_with_its_own_folder_serves_the_same_files(
    ctx, client, s3_endpoint, tmp_path
):
    from tests.support.s3 import new_bucket

    bucket = new_bucket(s3_endpoint, serve="stream")
    ctx.extensions["storage"] = bucket
    try:
        process, _budget, publication = published()
    finally:
        ctx.extensions.pop("storage")
    config = {
        "STORAGE_URL": f"s3://{bucket.bucket}/{bucket.prefix}",
        "STORAGE_S3_ENDPOINT_URL": s3_endpoint,
        "STORAGE_SERVE": "stream",
    }
    with second_node(ctx, tmp_path / "node2", **config) as node:
        other = node.test_client()
        for entry in publication.files:
            got = other.get(f"/datos/{process.slug}/v1/{entry['name']}")
            assert got.status_code == 200, entry["name"]
            assert hashlib.sha256(got.data).hexdigest() == entry["sha256"]
        assert 'data-dataset="boletas"' in other.get("/datos").text
    assert not (tmp_path / "node2" / "opendata").exists()
    assert db.session.get(Publication, publication.id).datapackage is not None
