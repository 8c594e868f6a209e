"""Deleting an account while the worker builds its archive, on PostgreSQL: the build holds
the archive's row locked until it commits the file and the notice; the deletion waits for
it, then erases both (before, it read no file name, deleted no notice yet written, and
left the file behind with a notice for a deleted account)."""

import threading

from sqlalchemy import func, insert, select, text, update

from participa.accounts import exports
from participa.accounts.deletion import ContentChoice, delete_account
from participa.accounts.export_models import DataExport, ExportStatus
from participa.accounts.models import User
from participa.db import utcnow
from participa.extensions import db
from participa.notifications.models import Notification
from participa.storage import storage
from tests import factories as f
from tests.conftest import need
from tests.support.worker import wait_until


def waiting_on_a_lock() -> int:
    """Backends of this database waiting for a lock (a connection of its own: a
    transaction sees one snapshot of the statistics)."""
    with db.engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            )
        ).scalar_one()


def test_deleting_while_the_archive_is_built_leaves_no_file_nor_notice(app, ctx, is_postgres):
    need(is_postgres, "row locks are tested on PostgreSQL (PARTICIPA_TEST_DATABASE_URL)")
    me = f.user()
    export = DataExport(user_id=me.id, status=ExportStatus.QUEUED)
    db.session.add(export)
    db.session.commit()
    me_id, export_id = me.id, export.id
    archive = exports.new_file_name()

    building = db.engine.connect()  # the worker's transaction
    build = building.begin()
    building.execute(select(DataExport.id).where(DataExport.id == export_id).with_for_update())
    failures: list[BaseException] = []

    def delete() -> None:
        try:
            with app.app_context():
                user = db.session.get_one(User, me_id)
                delete_account(user, f.PASSWORD, ContentChoice.KEEP)
                db.session.commit()  # the files go after this
        except BaseException as error:
            failures.append(error)

    deleting = threading.Thread(target=delete)
    deleting.start()
    try:  # the deletion waits on the archive's row lock
        wait_until(
            lambda: waiting_on_a_lock() or failures,
            30,
            "the deletion waiting for the archive being built",
        )
        storage().write(exports.key_for(archive), [b"PK"])  # the build ends: file, row, notice
        building.execute(
            update(DataExport)
            .where(DataExport.id == export_id)
            .values(file_name=archive, status=ExportStatus.READY, ready_at=utcnow())
        )
        building.execute(
            insert(Notification).values(
                user_id=me_id,
                kind="data_export_ready",
                subject="Listo",
                body="Tu archivo está listo.",
                created_at=utcnow(),
                by_email=True,
                in_app=True,
            )
        )
        build.commit()
    finally:
        building.close()
        deleting.join(60)
    assert not deleting.is_alive() and failures == []
    db.session.expire_all()
    assert db.session.get_one(User, me_id).is_deleted
    assert not storage().exists(exports.key_for(archive))
    assert db.session.scalar(select(func.count(DataExport.id))) == 0
    assert db.session.scalar(select(func.count(Notification.id))) == 0
