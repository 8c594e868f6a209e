"""The anonymous ballots CSV (``boletas.csv``) of a budget's official tally run: written
once to storage by the worker, then served from there (ETag, Range), never recomputed per
request.

One file per official run, under ``results/<process>/<budget>/run-<run>/boletas.csv``. The
worker writes it when the official tally is stored (``tally_finished``) and, for runs from
before this file existed, when a results phase opens (``results_opened``) or when someone
first asks for it. It may be written before the phase shows the ballots: it is only served
when :func:`participa.results.visibility.results_access` allows ``ballots``, like the page.

Why a run's file never goes stale: ballots change only while voting is open (casting,
booths and annulments all require it), and the public sees the run started after voting
closed (:func:`participa.results.queries.published_run`). Reopening the vote moves the
close, so that run is no longer shown, and the next official run (a new key) replaces
it; another tally after the close (a re-count) is a new run and a new file of the same
ballots.

While a file is missing the request queues its writing and answers 503 with
``Retry-After`` (:func:`participa.results.tasks.queue_ballots_file`): a marker next to
the file (``.pending``, with the time it was queued) keeps repeated requests from queuing
it again, and the task takes a lock per run, so it is written once at a time.
"""

from __future__ import annotations

import time

from sqlalchemy import text

from participa.downloads import CSV_CONTENT_TYPE
from participa.extensions import db
from participa.results import exports
from participa.results.models import RunStatus, TallyRun
from participa.results.queries import published_run
from participa.storage import storage

RETRY_AFTER = 30  # seconds a client is asked to wait while the file is written
PENDING_FOR = 15 * 60  # a write queued longer ago than this is presumed lost: queued again
LOCK = 7_300_003  # PostgreSQL advisory lock class: one writer per run


def key(run: TallyRun) -> str:
    """Where the ballots CSV of ``run`` is stored."""
    return f"results/{run.budget.process.slug}/{run.budget_id}/run-{run.id}/boletas.csv"


def pending_key(run: TallyRun) -> str:
    return key(run) + ".pending"


def is_stored(run: TallyRun) -> bool:
    return storage().exists(key(run))


def recently_queued(run: TallyRun, now: float | None = None) -> bool:
    """Whether a write of ``run``'s file was queued less than ``PENDING_FOR`` ago."""
    try:
        with storage().open(pending_key(run)) as stream:
            queued = float(stream.read(64) or 0)
    except (FileNotFoundError, ValueError):
        return False
    return (now or time.time()) - queued < PENDING_FOR


def mark_queued(run: TallyRun) -> None:
    storage().write(pending_key(run), [str(time.time())], content_type="text/plain")


def clear_queued(run: TallyRun) -> None:
    storage().delete(pending_key(run))


def store(run_id: int) -> str:
    """Write the ballots CSV of official run ``run_id`` unless it is stored (idempotent):
    ``written``, ``stored`` (already there), ``busy`` (another worker writes it now) or
    ``not-public`` (not a finished official run, or one superseded by a newer one). Reads
    only; the caller ends the transaction (which releases the lock)."""
    run = db.session.get(TallyRun, run_id)
    if run is None or run.preview or run.status != RunStatus.DONE:
        return "not-public"
    current = published_run(run.budget)
    if current is None or current.id != run.id:
        return "not-public"
    if not _take_lock(run_id):
        return "busy"
    if is_stored(run):
        clear_queued(run)
        return "stored"
    storage().write(key(run), exports.ballots_csv(run.budget), content_type=CSV_CONTENT_TYPE)
    clear_queued(run)
    _drop_older_runs(run)
    return "written"


def _drop_older_runs(run: TallyRun) -> None:
    """The files of the budget's earlier official runs: no longer shown to anyone."""
    folder = key(run).rsplit("/", 2)[0]  # results/<process>/<budget>
    mine = key(run).rsplit("/", 1)[0] + "/"
    for other in storage().keys(folder):
        if not other.startswith(mine):
            storage().delete(other)


def _take_lock(run_id: int) -> bool:
    """This transaction holds the run's write lock (PostgreSQL; SQLite: one node, yes)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    return bool(
        db.session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:a, :b)"), {"a": LOCK, "b": run_id}
        )
    )
