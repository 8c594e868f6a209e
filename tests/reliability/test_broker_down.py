"""Redis (the task broker) is down: voting goes on through HTTP, nothing waits on it or
fails with a 500, and when it is back beat's next run tallies every ballot and sends every
receipt. (The machine's Redis is never stopped: the app is pointed at a dead port.)
"""

import re
import time
from datetime import timedelta
from urllib.parse import urljoin

import pytest
from sqlalchemy import select

from participa.budgets.models import Ballot
from participa.budgets.receipts import receipt_hash
from participa.db import utcnow
from participa.extensions import db
from participa.notifications.models import Notification
from participa.notifications.sealing import unseal
from participa.notifications.tasks import send_pending
from participa.processes.tasks import advance_phases, run_scheduler
from participa.results import queries
from participa.results.models import RunStatus, TallyRun
from participa.tallying import Election, TallyProject, greedy
from tests import factories as f
from tests.support.auth import http_session
from tests.support.reliability import DEAD_BROKER, publications
from tests.support.worker import switch_broker, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.worker]

RECEIPT = re.compile(r"Tu código de comprobante es ([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})")
# Seconds a request may take while the broker is down: a generous bound, not a speed test.
# The dead broker refuses the connection at once and a send gives up after one retry
# (CELERY.task_publish_retry_policy): these requests take 10-70 ms here, and the slowest
# minutes of this shared machine put even a busy ballot POST's p99 at 1.2 s (README,
# Performance). What the bound catches is a send that keeps retrying and holds the
# request: with 40 retries 0.5 s apart each of these POSTs took 4 s. Hence 3 s: 40 times
# the usual figure, 2.5 times the slowest minute's. (Speed itself is for bench/.)
PATIENCE = 3.0


def post(session, url: str, data: dict) -> tuple[int, str, float]:
    """POST like a browser: the status, the page it is sent to, and how long the POST took."""
    started = time.monotonic()
    response = session.post(url, data=data, allow_redirects=False, timeout=30)
    elapsed = time.monotonic() - started
    assert response.status_code == 303, (response.status_code, response.text[:2000])
    page = session.get(urljoin(url, response.headers["Location"]), timeout=30)
    assert page.status_code == 200
    return response.status_code, page.text, elapsed


def test_voting_works_while_redis_is_down_and_the_tally_runs_when_it_is_back(
    pg, worker, live_server
):
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process, amount=1000, costs=(600, 500, 300, 200))
    p1, p2, p3, p4 = f.project_ids(budget)
    selections = [[p1, p3], [p1, p4], [p2, p3], [p2, p3], [p2]]
    voters = [f.user() for _ in selections]
    admin = f.admin()
    db.session.commit()
    browsers = [http_session(live_server, voter.email) for voter in voters]
    admin_browser = http_session(live_server, admin.email)
    confirm = f"{live_server}/procesos/{process.slug}/presupuestos/{budget.id}/boleta/confirmar"
    tally_button = f"{live_server}/admin/presupuestos/{budget.id}/contar"

    celery = pg.extensions["celery"]
    switch_broker(celery, broker_url=DEAD_BROKER)
    try:
        codes = []
        for browser, selection in zip(browsers, selections, strict=True):
            _status, page, elapsed = post(browser, confirm, {"project": selection})
            assert elapsed < PATIENCE
            (code,) = RECEIPT.findall(page)  # the resident sees the receipt anyway
            codes.append(code)
        db.session.expire_all()
        for voter, selection, code in zip(voters, selections, codes, strict=True):
            ballot = db.session.scalar(select(Ballot).where(Ballot.user_id == voter.id))
            assert sorted(i.project_id for i in ballot.items) == sorted(selection)
            assert ballot.receipt_hash == receipt_hash(code)
        notes = db.session.scalars(select(Notification).order_by(Notification.id)).all()
        assert [(n.user_id, n.sent_at) for n in notes] == [(v.id, None) for v in voters]
        assert all(  # each waits with its code sealed, none in the clear
            code not in note.body and unseal(note.secret) == code
            for note, code in zip(notes, codes, strict=True)
        )

        # An administrator's preview while voting is open: refused in plain words.
        _status, page, elapsed = post(admin_browser, tally_button, {"rule": ""})
        assert elapsed < PATIENCE
        assert "El servicio de tareas no responde" in page
        assert "vuelve a pedir el conteo más tarde" in page
        (preview,) = db.session.scalars(select(TallyRun)).all()
        assert preview.preview and preview.status == RunStatus.FAILED
        assert "broker is unreachable" in preview.error

        # Voting closes; the scheduler (cron's `flask phases advance`) records it.
        now = utcnow()
        process.phases[1].ends_at = now - timedelta(seconds=1)
        process.phases[2].starts_at = now - timedelta(seconds=1)
        db.session.commit()
        started = time.monotonic()
        (run_id,) = run_scheduler()["tallies"]
        assert time.monotonic() - started < PATIENCE
        run = db.session.get(TallyRun, run_id)
        assert not run.preview and run.status == RunStatus.FAILED  # not sent: nothing stuck
        assert queries.budgets_due_for_tally() == [budget]  # due at beat's next run

        # The official tally asked for by hand: it will happen by itself.
        _status, page, _elapsed = post(admin_browser, tally_button, {"rule": ""})
        assert "El conteo oficial se hará solo en cuanto vuelva" in page
    finally:
        switch_broker(celery, broker_url=worker["redis_url"])

    # Redis is back: beat's next messages.
    advance_phases.delay()
    send_pending.delay()
    done = wait_until(
        lambda: db.session.scalars(select(TallyRun).where(TallyRun.status == RunStatus.DONE)).all(),
        60,
        "the official tally",
    )
    (run,) = done
    assert not run.preview and run.ballots_counted == len(selections)
    assert queries.published_run(budget).id == run.id
    projects = [
        TallyProject(p, c, i)
        for i, (p, c) in enumerate(zip((p1, p2, p3, p4), (600, 500, 300, 200), strict=True))
    ]
    expected = greedy(Election.from_scores(1000, projects, {p1: 2, p2: 3, p3: 3, p4: 1}))
    assert [o.project_id for o in run.selected] == list(expected.selected) == [p2, p3, p4]
    wait_until(
        lambda: all(n.sent_at for n in db.session.scalars(select(Notification))),
        30,
        "every receipt sent",
    )
    assert len(db.session.scalars(select(Notification)).all()) == len(voters)
    mailbox = worker["mailbox"]  # each voter got their own code, once
    wait_until(lambda: all(mailbox.to(v.email) for v in voters), 10, "the receipts received")
    assert [
        [code in body for _subject, body in mailbox.to(voter.email)]
        for voter, code in zip(voters, codes, strict=True)
    ] == [[True]] * len(voters)
    wait_until(lambda: publications(process.id), 30, "the open data")
