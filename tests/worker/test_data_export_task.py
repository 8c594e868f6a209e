"""The archive of a person's data travels through Redis to a real Celery worker: queued after
the commit that asked for it, built by the worker in the instance folder the site reads,
announced by a notification, and built once however often the task is sent."""

import io
import json
import zipfile

from sqlalchemy import select

from participa.accounts.export_models import DataExport, ExportStatus
from participa.accounts.export_tasks import build_export
from participa.extensions import db
from participa.notifications.models import Notification
from tests import factories as f
from tests.support.worker import log_count, serving_worker, wait_until


def test_the_worker_builds_the_archive_once_and_tells_its_owner(
    client, auth, app, database_url, redis_url, tmp_path_factory
):
    me = f.user(email="duena.del.archivo@example.org")
    db.session.commit()
    same_files = {"PARTICIPA_INSTANCE_PATH": app.instance_path}  # where the site reads it
    with serving_worker(
        app, database_url, redis_url, tmp_path_factory, "exports", env=same_files
    ) as worker:
        auth.login(me)
        assert client.post("/cuenta/mis-datos").status_code == 303
        export = wait_until(
            lambda: db.session.scalar(
                select(DataExport).where(DataExport.status == ExportStatus.READY)
            ),
            timeout=60,
            what="the archive built by the worker",
        )
        name = export.file_name
        assert "build_export" in worker["log"].read_text()
        wait_until(
            lambda: db.session.scalar(
                select(Notification).where(
                    Notification.user_id == me.id, Notification.kind == "data_export_ready"
                )
            ),
            timeout=30,
            what="the notification that it is ready",
        )
        start = len(worker["log"].read_text())
        build_export.delay(export.id)  # sent again: nothing changes
        wait_until(
            lambda: log_count(worker["log"], "succeeded", start) >= 1,
            timeout=30,
            what="the second run",
        )
    db.session.expire_all()
    again = db.session.get(DataExport, export.id)
    assert again.status == ExportStatus.READY and again.file_name == name
    assert len(db.session.scalars(select(DataExport)).all()) == 1
    response = client.get(f"/cuenta/mis-datos/{export.id}/descargar")
    assert response.status_code == 200
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.data)).read("datos.json"))
    assert data["cuenta"][0]["correo"] == "duena.del.archivo@example.org"
