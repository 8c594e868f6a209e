"""Every request has an id (the client's X-Request-ID when well formed), answered in the
same header, on the request's log lines and on the worker's lines of the tasks it sent."""

from __future__ import annotations

import json
import logging

import pytest

from participa.budgets.models import BallotType
from participa.ops.logs import ContextFilter, JsonFormatter, TextFormatter
from tests import factories as f
from tests.conftest import need
from tests.support.ballots import voting_budget
from tests.support.worker import serving_worker, wait_until

SENDING = "participa.notifications.tasks."  # the receipt is sent by one of these tasks


def test_a_well_formed_request_id_is_kept_and_answered(client):
    answer = client.get("/healthz", headers={"X-Request-ID": "edge-4b1f.77:ab_c"})
    assert answer.headers["X-Request-ID"] == "edge-4b1f.77:ab_c"


@pytest.mark.parametrize("sent", ["", "has space", "x" * 200, 'a"<script>', "-leading", "ñ"])
def test_a_malformed_request_id_is_replaced_by_a_new_one(client, sent):
    answer = client.get("/healthz", headers={"X-Request-ID": sent})
    given = answer.headers["X-Request-ID"]
    assert given != sent and len(given) == 32 and int(given, 16) >= 0
    assert client.get("/healthz").headers["X-Request-ID"] != given  # one per request


def test_log_lines_of_a_request_carry_its_id(build, caplog):
    logger = logging.getLogger("participa.test")
    caplog.handler.addFilter(ContextFilter())
    with build() as other:

        @other.get("/log-for-a-test")
        def log_something():
            logger.warning("something happened")
            return "ok"

        other.test_client().get("/log-for-a-test", headers={"X-Request-ID": "req-12345"})
    (record,) = [r for r in caplog.records if r.name == "participa.test"]
    assert record.request_id == "req-12345"
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-12345"
    assert line["message"] == "something happened"
    assert line["level"] == "WARNING" and line["logger"] == "participa.test"
    assert line["time"].endswith("+00:00")
    assert "[req-12345] something happened" in TextFormatter().format(record)


@pytest.mark.worker
def test_the_workers_json_lines_of_a_task_carry_the_request_id(
    app, client, auth, database_url, redis_url, tmp_path_factory, is_postgres
):
    need(is_postgres, "worker tests run on PostgreSQL")
    env = {"PARTICIPA_LOG_FORMAT": "json"}
    with serving_worker(app, database_url, redis_url, tmp_path_factory, "ops-logs", env) as worker:
        budget = voting_budget(BallotType.APPROVAL)
        auth.login(f.user())
        confirm = f"/procesos/{budget.process.slug}/presupuestos/{budget.id}/boleta/confirmar"
        answer = client.post(
            confirm,
            data={"project": f.project_ids(budget)[:1]},
            headers={"X-Request-ID": "vote-7f3a9c"},
        )
        assert answer.status_code == 303
        assert answer.headers["X-Request-ID"] == "vote-7f3a9c"
        lines = wait_until(
            lambda: [
                line
                for line in _json_lines(worker["log"])
                if str(line.get("task_name")).startswith(SENDING)
                and line["message"].startswith("no mail server")
            ],
            60,
            "the worker's line about the receipt",
        )
    (line,) = lines
    assert line["request_id"] == "vote-7f3a9c"
    assert line["task_id"] and line["level"] == "INFO"
    assert "@" not in line["message"]  # no address in the log
    received = [
        entry for entry in _json_lines(worker["log"]) if entry["logger"] == "celery.worker.strategy"
    ]
    assert received, "the worker's own lines are JSON too"


def _json_lines(log) -> list[dict]:
    found = []
    for raw in log.read_text().splitlines():
        if raw.startswith("{"):
            found.append(json.loads(raw))
    return found
