"""Execution follow-up on the real database: items, roll-up, milestones, bulk CSV, followers."""

import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from participa.accountability import bulk, follows, milestones, rollup
from participa.accountability import items as execution_items
from participa.accountability import statuses as execution_statuses
from participa.accountability.models import ExecutionItem, ExecutionStatus, Milestone
from participa.audit.models import ActionLog
from participa.conversation import comments
from participa.conversation.content import target_of
from participa.conversation.models import Comment
from participa.errors import Invalid, NotAllowed
from participa.extensions import db
from participa.notifications.models import Notification
from tests import factories as f
from tests.support.accountability import JPEG, PNG, image_bytes, pixels, publish

WEBP = image_bytes("WEBP", lossless=True)


@pytest.fixture
def setup(ctx):
    process = f.process()
    budget = f.budget(process, amount=1000, costs=(400, 300, 300, 200))
    p1, p2, p3, p4 = f.projects(budget)
    publish(budget, [p1, p2, p4], [p3])
    admin = f.admin()
    items = execution_items.items_from_results(process, admin)
    db.session.commit()
    return process, budget, admin, items


def photo(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type="image/png")


def test_items_from_results_are_idempotent(setup):
    process, _budget, admin, items = setup
    assert sorted(i.budgeted for i in items) == [200, 300, 400]
    assert {i.status.key for i in items} == {"en-estudio"}
    keys = [s.key for s in execution_statuses.statuses(process)]
    assert keys == ["en-estudio", "en-licitacion", "en-ejecucion", "terminado"]
    assert execution_items.items_from_results(process, admin) == []
    # a second budget published later only adds its own winners
    other = f.budget(process, amount=500, costs=(250,))
    publish(other, f.projects(other))
    again = execution_items.items_from_results(process, admin)
    db.session.commit()
    assert [i.budgeted for i in again] == [250]
    total = db.session.scalar(select(func.count(ExecutionItem.id)))
    assert total == 4
    assert (
        db.session.scalar(
            select(func.count(ActionLog.id)).where(ActionLog.action == "execution_item.created")
        )
        == 4
    )
    # statuses were not duplicated
    count = db.session.scalar(
        select(func.count(ExecutionStatus.id)).where(ExecutionStatus.process_id == process.id)
    )
    assert count == 4


def test_only_administrators_change_follow_up(setup):
    process, _budget, _admin, items = setup
    with pytest.raises(NotAllowed):
        execution_items.items_from_results(process, f.user())
    with pytest.raises(NotAllowed):
        execution_items.update_item(items[0], f.user(), progress=50)


def test_update_checks_and_logs_before_after(setup):
    process, _budget, admin, items = setup
    item = items[0]
    building = next(s for s in execution_statuses.statuses(process) if s.key == "en-ejecucion")
    for bad in ({"progress": 101}, {"progress": -1}, {"spent": -5}, {"progress": "mucho"}):
        with pytest.raises(Invalid):
            execution_items.update_item(item, admin, **bad)
        db.session.rollback()
    item = db.session.get(ExecutionItem, item.id)
    other_process = f.process()
    foreign = execution_statuses.ensure_statuses(other_process)[0]
    with pytest.raises(Invalid):
        execution_items.update_item(item, admin, status=foreign)
    db.session.rollback()
    item = db.session.get(ExecutionItem, item.id)
    assert execution_items.update_item(
        item, admin, status=building, progress=40, spent=120, office="Obras Públicas"
    )
    db.session.commit()
    entry = db.session.scalar(select(ActionLog).where(ActionLog.action == "execution_item.updated"))
    assert entry.before["progress"] == 10 and entry.after["progress"] == 40
    assert entry.after["spent"] == 120 and entry.after["office"] == "Obras Públicas"
    assert not execution_items.update_item(item, admin, progress=40)  # nothing changed


def test_statuses_are_configurable(setup):
    process, _budget, admin, _items = setup
    added = execution_statuses.add_status(process, admin, "Suspendido", 0)
    assert added.key == "suspendido" and added.position == 5
    with pytest.raises(Invalid):
        execution_statuses.add_status(process, admin, "suspendido")
    db.session.rollback()
    first = execution_statuses.statuses(process)[0]
    execution_statuses.rename_status(first, admin, "En análisis", 5)
    db.session.commit()
    assert (first.key, first.name, first.progress) == ("en-estudio", "En análisis", 5)
    with pytest.raises(Invalid):
        execution_statuses.rename_status(first, admin, "Terminado")


def test_parent_progress_rolls_up_from_children(setup):
    process, _budget, admin, items = setup
    parent = items[0]
    a = execution_items.add_item(process, admin, "Tramo A", parent=parent, budgeted=300)
    b = execution_items.add_item(process, admin, "Tramo B", parent=parent, budgeted=100)
    execution_items.update_item(a, admin, progress=100, spent=50)
    execution_items.update_item(b, admin, progress=20, spent=30)
    db.session.commit()
    db.session.refresh(parent)
    assert rollup.effective_progress(parent) == 80  # (100*300 + 20*100) / 400
    assert rollup.effective_spent(parent) == 80
    # a grandchild rolls up through its parent
    c = execution_items.add_item(process, admin, "Tramo B.1", parent=b, budgeted=0)
    execution_items.update_item(c, admin, progress=60)
    db.session.commit()
    db.session.refresh(b)
    db.session.refresh(parent)
    assert rollup.effective_progress(b) == 60
    assert rollup.effective_progress(parent) == 90
    # without budgets the mean is simple
    d = execution_items.add_item(process, admin, "Sin monto 1", parent=items[1])
    e = execution_items.add_item(process, admin, "Sin monto 2", parent=items[1])
    execution_items.update_item(d, admin, progress=30)
    execution_items.update_item(e, admin, progress=60)
    db.session.commit()
    db.session.refresh(items[1])
    assert rollup.effective_progress(items[1]) == 45
    # the in-memory roll-up of a page agrees
    everything = db.session.scalars(select(ExecutionItem)).all()
    roll = rollup.rollup(everything)
    assert roll.progress[parent.id] == 90 and roll.progress[items[1].id] == 45
    assert roll.spent[parent.id] == rollup.effective_spent(parent)
    # the parent's own progress cannot be typed in
    with pytest.raises(Invalid):
        execution_items.update_item(parent, admin, progress=5)


def test_milestones_with_a_valid_and_an_invalid_photo(setup, app):
    _process, _budget, admin, items = setup
    item = items[0]
    folder = Path(app.instance_path) / "photos"
    ms = milestones.add_milestone(
        item, admin, date(2026, 3, 1), "Inicio de obra", photo(PNG, "a.png")
    )
    db.session.commit()
    assert milestones.PHOTO_NAME_RE.fullmatch(ms.photo) and ms.photo.endswith(".png")
    assert pixels((folder / ms.photo).read_bytes()) == pixels(PNG)  # the same picture
    for data, name in ((JPEG, "b.jpeg"), (WEBP, "c.webp")):
        saved = milestones.add_milestone(
            item, admin, date(2026, 3, 2), "Más fotos", photo(data, name)
        )
        assert saved.photo.rsplit(".", 1)[1] in ("jpg", "webp")
    db.session.commit()
    before = set(folder.iterdir())
    bad = [
        (b"<?php echo 'hola'; ?>" + bytes(40), "malo.png"),  # not an image
        (PNG, "foto.gif"),  # a type we do not take
        (JPEG, "foto.png"),  # header and name disagree
        (b"", "vacia.png"),
        (PNG + bytes(milestones.MAX_PHOTO_BYTES), "enorme.png"),  # over 5 MB
    ]
    for data, name in bad:
        with pytest.raises(Invalid):
            milestones.add_milestone(item, admin, date(2026, 3, 3), "Avance", photo(data, name))
        db.session.rollback()
    assert set(folder.iterdir()) == before
    with pytest.raises(Invalid):
        milestones.add_milestone(item, admin, None, "Sin fecha")
    db.session.rollback()
    assert db.session.scalar(select(func.count(Milestone.id))) == 3


def test_followers_are_notified_of_status_and_progress(setup):
    process, _budget, admin, items = setup
    item = items[0]
    fan, other = f.user(), f.user()
    assert follows.follow(item, fan)
    assert not follows.follow(item, fan)
    db.session.commit()
    execution_items.update_item(item, admin, office="Obras")  # neither status nor progress
    db.session.commit()
    assert db.session.scalar(select(func.count(Notification.id))) == 0
    execution_items.update_item(item, admin, progress=55)
    db.session.commit()
    notes = db.session.scalars(select(Notification)).all()
    assert [(n.user_id, n.kind) for n in notes] == [(fan.id, "execution_update")]
    assert "55 %" in notes[0].body
    # followers of a parent hear about a child's progress
    child = execution_items.add_item(process, admin, "Tramo", parent=item, budgeted=10)
    follows.follow(child, other)
    execution_items.update_item(child, admin, progress=90)
    db.session.commit()
    told = {n.user_id for n in db.session.scalars(select(Notification)).all()}
    assert told == {fan.id, other.id}
    assert follows.unfollow(item, fan) and not follows.unfollow(item, fan)
    db.session.commit()


def test_bulk_csv_all_good_is_applied_in_one_go(setup):
    process, _budget, admin, items = setup
    a, b, c = sorted(items, key=lambda i: i.id)
    execution_items.update_item(c, admin, code="OP-3")
    fan = f.user()
    follows.follow(a, fan)
    db.session.commit()
    text = (
        "id,code,status,progress,spent,office\n"
        f'{a.id},,en-ejecucion,45%,"1,250",Obras Públicas\n'
        f"{b.id},,Terminado,100,300,\n"
        ",OP-3,,10,,Servicios\n"
    )
    changed = bulk.bulk_update_csv(process, admin, text)
    db.session.commit()
    assert changed == 3
    db.session.expire_all()
    a, b, c = (db.session.get(ExecutionItem, i.id) for i in (a, b, c))
    assert (a.status.key, a.progress, a.spent, a.office) == (
        "en-ejecucion",
        45,
        1250,
        "Obras Públicas",
    )
    assert (b.status.key, b.progress, b.spent, b.office) == ("terminado", 100, 300, "")
    assert (c.status.key, c.progress, c.office) == ("en-estudio", 10, "Servicios")
    assert (
        db.session.scalar(
            select(func.count(ActionLog.id)).where(ActionLog.action == "execution.bulk_update")
        )
        == 1
    )
    assert [n.user_id for n in db.session.scalars(select(Notification))] == [fan.id]


def test_bulk_csv_with_bad_rows_applies_nothing_and_reports_each(setup):
    process, _budget, admin, items = setup
    a, b, c = sorted(items, key=lambda i: i.id)
    text = (
        "id,status,progress,spent,office\n"  # line 1
        f"{a.id},en-ejecucion,50,100,Obras\n"  # 2: good
        "99999,en-ejecucion,50,100,Obras\n"  # 3: unknown item
        f"{b.id},demolido,50,100,Obras\n"  # 4: unknown status
        f"{c.id},terminado,150,100,Obras\n"  # 5: progress out of range
        f"{c.id},terminado,abc,-3,Obras\n"  # 6: duplicate, bad numbers
        f"{b.id},terminado,5.5,1.5,Obras\n"  # 7: duplicate of 4, not integers
    )
    with pytest.raises(bulk.BulkErrors) as caught:
        bulk.bulk_update_csv(process, admin, text)
    db.session.rollback()
    rows = dict(caught.value.rows)
    assert sorted(rows) == [3, 4, 5, 6, 7]
    assert "99999" in rows[3]
    assert "demolido" in rows[4]
    assert "150" in rows[5]
    assert "línea 5" in rows[6] and "abc" in rows[6] and "-3" in rows[6]
    assert "línea 4" in rows[7]
    db.session.expire_all()
    a = db.session.get(ExecutionItem, a.id)
    assert (a.status.key, a.progress, a.spent, a.office) == ("en-estudio", 10, 0, "")
    assert (
        db.session.scalar(
            select(func.count(ActionLog.id)).where(ActionLog.action == "execution_item.updated")
        )
        == 0
    )


def test_bulk_csv_header_problems(setup):
    process, _budget, admin, _items = setup
    with pytest.raises(bulk.BulkErrors) as caught:
        bulk.bulk_update_csv(process, admin, "title,progress\n1,50\n")
    assert caught.value.rows[0][0] == 1
    with pytest.raises(Invalid):
        bulk.bulk_update_csv(process, admin, "")
    with pytest.raises(Invalid):
        bulk.bulk_update_csv(process, admin, "id,progress\n")


def test_items_take_comments_whatever_the_phase(setup):
    _process, _budget, _admin, items = setup
    author = f.user()
    comment = comments.add_comment(items[0], author, "¿Cuándo empiezan las obras?")
    db.session.commit()
    assert comment.target_type == "execution_item"
    thread = comments.thread(items[0], author)
    assert thread.can_comment and [n.comment.id for n in thread.nodes] == [comment.id]
    reply = comments.add_comment(items[0], f.user(), "En marzo.", parent=comment)
    db.session.commit()
    assert target_of(reply) is items[0]
    assert db.session.scalar(select(func.count(Comment.id))) == 2


def test_a_photo_is_published_without_where_and_with_what_it_was_taken(setup, app):
    _process, _budget, admin, items = setup
    payload = b"Exif\x00\x00GPSLatitude 25.68 N; Pixel 8"
    exif = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
    taken = JPEG[:2] + exif + JPEG[2:]
    ms = milestones.add_milestone(
        items[0], admin, date(2026, 3, 1), "Avance", photo(taken, "obra.jpg")
    )
    stored = (Path(app.instance_path) / "photos" / ms.photo).read_bytes()
    assert b"GPSLatitude" not in stored and b"Pixel 8" not in stored
    assert pixels(stored)[0] == pixels(JPEG)[0]
