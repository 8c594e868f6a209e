"""A worker killed in the middle of a tally: the message is not lost (the task is
acknowledged late), Redis hands it to a fresh worker after the visibility timeout, and the
re-run stores exactly the outcome of a clean tally. A tally delivered twice is counted and
published once.
"""

import os
import threading

import numpy as np
import pytest
from sqlalchemy import func, select

from participa.budgets.models import Ballot, BallotItem
from participa.db import utcnow
from participa.extensions import db
from participa.results import services
from participa.results.models import ProjectOutcome, RunStatus, TallyRun
from participa.results.tasks import run_tally, tally_budget
from tests import factories as f
from tests.support.reliability import finished_runs, outcome_rows, publications
from tests.support.worker import kill_worker, log_count, start_worker, stop_worker, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.worker]

BALLOTS = 5_000  # Equal Shares over 100 projects, 51 funded: a couple of seconds of counting
PROJECTS = 100


def copy_ballots(budget_id: int, project_ids: list[int], n: int, seed: int) -> None:
    """``n`` imported ballots (seeded random approvals) written with COPY: quick to make."""
    rng = np.random.default_rng(seed)
    popularity = rng.uniform(0.05, 0.35, len(project_ids))
    chosen = rng.random((n, len(project_ids))) < popularity
    chosen[~chosen.any(axis=1), 0] = True  # nobody casts an empty ballot
    now = utcnow().isoformat()
    raw = db.session.connection().connection.driver_connection  # psycopg 3
    with raw.cursor() as cursor:
        columns = "budget_id, voter_ref, public_id, channel, created_at, updated_at"
        with cursor.copy(f"COPY ballots ({columns}) FROM STDIN") as copy:
            copy.write(
                "".join(
                    f"{budget_id}\tv{i}\t{budget_id:04x}{i:012x}\timport\t{now}\t{now}\n"
                    for i in range(n)
                )
            )
        cursor.execute(
            "SELECT voter_ref, id FROM ballots WHERE budget_id = %s", (budget_id,), prepare=False
        )
        ballot_ids = dict(cursor.fetchall())
        ids = np.array([ballot_ids[f"v{i}"] for i in range(n)])
        rows, columns = np.nonzero(chosen)
        projects = np.array(project_ids)
        with cursor.copy("COPY ballot_items (ballot_id, budget_id, project_id) FROM STDIN") as copy:
            copy.write(
                "".join(
                    f"{b}\t{budget_id}\t{p}\n"
                    for b, p in zip(ids[rows].tolist(), projects[columns].tolist(), strict=True)
                )
            )


@pytest.fixture
def killable_worker(app, database_url, redis_url, tmp_path):
    """Start prefork workers (the production pool: a task runs in a child process while
    the parent keeps talking to Redis) on a queue of this test, whose messages Redis gives
    out again 4 s after a worker took them without acknowledging them (production: an
    hour). Their unacked bookkeeping has keys of its own: no other run's messages are
    touched."""
    queue = f"participa-kill-{os.getpid()}"
    options = "PARTICIPA_CELERY__broker_transport_options__"
    env = {
        options + "visibility_timeout": "4",
        options + "unacked_restore_interval": "1",
        options + "unacked_restore_throttle": "1",
        options + "unacked_key": f"{queue}-unacked",
        options + "unacked_index_key": f"{queue}-unacked-index",
        options + "unacked_mutex_key": f"{queue}-unacked-mutex",
        # no time limits: the worker refuses to start with limits above the visibility
        # timeout (participa.celery.check_visibility_timeout), shortened here
        **{f"PARTICIPA_{kind}_TIME_LIMIT": "null" for kind in ("TALLY", "PUBLICATION")},
        **{f"PARTICIPA_{kind}_SOFT_TIME_LIMIT": "null" for kind in ("TALLY", "PUBLICATION")},
        "PARTICIPA_PUBLISH_ALL_TIME_LIMIT": "null",
        "PARTICIPA_PUBLISH_ALL_SOFT_TIME_LIMIT": "null",
    }
    started = []

    def start(log_name: str):
        process = start_worker(
            database_url=database_url,
            redis_url=redis_url,
            queue=queue,
            log=tmp_path / log_name,
            instance=tmp_path / "instance",
            env=env,
            pool="prefork",
        )
        started.append(process)
        return process

    yield {"start": start, "queue": queue, "dir": tmp_path}
    for process in started:
        stop_worker(process)


def test_worker_killed_mid_tally_then_a_fresh_worker_stores_the_same_outcome(
    pg, worker, killable_worker
):
    costs = tuple(int(c) * 1000 for c in np.random.default_rng(7).integers(50, 400, PROJECTS))
    budget = f.budget(
        f.process(now_allows=("allows_vote",)),
        amount=sum(costs) // 2,
        costs=costs,
        ballot_type="approval",
        rule="equalshares",
    )
    copy_ballots(budget.id, f.project_ids(budget), BALLOTS, seed=11)
    reference, killed = services.request_tally(budget), services.request_tally(budget)
    db.session.commit()
    reference_id, killed_id = reference.id, killed.id

    # The first worker starts while the reference is counted here, undisturbed.
    first: list = []
    starting = threading.Thread(target=lambda: first.append(killable_worker["start"]("1.log")))
    starting.start()
    run_tally(reference_id)
    starting.join()
    assert first, "the first worker did not start"

    message = tally_budget.apply_async((killed_id,), queue=killable_worker["queue"])
    wait_until(
        lambda: db.session.get(TallyRun, killed_id).progress > 0,
        60,
        "the tally to have read the ballots",
    )
    kill_worker(first[0])  # SIGKILL to the process group, in the middle of the counting

    db.session.expire_all()
    run = db.session.get(TallyRun, killed_id)
    assert run.status == RunStatus.RUNNING  # it was killed before it could finish...
    assert not db.session.scalar(
        select(func.count()).where(ProjectOutcome.run_id == killed_id)
    )  # ...and stored nothing

    killable_worker["start"]("2.log")  # nothing sent again: Redis gives it the same message
    wait_until(lambda: db.session.get(TallyRun, killed_id).status == RunStatus.DONE, 60, "re-run")

    run, clean = db.session.get(TallyRun, killed_id), db.session.get(TallyRun, reference_id)
    assert run.ballots_counted == clean.ballots_counted == BALLOTS
    assert db.session.scalar(select(func.count(Ballot.id))) == BALLOTS
    assert (run.total_cost, run.error, run.progress) == (clean.total_cost, None, 100)
    assert [o.project_id for o in run.selected] == [o.project_id for o in clean.selected]
    assert outcome_rows(killed_id) == outcome_rows(reference_id)
    assert len(run.selected) > 1 and any(o.price for o in run.outcomes)  # a real MES outcome
    assert [r.id for r in finished_runs(budget.id)] == [reference_id, killed_id]  # no new run
    second_log = (killable_worker["dir"] / "2.log").read_text()
    assert f"tally_budget[{message.id}] succeeded" in second_log


def test_a_tally_delivered_twice_is_counted_and_published_once(pg, worker):
    process = f.process()
    process.phases[0].allows_vote = True  # voting was the phase that already ended
    budget = f.budget(process, amount=1000, costs=(600, 500, 300, 200))
    p1, p2, p3, p4 = f.project_ids(budget)
    ballots = [[p1, p3], [p1, p4], [p2, p3], [p2, p3], [p2]]
    for i, chosen in enumerate(ballots):  # imported: voting is over
        ballot = Ballot(budget_id=budget.id, voter_ref=f"v{i}", channel="import")
        db.session.add(ballot)
        db.session.flush()
        db.session.add_all(
            BallotItem(ballot_id=ballot.id, budget_id=budget.id, project_id=p) for p in chosen
        )
    run = services.request_tally(budget)
    db.session.commit()
    assert not run.preview  # the official tally: it is published
    log, start = worker["log"], len(worker["log"].read_text())

    first = tally_budget.apply_async((run.id,))
    wait_until(lambda: f"tally_budget[{first.id}] succeeded" in log.read_text(), 30, "1st")
    wait_until(lambda: publications(process.id), 30, "the publication")
    stored = (outcome_rows(run.id), db.session.get(TallyRun, run.id).finished_at)

    second = tally_budget.apply_async((run.id,))  # e.g. redelivered after a lost ack
    wait_until(lambda: f"tally_budget[{second.id}] succeeded" in log.read_text(), 30, "2nd")
    wait_until(
        lambda: log_count(log, "publish_process[", start) >= 4, 30, "both publications tried"
    )
    db.session.expire_all()
    assert (outcome_rows(run.id), db.session.get(TallyRun, run.id).finished_at) == stored
    assert f"tally run {run.id} is already done; not counted again" in log.read_text()
    assert [r.status for r in finished_runs(budget.id)] == [RunStatus.DONE]
    (publication,) = publications(process.id)  # the second found nothing new to publish
    assert publication.trigger == "tally" and publication.version == 1
