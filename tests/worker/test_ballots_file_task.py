"""A real worker writes ``boletas.csv`` to the storage the web node serves it from: after an
official tally, and when a request finds it missing (503 with Retry-After meanwhile, the
writing queued once however many ask)."""

import pytest

from participa.extensions import db
from participa.results import ballots_file, exports
from participa.results.queries import published_run
from participa.results.services import request_tally
from participa.results.tasks import tally_budget
from participa.storage import storage
from tests.support.opendata import tallied_process
from tests.support.worker import published_tasks, running_worker, sending_to, wait_until

TASK = "participa.results.tasks.store_ballots_file"


@pytest.fixture
def shared_storage(app, tmp_path):
    """One storage folder for the test app and its worker, as every node of a site has."""
    folder = tmp_path / "storage"
    saved = app.config.get("STORAGE_URL")
    app.config["STORAGE_URL"] = str(folder)
    app.extensions.pop("storage", None)
    yield folder
    app.config["STORAGE_URL"] = saved
    app.extensions.pop("storage", None)


@pytest.fixture
def storage_worker(app, database_url, redis_url, tmp_path_factory, shared_storage):
    env = {"PARTICIPA_STORAGE_URL": str(shared_storage)}
    with (
        running_worker(database_url, redis_url, tmp_path_factory, "ballots", env) as worker,
        sending_to(app, worker),
    ):
        yield worker


@pytest.mark.worker
def test_a_missing_file_is_prepared_by_the_worker_then_served(ctx, client, storage_worker):
    process, budget, _voters = tallied_process()  # tallied in-process, without its file
    run = published_run(budget)
    expected = "".join(exports.ballots_csv(budget)).encode()
    url = f"/procesos/{process.slug}/presupuestos/{budget.id}/resultados/boletas.csv"

    with published_tasks() as sent:
        first = client.get(url)
        assert first.status_code == 503
        assert first.headers["Retry-After"] == str(ballots_file.RETRY_AFTER)
        page = first.get_data(as_text=True)
        assert "preparando" in page
        # the way back: the same download again, or the results page
        assert f'href="{url}"' in page
        assert f'href="/procesos/{process.slug}/presupuestos/{budget.id}/resultados/"' in page
        assert first.headers["Cache-Control"] == "no-store"
        second = client.get(url)  # asked again at once: never queued twice
        assert second.status_code in (200, 503)
    assert [name for name, _id in sent] == [TASK]

    wait_until(lambda: ballots_file.is_stored(run), 60, "the worker to write boletas.csv")
    served = client.get(url)
    assert served.status_code == 200
    assert served.data == expected
    assert not storage().exists(ballots_file.pending_key(run))

    again = request_tally(budget)  # a re-count: the worker tallies, then writes its file
    db.session.commit()
    tally_budget.delay(again.id)
    wait_until(
        lambda: (
            (run2 := published_run(budget)) is not None
            and run2.id == again.id
            and ballots_file.is_stored(run2)
        ),
        60,
        "the new run's boletas.csv",
    )
    newest = client.get(url)
    assert newest.status_code == 200 and newest.data == expected
