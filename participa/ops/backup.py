"""``flask --app participa backup dump DEST`` and ``backup restore SRC``: the database
(``pg_dump`` custom format, ``pg_restore`` into a new, empty database) and the stored
files (open-data versions, milestone photos) copied folder by folder. The runbook is in
the README ("Backup and restore").

A backup folder holds ``database.dump``, ``storage/`` and ``manifest.json`` (when, which
schema revision, how many files). Secrets are not in it: ``SECRET_KEY`` and
``CENSUS_SALT`` are kept apart, and a restored site needs the same ones (receipt codes
and census hashes derive from them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import make_url, text

from participa.extensions import db

backup_cli = AppGroup("backup", help="Back up and restore the database and the stored files.")
STORED = ("opendata", "photos")  # the instance's folders of files the site serves
DUMP = "database.dump"
STORAGE = "storage"
MANIFEST = "manifest.json"
IN_PROGRESS = shutil.ignore_patterns(".tmp-*")


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


def storage_root() -> Path:
    """Where the stored files live: a local ``STORAGE_URL`` (a path or ``file://``), else
    the instance folder. Object storage is backed up with its own tools (README)."""
    configured = str(current_app.config.get("STORAGE_URL") or "")
    if configured.startswith(("s3://", "http://", "https://")):
        raise click.ClickException(
            "files in object storage are copied with its tools (aws s3 sync): see the README"
        )
    if configured:
        return Path(configured.removeprefix("file://"))
    return Path(current_app.instance_path)


def _stored_folders(root: Path) -> list[str]:
    if current_app.config.get("STORAGE_URL"):
        return ["."]  # the whole storage folder
    return [name for name in STORED if (root / name).is_dir()]


def _count_files(folder: Path) -> int:
    return sum(1 for path in folder.rglob("*") if path.is_file())


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
    root = storage_root()
    copied = 0
    for name in _stored_folders(root):
        target = destination / STORAGE / name
        # a publication's hidden temporary folder is not a version yet
        shutil.copytree(root / name, target, dirs_exist_ok=True, ignore=IN_PROGRESS)
        copied += _count_files(target)
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
    root = storage_root()
    stored = source / STORAGE
    for folder in sorted(stored.iterdir()) if stored.is_dir() else []:
        target = root / folder.name
        if target.exists() and any(target.iterdir()):
            raise click.ClickException(f"{target} is not empty: restore into new storage")
        shutil.copytree(folder, target, dirs_exist_ok=True)
    restored = _count_files(stored) if stored.is_dir() else 0
    click.echo(
        f"restored schema {manifest['schema_revision']} and {restored} stored file(s) from {source}"
    )
