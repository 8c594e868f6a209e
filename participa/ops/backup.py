"""``flask --app participa backup dump DEST`` and ``backup restore SRC``: the database
(``pg_dump`` custom format, ``pg_restore`` into a new, empty database) and the stored
files (open-data versions, milestone photos, results' ballots files) copied key by key
through the storage interface, whether a local folder or object storage. The runbook is in
the README ("Backup and restore").

A backup folder holds ``database.dump``, ``storage/`` and ``manifest.json`` (when, which
schema revision, how many files). Secrets are not in it: ``SECRET_KEY`` and
``CENSUS_SALT`` are kept apart, and a restored site needs the same ones (receipt codes
and census hashes derive from them).
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import make_url, text

from participa.extensions import db
from participa.storage import storage

backup_cli = AppGroup("backup", help="Back up and restore the database and the stored files.")
# the stored files the site serves (the archives of a person's data, kept a few days, are
# left out on purpose; a results' ballots file missing after a restore is written again)
STORED = ("opendata", "photos", "results")
DUMP = "database.dump"
STORAGE = "storage"
MANIFEST = "manifest.json"


def _libpq_environment() -> dict[str, str]:
    """The database of the app for pg_dump/pg_restore, as libpq variables (a password
    passed this way is not on a command line that ``ps`` shows)."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if not url.drivername.startswith("postgresql"):
        raise click.ClickException(
            "backup works on PostgreSQL; the embedded SQLite file is copied while stopped"
        )
    values = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    return os.environ | {k: v for k, v in values.items() if v}


def _copy_out(destination: Path) -> int:
    """Every stored file under :data:`STORED` written below ``destination``, through the
    storage interface (a local folder or object storage alike); returns how many."""
    store = storage()
    copied = 0
    for prefix in STORED:
        for key in store.keys(prefix):
            if key.rsplit("/", 1)[-1].startswith("."):
                continue  # a marker or a temporary file, not a stored file
            target = destination / key
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as out:
                for chunk in store.read_chunks(key):
                    out.write(chunk)
            copied += 1
    return copied


def _copy_in(source: Path) -> int:
    """The files of a backup's ``storage/`` folder written into the storage (which must hold
    none of :data:`STORED` yet); returns how many."""
    store = storage()
    for prefix in STORED:
        if next(iter(store.keys(prefix)), None) is not None:
            raise click.ClickException(
                f"the storage already holds {prefix}/: restore into new storage"
            )
    restored = 0
    for path in sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else []:
        key = path.relative_to(source).as_posix()
        with open(path, "rb") as stream:
            store.write(key, iter(lambda: stream.read(256 * 1024), b""))
        restored += 1
    return restored


@backup_cli.command("dump")
@click.argument("destination", type=click.Path(file_okay=False, path_type=Path))
def dump(destination: Path) -> None:
    """Write a backup of the database and the stored files into DESTINATION (new)."""
    if destination.exists() and any(destination.iterdir()):
        raise click.ClickException(f"{destination} is not empty")
    destination.mkdir(parents=True, exist_ok=True)
    with db.engine.connect() as connection:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    subprocess.run(
        [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={destination / DUMP}",
        ],
        env=_libpq_environment(),
        check=True,
    )
    copied = _copy_out(destination / STORAGE)
    manifest = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "schema_revision": revision,
        "database": DUMP,
        "storage_files": copied,
    }
    (destination / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    click.echo(f"backup written to {destination}: the database and {copied} stored file(s)")


@backup_cli.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
def restore(source: Path) -> None:
    """Restore the backup in SOURCE into this app's database (new and empty) and storage."""
    manifest = json.loads((source / MANIFEST).read_text())
    with db.engine.connect() as connection:
        tables = connection.execute(
            text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        ).scalar()
    if tables:
        raise click.ClickException("the database is not empty: restore into a new one")
    db.engine.dispose()  # pg_restore works on its own connection
    subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={_libpq_environment()['PGDATABASE']}",
            str(source / DUMP),
        ],
        env=_libpq_environment(),
        check=True,
    )
    restored = _copy_in(source / STORAGE)
    click.echo(
        f"restored schema {manifest['schema_revision']} and {restored} stored file(s) from {source}"
    )
