"""100 simultaneous confirmations by one resident, through a real HTTP server on
PostgreSQL, with the receipts sent by a real worker: exactly one ballot, one valid receipt.

(The application under test has rate limits switched off: they would turn most of these
requests into 429s, and it is the database, not the limiter, that must guarantee this.)
"""

import re

import pytest
from sqlalchemy import func, select

from participa.budgets.models import Ballot, BallotItem
from participa.budgets.receipts import receipt_hash
from participa.extensions import db
from participa.notifications.models import Notification
from tests import factories as f
from tests.support.auth import http_session
from tests.support.parallel import run_together
from tests.support.reliability import sendings_finished
from tests.support.worker import log_count, published_tasks, tasks_ended, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.worker]

REQUESTS = 100
RECEIPT = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")
UNCHANGED = "Tu voto ya estaba registrado con esta misma selección"


def confirm_in_parallel(app, base_url, session, url, selections) -> list[tuple[int, dict]]:
    """POST every selection at once (one thread and one cookie jar each, released together
    by a barrier). The status of each confirmation and the messages it left for the next
    page (read from its signed session cookie: what that page would show)."""
    cookie = app.config["SESSION_COOKIE_NAME"]
    serializer = app.session_interface.get_signing_serializer(app)

    def confirmer(selection: list[int]):
        def confirm(wait) -> tuple[int, dict]:
            import requests

            browser = requests.Session()
            browser.cookies = session.cookies.copy()  # signed in, a cookie jar of its own
            wait()
            response = browser.post(
                base_url + url,
                data={"project": [str(p) for p in selection]},
                allow_redirects=False,
                timeout=120,
            )
            flashes = serializer.loads(response.cookies[cookie]).get("_flashes", [])
            return (response.status_code, dict(flashes))

        return confirm

    results = run_together([confirmer(s) for s in selections])  # raises what a thread raised
    assert all(results), "a confirmation thread died"
    return results


def shown_codes(results) -> list[str]:
    """The receipt codes shown after the confirmations."""
    return [RECEIPT.search(shown["receipt"]).group() for _s, shown in results if "receipt" in shown]


def test_100_identical_confirmations_make_one_ballot_one_receipt(pg, worker, live_server):
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process, amount=1000, costs=(400, 300, 300, 200))
    voter = f.user()
    db.session.commit()
    p1, _p2, p3, p4 = f.project_ids(budget)
    url = f"/procesos/{process.slug}/presupuestos/{budget.id}/boleta/confirmar"
    log_start = len(worker["log"].read_text())

    session = http_session(live_server, voter.email)
    with published_tasks() as sent:  # every sending the confirmations ask the worker for
        results = confirm_in_parallel(pg, live_server, session, url, [[p1, p3, p4]] * REQUESTS)

    assert [status for status, _page in results] == [303] * REQUESTS
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Ballot.id))) == 1
    ballot = db.session.scalar(select(Ballot))
    assert sorted(i.project_id for i in ballot.items) == sorted([p1, p3, p4])
    # The first confirmation to commit stored the ballot and showed its receipt; the 99
    # others found the same ballot, changed nothing and said so.
    (code,) = shown_codes(results)
    assert ballot.receipt_hash == receipt_hash(code)
    assert sum(UNCHANGED in shown.get("success", "") for _s, shown in results) == REQUESTS - 1
    (note,) = db.session.scalars(select(Notification).where(Notification.user_id == voter.id))
    assert note.kind == "ballot_confirmed" and code not in note.body  # sealed, not in clear
    # The receipt went through Redis to the worker, and was mailed once, with its code.
    mailbox = worker["mailbox"]
    wait_until(lambda: db.session.get(Notification, note.id).sent_at, 30, "the receipt sent")
    wait_until(lambda: mailbox.to(voter.email), 10, "the mail received")
    wait_until(  # through Redis: the task received, then succeeded
        lambda: log_count(worker["log"], "send_pending[", log_start) >= 2, 10, "the task logged"
    )
    # every sending asked for has run (each one is held by the worker until it is due)
    wait_until(
        lambda: tasks_ended(worker["log"], sent) and sendings_finished(worker["log"]),
        30,
        "every sending asked for",
    )
    ((_subject, body),) = mailbox.to(voter.email)
    assert code in body
    db.session.expire_all()
    assert db.session.get(Notification, note.id).secret is None  # sent: erased


def test_100_different_confirmations_keep_one_whole_ballot_and_the_last_receipt(
    pg, worker, live_server
):
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process, amount=1000, costs=(400, 300, 300, 200))
    voter = f.user()
    db.session.commit()
    ids = f.project_ids(budget)
    url = f"/procesos/{process.slug}/presupuestos/{budget.id}/boleta/confirmar"
    selections = [[ids[i % 4], ids[(i + 1) % 4]] for i in range(REQUESTS)]

    session = http_session(live_server, voter.email)
    results = confirm_in_parallel(pg, live_server, session, url, selections)

    assert [status for status, _page in results] == [303] * REQUESTS
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Ballot.id))) == 1
    ballot = db.session.scalar(select(Ballot))
    stored = sorted(db.session.scalars(select(BallotItem.project_id)))
    assert stored in [sorted(s) for s in selections]  # one whole selection, never a mix
    codes = shown_codes(results)
    assert len(codes) == len(set(codes)) >= 1  # every stored change showed a fresh code...
    valid = [code for code in codes if receipt_hash(code) == ballot.receipt_hash]
    assert len(valid) == 1  # ...and exactly one of them is the stored ballot's
    notes = db.session.scalars(
        select(Notification).where(Notification.user_id == voter.id).order_by(Notification.id)
    ).all()
    assert len(notes) == len(codes)  # one receipt per stored change, none per no-op
    assert all(not any(c in n.body for c in codes) for n in notes)  # codes sealed, never clear
    # Every code shown was mailed exactly once (the valid one among them); the mails carry
    # no id, so which notification carried it is no longer told by the row (it is erased).
    mailbox = worker["mailbox"]
    wait_until(lambda: len(mailbox.to(voter.email)) >= len(codes), 60, "every receipt mailed")
    mailed = [RECEIPT.search(body).group() for _subject, body in mailbox.to(voter.email)]
    assert sorted(mailed) == sorted(codes) and valid[0] in mailed
