"""Redacting published open data versions when moderation hides content they hold.

A version's files are written once and kept, but a proposal hidden by moderation after it
was published must not stay downloadable in them. Only a moderator's decision asks for the
redaction of its process: hiding a proposal, or confirming the automatic hiding of one
that enough reports hid. Reports alone never do: that hiding waits for a moderator, who
may restore the proposal, and a rewrite of the published files could not be undone (so a
few accounts could otherwise remove a proposal from published data for good). Once the
decision is committed, :func:`participa.opendata.tasks.queue_redactions` sends the task
:func:`participa.opendata.tasks.redact_process`, which rewrites every version of the
process without the proposals hidden by a moderator (:func:`hidden_proposal_ids`: hidden,
with no report still waiting for a moderator):

- ``propuestas.csv`` / ``.json``: the hidden proposals' rows are removed;
- ``proyectos.csv`` / ``.json``: a project born from a hidden proposal keeps its row (it is
  the municipality's ballot entry) but loses the link (``proposal_id`` empty), as in new
  versions.

Comments are never published, and ballots, results and the ``.pb`` files hold no
proposal text, so nothing else changes. Each rewritten file replaces the old one
in the storage whole (a reader gets the old or the new file); its new size, sha256 and row
count are written into the version's ``datapackage.json`` (which also says ``redacted``
and which resources; the stored file and the copy in :class:`Publication` ``datapackage``)
and into :class:`Publication` ``files``, and the publication records ``redacted_at``.
Pruned versions (``retention``) have no files left and are skipped. A redacted file
keeps its permanent URL; its ETag is its new sha256 (local storage) and it was never
announced as immutable (see ``views.download``), so caches pick it up.

Idempotent and self-healing: the redaction compares each file with what it should be and
each recorded hash with the stored file, so a second run changes nothing, and a run that
died after replacing files but before its commit is completed by the next one. The daily
publication runs it for every process too, so a decision whose task was lost (broker
down) is redacted within a day; a proposal hidden by reports and still waiting for a
moderator is left in the published versions by every run (new versions leave it out while
it is hidden). Restoring a proposal does not put it back into versions redacted after a
moderator hid it; the next publication includes it again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
from collections.abc import Callable

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from participa.conversation.models import Report, ReportState
from participa.db import utcnow
from participa.extensions import db
from participa.opendata import services
from participa.opendata.models import Publication
from participa.processes.models import Process
from participa.proposals.models import Proposal
from participa.storage import storage

logger = logging.getLogger(__name__)

_PENDING = "participa.opendata.redact"
PACKAGE = services.PACKAGE

Row = dict[str, object]
# For each dataset holding proposals: what to do with a row, given the hidden proposal ids.
# Returns the row (changed or not), or None to drop it.
RULES: dict[str, Callable[[Row, set[str]], Row | None]] = {
    "propuestas": lambda row, hidden: None if _key(row.get("id")) in hidden else row,
    "proyectos": lambda row, hidden: (
        {**row, "proposal_id": None} if _key(row.get("proposal_id")) in hidden else row
    ),
}


def _key(value: object) -> str:
    return "" if value is None else str(value)


# --- asking for a redaction (after the hiding commits) ------------------------------------


def request_redaction(process_id: int) -> None:
    """Have ``process_id``'s published versions redacted once the current transaction
    commits (the caller then calls :func:`participa.opendata.tasks.queue_redactions`)."""
    db.session.info.setdefault(_PENDING, set()).add(process_id)


def take_requested() -> list[int]:
    """The processes whose redaction was asked for (and forget them)."""
    return sorted(db.session.info.pop(_PENDING, set()))


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    """The transaction that asked for them was rolled back: nothing was hidden."""
    session.info.pop(_PENDING, None)


# --- redacting ------------------------------------------------------------------------


def hidden_proposal_ids(process_id: int) -> set[str]:
    """The proposals of ``process_id`` hidden by a moderator's decision: hidden, with no
    report still pending. A proposal hidden by its reports keeps them pending until a
    moderator confirms the hiding (resolving them) or restores it."""
    waiting = select(Report.id).where(
        Report.content_type == "proposal",
        Report.content_id == Proposal.id,
        Report.state == ReportState.PENDING,
    )
    return {
        str(i)
        for i in db.session.scalars(
            select(Proposal.id).where(
                Proposal.process_id == process_id,
                Proposal.hidden_at.is_not(None),
                ~waiting.exists(),
            )
        )
    }


def redact(process: Process, now=None) -> list[Publication]:
    """Rewrite every published version of ``process`` without the proposals hidden now;
    return the versions that changed. The caller commits."""
    services._lock(process.id)  # not while a version of the same process is being written
    hidden = hidden_proposal_ids(process.id)
    now = (now or utcnow()).replace(microsecond=0)
    changed = []
    for publication in services.publications(process.id):
        if _redact_version(process, publication, hidden, now):
            changed.append(publication)
    db.session.flush()
    return changed


def _redact_version(process: Process, publication: Publication, hidden: set[str], now) -> bool:
    if publication.pruned_at is not None:
        return False
    store = storage()
    prefix = services.version_prefix(process.slug, publication.version)
    entries = {f["name"]: dict(f) for f in publication.files}
    updated: set[str] = set()
    for name, entry in entries.items():
        stem, _dot, fmt = name.rpartition(".")
        rule = RULES.get(stem)
        key = f"{prefix}/{name}"
        if rule is None or fmt not in ("csv", "json"):
            continue
        try:
            with store.open(key) as stream:
                data = stream.read()
        except FileNotFoundError:
            logger.warning("open data file %s is missing; not redacted", key)
            continue
        redacted = _redact_csv(data, rule, hidden) if fmt == "csv" else None
        if fmt == "json":
            redacted = _redact_json(data, rule, hidden)
        if redacted is not None:
            data, rows = redacted
            store.write(key, [data], content_type=f"{services.MEDIATYPES[fmt]}; charset=utf-8")
            entry["rows"] = rows
        sha = hashlib.sha256(data).hexdigest()
        if sha != entry["sha256"] or len(data) != entry["bytes"]:
            entry["sha256"], entry["bytes"] = sha, len(data)
            updated.add(name)
    if not updated:
        return False
    package = _redacted_package(publication, prefix, entries, updated, now)
    body = services.package_body(package).encode("utf-8")
    store.write(f"{prefix}/{PACKAGE}", [body], content_type="application/json; charset=utf-8")
    publication.datapackage = package
    entries[PACKAGE].update(bytes=len(body), sha256=hashlib.sha256(body).hexdigest())
    files = [entries[f["name"]] for f in publication.files]
    publication.files = files  # a new list: the JSON column sees the change
    publication.fingerprint = services.fingerprint(
        [
            services.WrittenFile(f["name"], f["bytes"], f["sha256"], f.get("rows"))
            for f in files
            if f["name"] != PACKAGE
        ]
    )
    publication.redacted_at = now
    logger.info(
        "redacted %s v%s: %s", process.slug, publication.version, ", ".join(sorted(updated))
    )
    return True


def _redact_csv(data: bytes, rule, hidden: set[str]) -> tuple[bytes, int] | None:
    """The CSV without what ``rule`` removes, and its row count; None if nothing changes."""
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    header = next(reader, None)
    if header is None:
        return None
    kept, changed = [], False
    for values in reader:
        row = dict(zip(header, values, strict=False))
        new = rule({k: (v if v != "" else None) for k, v in row.items()}, hidden)
        if new is None:
            changed = True
            continue
        out = ["" if new.get(k) is None else str(new[k]) for k in header]
        changed = changed or out != values
        kept.append(out)
    if not changed:
        return None
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")  # as services.csv_chunks writes them
    writer.writerow(header)
    writer.writerows(kept)
    return buffer.getvalue().encode("utf-8"), len(kept)


def _redact_json(data: bytes, rule, hidden: set[str]) -> tuple[bytes, int] | None:
    """The JSON array without what ``rule`` removes, and its length; None if nothing
    changes. Written as ``services.json_chunks`` writes it (one object per line)."""
    records = json.loads(data.decode("utf-8"))
    kept, changed = [], False
    for record in records:
        new = rule(record, hidden)
        changed = changed or new != record
        if new is not None:
            kept.append(new)
    if not changed:
        return None
    lines = ",\n".join(json.dumps(r, ensure_ascii=False) for r in kept)
    return (f"[\n{lines}\n]\n" if kept else "[\n]\n").encode("utf-8"), len(kept)


def _redacted_package(
    publication: Publication, prefix: str, entries: dict[str, dict], updated: set[str], now
) -> dict:
    """``datapackage.json`` with the new sizes and hashes, and when and what was redacted
    (from the row; from the stored file for a version published before the row kept it)."""
    if publication.datapackage is not None:
        package = json.loads(json.dumps(publication.datapackage))  # a copy, changed below
    else:
        with storage().open(f"{prefix}/{PACKAGE}") as stream:
            package = json.loads(stream.read().decode("utf-8"))
    for resource in package.get("resources", []):
        entry = entries.get(resource.get("path"))
        if entry is None:
            continue
        resource["bytes"] = entry["bytes"]
        resource["hash"] = f"sha256:{entry['sha256']}"
        if entry.get("rows") is not None:
            resource["row_count"] = entry["rows"]
    stamp = now.isoformat() + "Z"
    package["redacted"] = stamp
    package["redacted_resources"] = sorted(set(package.get("redacted_resources", [])) | updated)
    package["redaction_note"] = (
        f"Versión redactada el {stamp}: se quitó contenido ocultado por moderación después "
        "de publicarse (propuestas y su vínculo con los proyectos). Lo demás no cambió."
    )
    package["redaction_note_en"] = (
        f"Version redacted on {stamp}: content hidden by moderation after publication was "
        "taken out (proposals and their link from projects). Nothing else changed."
    )
    return package
