"""Publishing a process's open data as a new, immutable version.

A version is the set of files under the storage key prefix ``opendata/<slug>/v<N>/``
(``participa.storage``: the instance folder, a shared folder or an S3 bucket) holding every
dataset as CSV and JSON, one Pabulib ``.pb`` file per budget whose outcome and ballots are
public, and a Frictionless ``datapackage.json`` (the data dictionary, licence, sources,
version, date and the size and sha256 of every file), which is also kept in the
:class:`Publication` row (the catalogue reads it from there). Object storage has no
folder rename: the files are written under the version's prefix first, and the version
becomes visible when its row commits (every download looks the row up). A publication that
fails, or whose transaction does not commit, leaves an orphan prefix: the next publication
of the process (which takes the same number) replaces it, and the retention task deletes
prefixes no row names (``retention``). Afterwards a version changes only to redact content
hidden by moderation (``redaction``). Nothing is published when the data are the same as
the last version.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select, text

from participa.db import utcnow
from participa.extensions import db
from participa.interop.pabulib_stream import PbStream
from participa.opendata.catalogue import DATASETS, SUBTOPICS, TOPICS, Dataset
from participa.opendata.models import Publication
from participa.opendata.rows import ballots_public, pb_name, published_budgets
from participa.processes.models import Process
from participa.processes.queries import is_public
from participa.results.exports import safe_cell
from participa.storage import storage

LICENSE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Atribución 4.0 Internacional",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
TRIGGERS = ("tally", "daily", "manual", "results")
CHUNK_ROWS = 5_000
MEDIATYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "pb": "text/plain",
}


ROOT = "opendata"
PACKAGE = "datapackage.json"


def process_prefix(slug: str) -> str:
    return f"{ROOT}/{slug}"


def version_prefix(slug: str, version: int) -> str:
    """The storage key prefix of a version's files."""
    return f"{ROOT}/{slug}/v{version}"


def file_key(slug: str, version: int, name: str) -> str:
    return f"{version_prefix(slug, version)}/{name}"


# --- cell formatting ---------------------------------------------------------------------


def _iso(value: object) -> object:
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat() + "Z"  # stored as naive UTC
    if isinstance(value, date):
        return value.isoformat()
    return value


def csv_cell(value: object) -> object:
    """A value as CSV text: empty for None, true/false, ISO 8601 dates; text that a
    spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return safe_cell(_iso(value))


def csv_chunks(dataset: Dataset, rows: Iterable[tuple]) -> Iterator[str]:
    """The dataset as CSV text (UTF-8, comma, header), a few thousand rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(dataset.field_names)
    for n, row in enumerate(rows, start=1):
        writer.writerow([csv_cell(v) for v in row])
        if n % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_chunks(dataset: Dataset, rows: Iterable[tuple]) -> Iterator[str]:
    """The dataset as a JSON array of objects, streamed."""
    names = dataset.field_names
    parts: list[str] = ["["]
    first = True
    for row in rows:
        record = {k: _iso(v) for k, v in zip(names, row, strict=True)}
        parts.append(("\n" if first else ",\n") + json.dumps(record, ensure_ascii=False))
        first = False
        if len(parts) >= CHUNK_ROWS:
            yield "".join(parts)
            parts = []
    parts.append("\n]\n")
    yield "".join(parts)


# --- writing a version -------------------------------------------------------------------


@dataclass
class WrittenFile:
    name: str
    bytes: int
    sha256: str
    rows: int | None

    def as_dict(self) -> dict:
        return {"name": self.name, "bytes": self.bytes, "sha256": self.sha256, "rows": self.rows}


class _Counter:
    """Counts the rows an iterator yields."""

    def __init__(self, rows: Iterable[tuple]):
        self.rows, self.n = rows, 0

    def __iter__(self) -> Iterator[tuple]:
        for row in self.rows:
            self.n += 1
            yield row


def _write(key: str, chunks: Iterable[str | bytes], rows: int | None = None) -> WrittenFile:
    """Stream ``chunks`` into the storage under ``key`` (a version's prefix and a name)."""
    name = key.rsplit("/", 1)[-1]
    mediatype = MEDIATYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream")
    stored = storage().write(key, chunks, content_type=f"{mediatype}; charset=utf-8")
    return WrittenFile(name, stored.bytes, stored.sha256, rows)


def _write_dataset(prefix: str, dataset: Dataset, process: Process, fmt: str) -> WrittenFile:
    counter = _Counter(dataset.rows(process))
    chunks = csv_chunks if fmt == "csv" else json_chunks
    written = _write(f"{prefix}/{dataset.name}.{fmt}", chunks(dataset, counter))
    written.rows = counter.n
    return written


def fingerprint(files: list[WrittenFile]) -> str:
    """sha256 of the data files' names and hashes (not of datapackage.json, which carries
    the date and version)."""
    listing = sorted((f.name, f.sha256) for f in files)
    return hashlib.sha256(json.dumps(listing).encode()).hexdigest()


def latest_publication(process_id: int) -> Publication | None:
    return db.session.scalar(
        select(Publication)
        .where(Publication.process_id == process_id)
        .order_by(Publication.version.desc())
        .limit(1)
    )


def publish(process: Process, trigger: str = "manual", now: datetime | None = None):
    """Write a new version of ``process``'s open data and record it; return the new
    :class:`Publication`, or None when nothing changed since the last version, or when
    ``process`` is a draft (it has no public data). The caller commits (until then another
    publisher of the same process waits, on PostgreSQL)."""
    if trigger not in TRIGGERS:
        raise ValueError(f"unknown trigger {trigger!r}")
    if not is_public(process):
        return None
    now = (now or utcnow()).replace(microsecond=0)
    _lock(process.id)
    last = latest_publication(process.id)
    version = (last.version if last is not None else 0) + 1
    prefix = version_prefix(process.slug, version)
    store = storage()
    store.delete_prefix(prefix)  # left by a publication whose transaction did not commit
    try:
        with force_locale("es_MX"):  # the data is Spanish, whatever the visitor's language
            files = _write_all(prefix, process)
        digest = fingerprint(files)
        if last is not None and last.fingerprint == digest:
            store.delete_prefix(prefix)
            return None
        package, written = write_datapackage(prefix, process, files, version, now)
        files.append(written)
        runs = sorted({run.id for _budget, run in published_budgets(process)})
    except BaseException:
        store.delete_prefix(prefix)
        raise
    publication = Publication(
        process_id=process.id,
        version=version,
        trigger=trigger,
        published_at=now,
        files=[f.as_dict() for f in files],
        fingerprint=digest,
        datapackage=package,
        result_runs=runs,
    )
    db.session.add(publication)
    db.session.flush()
    return publication


def _lock(process_id: int) -> None:
    """One publisher per process at a time (PostgreSQL advisory lock until commit)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": 7_300_001, "b": process_id}
        )


def _write_all(prefix: str, process: Process) -> list[WrittenFile]:
    files = []
    for dataset in DATASETS:
        for fmt in ("csv", "json"):
            files.append(_write_dataset(prefix, dataset, process, fmt))
    if ballots_public(process):
        for budget, _run in published_budgets(process):
            pb = PbStream(budget)  # flat memory, one snapshot (participa.interop.pabulib_stream)
            written = _write(f"{prefix}/{pb_name(budget)}", pb)
            written.rows = pb.votes
            files.append(written)
    return files


def write_datapackage(
    prefix: str, process: Process, files: list[WrittenFile], version: int, now: datetime
) -> tuple[dict, WrittenFile]:
    """Write the version's ``datapackage.json``; return it (for the row) and the file."""
    by_name = {f.name: f for f in files}
    resources = []
    for dataset in DATASETS:
        keywords = dataset.keywords(process)
        topic_es, topic_en = TOPICS[dataset.topic]
        _topic, sub_es, sub_en = SUBTOPICS[dataset.subtopic]
        for fmt in ("csv", "json"):
            written = by_name[f"{dataset.name}.{fmt}"]
            resource: dict[str, Any] = {
                "name": dataset.name if fmt == "csv" else f"{dataset.name}-json",
                "path": written.name,
                "title": dataset.title,
                "title_en": dataset.title_en,
                "description": dataset.description,
                "description_en": dataset.description_en,
                "format": fmt,
                "mediatype": MEDIATYPES[fmt],
                "encoding": "utf-8",
                "bytes": written.bytes,
                "hash": f"sha256:{written.sha256}",
                "row_count": written.rows,
                "topic_id": dataset.topic,
                "topic": topic_es,
                "topic_en": topic_en,
                "subtopic_id": dataset.subtopic,
                "subtopic": sub_es,
                "subtopic_en": sub_en,
                "keywords": keywords,
                "schema": dataset.schema(),
            }
            if fmt == "csv":
                resource["dialect"] = {"delimiter": ",", "header": True}
            else:
                resource["description"] += " Las mismas filas que el CSV, en JSON."
            resources.append(resource)
    budgets = {pb_name(b): b for b, _run in published_budgets(process)}
    for written in files:
        if not written.name.endswith(".pb"):
            continue
        budget = budgets[written.name]
        _topic, sub_es, sub_en = SUBTOPICS["pabulib"]
        resources.append(
            {
                "name": written.name.removesuffix(".pb").replace("_", "-"),
                "path": written.name,
                "title": f"Pabulib: {budget.title}",
                "title_en": f"Pabulib: {budget.title}",
                "description": "El presupuesto, sus proyectos y sus boletas en el formato "
                "Pabulib, para recontar con pabutools.",
                "description_en": "The budget, its projects and ballots in the Pabulib "
                "format, to recount with pabutools.",
                "format": "pb",
                "mediatype": MEDIATYPES["pb"],
                "encoding": "utf-8",
                "bytes": written.bytes,
                "hash": f"sha256:{written.sha256}",
                "row_count": written.rows,
                "topic_id": "votacion",
                "topic": TOPICS["votacion"][0],
                "topic_en": TOPICS["votacion"][1],
                "subtopic_id": "pabulib",
                "subtopic": sub_es,
                "subtopic_en": sub_en,
                "keywords": [budget.title],
                "budget_id": budget.id,
            }
        )
    package = {
        "name": f"participa-{process.slug}".lower(),
        "title": f"Datos abiertos: {process.title}",
        "description": f"Datos abiertos del proceso «{process.title}» de {process.municipality}: "
        "proceso y fases, propuestas, presupuestos, proyectos, boletas anónimas, resultados "
        "y ejecución. Cualquiera puede recontar el resultado.",
        "description_en": f"Open data of the process “{process.title}” ({process.municipality}).",
        "version": f"{version}.0.0",
        "created": now.isoformat() + "Z",
        "licenses": [LICENSE],
        "sources": [
            {
                "title": f"Participa: {process.municipality}",
                "path": _process_url(process),
            }
        ],
        "keywords": sorted({TOPICS[d.topic][0] for d in DATASETS}),
        "resources": resources,
    }
    return package, _write(f"{prefix}/{PACKAGE}", [package_body(package)])


def package_body(package: dict) -> str:
    """``datapackage.json`` as it is stored."""
    return json.dumps(package, ensure_ascii=False, indent=2) + "\n"


def _process_url(process: Process) -> str:
    base = current_app.config.get("PUBLIC_URL") or ""
    return f"{base.rstrip('/')}/procesos/{process.slug}" if base else f"/procesos/{process.slug}"


def publications(process_id: int) -> list[Publication]:
    """Every version of a process, newest first."""
    return list(
        db.session.scalars(
            select(Publication)
            .where(Publication.process_id == process_id)
            .order_by(Publication.version.desc())
        )
    )


def last_changes(history: list[Publication]) -> dict[str, datetime]:
    """For each file of the newest version, when its content last changed (the first version
    with the same sha256)."""
    if not history:
        return {}
    ordered = sorted(history, key=lambda p: p.version)
    changed: dict[str, tuple[str, datetime]] = {}
    for pub in ordered:
        for f in pub.files:
            prev = changed.get(f["name"])
            if prev is None or prev[0] != f["sha256"]:
                changed[f["name"]] = (f["sha256"], pub.published_at)
    return {name: when for name, (_sha, when) in changed.items()}
