"""Which published versions of open data are kept, and pruning the others.

A version is a few files per dataset; a city publishing every day (and after every tally)
would keep them all forever. The policy, per process:

- the ``OPENDATA_KEEP_VERSIONS`` newest versions (10 by default, never fewer than 1) are
  kept;
- every version an official result refers to is kept, whatever its age: for each official
  tally run whose outcome was published, the *first* version that contains it (recorded at
  publication in :attr:`Publication.result_runs`; that version is the one the results were
  announced with, and recounting it reproduces them). Versions published before the runs
  were recorded (``result_runs`` NULL) are kept when a tally or the opening of results
  triggered them, the only ones that can be the first with an outcome;
- the others are pruned: the row stays, marked ``pruned_at`` (the public version history
  keeps saying the version existed, when and why it was published, with its files' sha256,
  and that its files were deleted), their URLs answer 410 Gone, and their files are deleted
  from the storage once that is committed.

:func:`sweep` also deletes what no row names: the prefix of a publication that failed or
was never committed (object storage has no rename, see ``services``), when a later
version has committed since (the prefix of one being written now is never touched: it
takes the next number).
"""

from __future__ import annotations

import re
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from participa.db import utcnow
from participa.extensions import db
from participa.opendata import services
from participa.opendata.models import Publication
from participa.processes.models import Process
from participa.storage import storage

LEGACY_RESULT_TRIGGERS = ("tally", "results")


def keep_count() -> int:
    return max(1, int(current_app.config.get("OPENDATA_KEEP_VERSIONS") or 10))


def kept_versions(history: list[Publication], keep: int) -> set[int]:
    """The version numbers of ``history`` (one process) the policy keeps."""
    newest_first = sorted(history, key=lambda p: p.version, reverse=True)
    kept = {p.version for p in newest_first[:keep]}
    first_with: dict[int, int] = {}  # official run id -> first version containing it
    for pub in reversed(newest_first):
        if pub.result_runs is None:
            if pub.trigger in LEGACY_RESULT_TRIGGERS:
                kept.add(pub.version)
            continue
        for run_id in pub.result_runs:
            first_with.setdefault(int(run_id), pub.version)
    return kept | set(first_with.values())


def prune(process: Process, keep: int | None = None, now: datetime | None = None) -> list[int]:
    """Mark the versions of ``process`` the policy does not keep as pruned; return their
    numbers. The caller commits, then calls :func:`sweep` (which deletes their files)."""
    services._lock(process.id)  # not while a version is being published
    now = (now or utcnow()).replace(microsecond=0)
    history = services.publications(process.id)
    kept = kept_versions(history, keep if keep is not None else keep_count())
    pruned = []
    for pub in history:
        if pub.pruned_at is None and pub.version not in kept:
            pub.pruned_at = now
            pruned.append(pub.version)
    db.session.flush()
    return sorted(pruned)


def sweep(process: Process) -> list[int]:
    """Delete from the storage the files of ``process``'s pruned versions and of versions
    no row names (up to the newest committed one); return the version numbers swept."""
    rows = dict(
        db.session.execute(
            select(Publication.version, Publication.pruned_at).where(
                Publication.process_id == process.id
            )
        ).all()
    )
    db.session.rollback()  # no transaction held while the storage is listed
    newest = max(rows, default=0)
    pattern = re.compile(rf"{re.escape(services.process_prefix(process.slug))}/v(\d+)/")
    found = {
        int(m.group(1))
        for key in storage().keys(services.process_prefix(process.slug))
        if (m := pattern.match(key))
    }
    swept = []
    for version in sorted(found):
        orphan = version not in rows and version <= newest
        if orphan or rows.get(version) is not None:
            storage().delete_prefix(services.version_prefix(process.slug, version))
            swept.append(version)
    return swept
