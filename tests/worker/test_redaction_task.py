"""The redaction travels through Redis to a real Celery worker: queued after the commit that
hid the proposal, it finds the hiding committed and rewrites every published version."""

from sqlalchemy import select

from participa.accounts.models import Role
from participa.extensions import db
from participa.opendata.models import Publication
from tests import factories as f
from tests.support.redaction import (
    TITLE,
    fetch_every_file,
    leaks,
    published_twice,
)
from tests.support.worker import serving_worker, wait_until


def test_hiding_queues_the_redaction_to_the_worker(
    client, auth, app, database_url, redis_url, tmp_path_factory
):
    process, secret, _project, versions = published_twice()
    assert leaks(fetch_every_file(client, process, versions[0]))
    same_files = {"PARTICIPA_INSTANCE_PATH": app.instance_path}  # the versions it rewrites
    with serving_worker(
        app, database_url, redis_url, tmp_path_factory, "redaction", env=same_files
    ) as worker:
        auth.login(f.user(Role.MODERATOR))
        assert (
            client.post(
                f"/moderacion/propuesta/{secret.id}/ocultar", data={"confirmado": "1"}
            ).status_code
            == 303
        )
        wait_until(
            lambda: all(
                db.session.scalars(select(Publication.redacted_at).order_by(Publication.version))
            ),
            timeout=60,
            what="both versions redacted by the worker",
        )
        assert "redact_process" in worker["log"].read_text()
    db.session.expire_all()
    for publication in db.session.scalars(select(Publication)):
        assert leaks(fetch_every_file(client, process, publication)) == [], TITLE
