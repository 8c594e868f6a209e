"""``boletas.csv`` is written once to storage (when the official tally is stored) and served
from there: the same bytes as the CSV streamed from the ballots, without reading the
ballots again, with ETag and Range, hidden whenever the phase hides the ballots."""

import re
from datetime import timedelta

from participa.db import utcnow
from participa.extensions import db
from participa.processes.services import open_phase_now
from participa.results import ballots_file, exports
from participa.results.queries import published_run
from participa.results.services import request_tally
from participa.results.tasks import run_tally, tally_budget
from participa.storage import storage
from tests import factories as f
from tests.support.ballots import cast_ballot
from tests.support.opendata import shift_phases, tallied_process
from tests.support.queries import counting

BALLOTS_TABLE = re.compile(r"\bballots\b|\bballot_items\b", re.IGNORECASE)


def url(process, budget) -> str:
    return f"/procesos/{process.slug}/presupuestos/{budget.id}/resultados/boletas.csv"


def stored_bytes(run) -> bytes:
    with storage().open(ballots_file.key(run)) as stream:
        return stream.read()


def test_the_stored_file_is_the_streamed_csv_and_is_served_without_reading_ballots(ctx, client):
    process, budget, _voters = tallied_process()
    run = published_run(budget)
    expected = "".join(exports.ballots_csv(budget)).encode()
    assert expected.count(b"\n") == 7  # header and six ballots

    assert not ballots_file.is_stored(run)  # tallied here without the task (run_tally)
    assert client.get(url(process, budget)).data == expected  # written (eager), then served
    assert stored_bytes(run) == expected
    assert ballots_file.key(run) == f"results/{process.slug}/{budget.id}/run-{run.id}/boletas.csv"

    with ctx.app_context(), counting() as seen:
        first = client.get(url(process, budget))
        second = client.get(url(process, budget))
    for response in (first, second):
        assert response.status_code == 200
        assert response.data == expected
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert "attachment" in response.headers["Content-Disposition"]
    assert not [s for s in seen if BALLOTS_TABLE.search(s)]


def test_ranges_etags_and_the_excel_variant_come_from_the_stored_bytes(ctx, client):
    process, budget, _voters = tallied_process()
    client.get(url(process, budget))
    expected = stored_bytes(published_run(budget))

    whole = client.get(url(process, budget))
    etag = whole.headers["ETag"]
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert "no-cache" in whole.headers["Cache-Control"]

    part = client.get(url(process, budget), headers={"Range": "bytes=10-29"})
    assert part.status_code == 206
    assert part.data == expected[10:30]
    assert part.headers["Content-Range"] == f"bytes 10-29/{len(expected)}"

    unchanged = client.get(url(process, budget), headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b""

    excel = client.get(url(process, budget) + "?excel=1")
    assert excel.status_code == 200
    assert excel.data == b"\xef\xbb\xbf" + expected
    assert excel.headers["Content-Disposition"].endswith('-excel.csv"')


def test_a_phase_hiding_the_ballots_hides_the_stored_file(ctx, client):
    process, budget, _voters = tallied_process()
    run = published_run(budget)
    assert client.get(url(process, budget)).status_code == 200

    process.phases[2].shows_vote_counts = False  # the winners only: no counts, no ballots
    db.session.commit()
    assert ballots_file.is_stored(run)  # still there, not served
    hidden = client.get(url(process, budget))
    assert hidden.status_code == 404
    assert hidden.data != stored_bytes(run)
    assert client.get(url(process, budget), headers={"Range": "bytes=0-9"}).status_code == 404

    process.phases[2].shows_results = False
    db.session.commit()
    assert client.get(url(process, budget)).status_code == 404


def test_a_missing_file_is_written_once_then_served(ctx, client):
    """A run tallied before the files were stored (or whose file was lost): the first
    request queues its writing (here, with no broker, run at once) and the file is then
    served from storage."""
    process, budget, _voters = tallied_process()
    run = published_run(budget)
    expected = "".join(exports.ballots_csv(budget)).encode()
    assert not ballots_file.is_stored(run)

    response = client.get(url(process, budget))
    assert response.status_code == 200 and response.data == expected
    assert ballots_file.is_stored(run)
    assert not storage().exists(ballots_file.pending_key(run))  # the marker is cleared
    assert ballots_file.store(run.id) == "stored"  # idempotent


def test_the_tally_task_writes_the_file_and_a_new_run_has_a_file_of_its_own(ctx, client):
    process, budget, _voters = tallied_process()
    first = published_run(budget)
    client.get(url(process, budget))
    assert ballots_file.is_stored(first)

    again = request_tally(budget)  # a re-count after the close: a new official run
    db.session.commit()
    tally_budget.delay(again.id)  # eager here; stores the run, then its ballots file
    second = published_run(budget)
    assert second.id == again.id != first.id
    assert ballots_file.key(second) != ballots_file.key(first)
    assert ballots_file.is_stored(second)
    assert not ballots_file.is_stored(first)  # the earlier run's file is not kept
    assert client.get(url(process, budget)).data == stored_bytes(second)


def test_an_administrators_preview_reads_the_ballots_as_they_are(ctx, client, auth):
    """Before results are public, an administrator's preview run is not stored: the
    ballots may still change."""
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process, costs=(600, 500, 300, 200))
    p1, _p2, p3, _p4 = f.project_ids(budget)
    cast_ballot(budget, f.user(), [p1, p3])
    run = request_tally(budget, now=utcnow())
    db.session.commit()
    run_tally(run.id)
    assert run.preview
    auth.login(f.admin())
    first = client.get(url(process, budget))
    assert first.status_code == 200 and first.data.count(b"\n") == 2
    assert not ballots_file.is_stored(run)
    cast_ballot(budget, f.user(), [p3])
    db.session.commit()
    assert client.get(url(process, budget)).data.count(b"\n") == 3


def test_opening_the_results_phase_writes_the_files_of_earlier_runs(ctx, client):
    """A run tallied before its file could be written (here without the task): opening
    the results phase (by hand, as the scheduler would) writes it."""
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process, amount=1000, costs=(600, 300))
    p1, p2 = f.project_ids(budget)
    for chosen in ([p1], [p1, p2], [p2]):
        cast_ballot(budget, f.user(), chosen)
    shift_phases(process, 12)
    results_phase = process.phases[2]
    results_phase.starts_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    run = request_tally(budget)
    db.session.commit()
    run_tally(run.id)
    assert client.get(url(process, budget)).status_code == 404  # not public yet
    assert not ballots_file.is_stored(run)

    open_phase_now(results_phase, f.admin())
    db.session.commit()  # the view's commit: the writing follows it
    assert ballots_file.is_stored(run)
    assert client.get(url(process, budget)).data.count(b"\n") == 4
