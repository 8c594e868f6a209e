"""One unit of work per request and per task: services flush, the request or the task
commits once, side effects run only after that commit and never after a rollback."""

import re
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from participa.accountability import follows
from participa.accountability import items as execution_items
from participa.accountability import statuses as execution_statuses
from participa.accountability.models import ExecutionItem, ExecutionStatus
from participa.audit.models import ActionLog
from participa.census import importing
from participa.extensions import db
from participa.notifications import tasks as notification_tasks
from participa.notifications.models import Notification
from participa.notifications.services import notify
from participa.processes import scheduler
from participa.processes.models import District
from participa.unit_of_work import after_commit, pending_callbacks
from tests import factories as f
from tests.support.auth import Auth

PACKAGE = Path(__file__).resolve().parents[2] / "participa"


@pytest.fixture
def commits():
    """How many times any session commits while the test runs."""
    seen: list[Session] = []

    def count(session: Session) -> None:
        if not session.in_nested_transaction():
            seen.append(session)

    event.listen(Session, "after_commit", count)
    yield seen
    event.remove(Session, "after_commit", count)


@pytest.fixture
def sent(monkeypatch):
    """The notifications sent (eager Celery: at once, by the dispatch after a commit)."""
    ids: list[int] = []
    monkeypatch.setattr(notification_tasks, "send_notification", ids.append)
    return ids


def test_services_and_queries_never_commit():
    offenders = [
        str(path.relative_to(PACKAGE))
        for pattern in (
            "**/services.py",
            "processes/editing.py",  # the services that correct what administrators made
            "budgets/editing.py",
            "**/queries.py",
            "**/scheduler.py",
        )
        for path in PACKAGE.glob(pattern)
        if re.search(r"\.commit\(", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_a_scheduler_pass_flushes_and_leaves_the_commit_to_its_task(ctx, commits):
    f.process()  # a past phase to record as opened and closed, a current one to open
    db.session.commit()
    commits.clear()
    done = scheduler.advance_phases()
    assert done["opened"] and commits == []  # recorded, not committed
    db.session.rollback()
    assert scheduler.advance_phases()["opened"] == done["opened"]  # nothing was kept


def test_callbacks_run_after_the_commit_and_never_after_a_rollback(ctx):
    ran: list[str] = []
    after_commit(lambda: ran.append("rolled back"))
    db.session.rollback()
    after_commit(lambda: ran.append(str(db.session.scalar(select(func.count(Notification.id))))))
    with pytest.raises(RuntimeError), db.session.begin_nested():
        raise RuntimeError  # a savepoint rolled back keeps what came before
    assert ran == []  # nothing before the commit
    db.session.commit()
    assert ran == ["0"]  # once, after it, able to read through the session
    db.session.commit()
    assert ran == ["0"]


def test_a_failed_request_leaves_nothing_and_sends_nothing(client, monkeypatch, sent):
    process, admin, resident = f.process(), f.admin(), f.user()
    item = execution_items.add_item(process, admin, "Parque")
    follows.follow(item, resident)
    db.session.commit()
    item_id, progress = item.id, item.progress
    before = db.session.scalar(select(func.count(Notification.id)))
    status = execution_statuses.statuses(process)[-1]
    Auth(client).login(admin)
    real = execution_items.update_item

    def update_then_fail(*args, **kwargs):
        real(*args, **kwargs)  # the followers are notified in this transaction
        assert dispatch_pending()
        raise RuntimeError("the request fails after the service")

    monkeypatch.setattr(execution_items, "update_item", update_then_fail)
    url = f"/admin/procesos/{process.id}/seguimiento/{item_id}"
    with pytest.raises(RuntimeError):
        client.post(url, data={"status_id": status.id, "progress": 90, "spent": 10})
    db.session.remove()  # the request's end (its teardown)
    db.session.add(f.user())  # a next unit of work commits
    db.session.commit()
    assert db.session.scalar(select(func.count(Notification.id))) == before
    assert sent == []  # nothing of the failed request was sent
    assert db.session.get(ExecutionItem, item_id).progress == progress != 90


def test_a_view_only_commits_and_the_notification_goes_after(client, monkeypatch, sent):
    process, admin, resident = f.process(), f.admin(), f.user()
    item = execution_items.add_item(process, admin, "Parque")
    follows.follow(item, resident)
    db.session.commit()
    status = execution_statuses.statuses(process)[-1]
    Auth(client).login(admin)
    url = f"/admin/procesos/{process.id}/seguimiento/{item.id}"
    response = client.post(url, data={"status_id": status.id, "progress": 90, "spent": 10})
    assert response.status_code == 303
    (note,) = db.session.scalars(select(Notification).where(Notification.user_id == resident.id))
    assert sent == [note.id]


def test_the_admin_item_page_writes_nothing(client, commits):
    process, admin = f.process(), f.admin()
    item = ExecutionItem(process_id=process.id, title="Sin estados")  # e.g. an older item
    db.session.add(item)
    db.session.commit()
    Auth(client).login(admin)
    commits.clear()
    assert client.get(f"/admin/procesos/{process.id}/seguimiento/{item.id}").status_code == 200
    assert commits == []
    assert db.session.scalar(select(func.count(ExecutionStatus.id))) == 0


def dispatch_pending() -> bool:
    return any(getattr(c, "__name__", "") == "dispatch" for c in pending_callbacks())


def test_notify_registers_its_dispatch_once(ctx):
    user = f.user()
    db.session.commit()
    notify([user.id], "content_hidden", "Asunto", "Cuerpo")
    notify([user.id], "content_hidden", "Asunto", "Cuerpo")
    assert [getattr(c, "__name__", "") for c in pending_callbacks()] == ["dispatch"]
    db.session.rollback()


def test_a_refused_verification_is_committed_once_with_its_record(client, commits):
    db.session.add(District(name="Centro"))
    db.session.flush()
    importing.import_census("documento,fecha_nacimiento,distrito\nUOW000001,1980-05-05,Centro\n")
    resident = f.user()
    db.session.commit()
    Auth(client).login(resident)
    commits.clear()
    data = {"document": "UOW000001", "birth_date": "1980-05-06"}
    response = client.post("/verificacion", data=data)
    assert response.status_code == 422 and "padrón" in response.text
    assert len(commits) == 1  # the request's one commit: the failed attempt, which counts
    failed = select(func.count(ActionLog.id)).where(ActionLog.action == "census.verify_failed")
    assert db.session.scalar(failed) == 1
