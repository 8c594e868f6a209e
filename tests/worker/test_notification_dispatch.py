"""Receipts through a real broker and worker: dispatches close together share one
sending, and every notification is sent once."""

from types import SimpleNamespace

from sqlalchemy import select

from participa.extensions import db
from participa.notifications import services
from participa.notifications.models import Notification
from tests import factories as f
from tests.support.worker import log_count, published_tasks, wait_until


def test_dispatches_close_together_share_one_sending(ctx, celery_worker, monkeypatch):
    monkeypatch.setattr(services._Trigger, "queued_at", float("-inf"))  # no earlier sending
    log = celery_worker["log"]
    start = len(log.read_text())
    users = [f.user() for _ in range(3)]
    db.session.commit()
    # Close together: within half the delay. The dispatcher's clock stands still, so that a
    # slow minute of the machine cannot spread the three apart (no wall-clock assertion).
    monkeypatch.setattr(services, "time", SimpleNamespace(monotonic=lambda: 1000.0))
    dispatched, dispatch = [], services.dispatch
    monkeypatch.setattr(services, "dispatch", lambda: dispatched.append(dispatch()))
    with published_tasks() as sent:
        for user in users:  # three confirmations, each committed and dispatched
            services.notify([user.id], "ballot_confirmed", "Tu voto quedó registrado", "Gracias")
            db.session.commit()  # dispatched right after the commit
    assert dispatched == [1, 1, 1]
    assert [name for name, _id in sent] == ["participa.notifications.tasks.send_pending"]

    def all_sent():
        rows = db.session.scalars(select(Notification)).all()
        return len(rows) == 3 and all(n.sent_at for n in rows)

    wait_until(all_sent, 30, "the three receipts sent")
    wait_until(lambda: log_count(log, "succeeded", start) >= 1, 10, "the task logged")
    text = log.read_text()[start:]
    assert text.count("send_pending[") == 2  # one message (received, succeeded) for three
    for user in users:  # no mail server: a line per message, without address or content
        assert text.count(f"(ballot_confirmed) for user {user.id} written") == 1
        assert user.email not in text
