"""The workers' settings: heavy tasks on the tally queue with time limits, one message
reserved per slot, a visibility timeout above the longest limit (checked at startup), and
the daily publication on a crontab in the platform's time zone."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery import Celery
from celery.schedules import crontab

from participa.celery import HEAVY_TASKS, VisibilityTimeoutTooShort, check_visibility_timeout

ROOT = Path(__file__).resolve().parents[2]


def test_heavy_tasks_go_to_the_tally_queue_with_their_time_limits(app):
    celery = app.extensions["celery"]
    router = celery.amqp.router
    for name, prefix in HEAVY_TASKS.items():
        assert router.route({}, name)["queue"].name == app.config["TALLY_QUEUE"] == "tally"
        task = celery.tasks[name]
        assert task.soft_time_limit == app.config[f"{prefix}_SOFT_TIME_LIMIT"]
        assert task.time_limit == app.config[f"{prefix}_TIME_LIMIT"] > task.soft_time_limit
        assert task.acks_late
    assert celery.tasks["participa.results.tasks.tally_budget"].reject_on_worker_lost
    # the others stay on the default queue
    default = router.route({}, "participa.notifications.tasks.send_notification")["queue"]
    assert default.name == celery.conf.task_default_queue == "celery"


def test_workers_reserve_one_message_and_are_recycled_past_a_memory_ceiling(app):
    conf = app.extensions["celery"].conf
    assert conf.worker_prefetch_multiplier == 1
    assert conf.worker_max_memory_per_child == 512 * 1024


def test_the_visibility_timeout_exceeds_every_hard_time_limit(app):
    conf = app.extensions["celery"].conf
    visibility = conf.broker_transport_options["visibility_timeout"]
    assert visibility > max(o["time_limit"] for o in conf.task_annotations.values())


def test_a_visibility_timeout_below_a_hard_time_limit_is_refused():
    conf = Celery(set_as_current=False).conf
    conf.update(
        broker_transport_options={"visibility_timeout": 600},
        task_annotations={"a.short": {"time_limit": 60}, "a.long": {"time_limit": 600}},
    )
    with pytest.raises(VisibilityTimeoutTooShort, match=r"\(600 s\).*\(600 s, a.long\)"):
        check_visibility_timeout(conf)
    conf.broker_transport_options = {"visibility_timeout": 601}
    check_visibility_timeout(conf)  # above it: accepted


def test_nothing_starts_with_a_visibility_timeout_below_a_time_limit(tmp_path):
    env = os.environ | {
        "PARTICIPA_TESTING": "true",
        "PARTICIPA_INSTANCE_PATH": str(tmp_path),
        "PARTICIPA_CELERY__broker_transport_options": '{"visibility_timeout": 900}',
    }
    started = subprocess.run(
        [sys.executable, "-c", "from participa import create_app; create_app()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert started.returncode != 0
    assert "visibility_timeout (900 s) must exceed the longest hard time limit" in started.stderr


def test_beat_keeps_one_schedule_in_redis_and_publishes_daily_on_a_crontab(app):
    conf = app.extensions["celery"].conf
    assert conf.beat_scheduler == "redbeat.RedBeatScheduler"
    assert conf.timezone == app.config["BABEL_DEFAULT_TIMEZONE"]
    daily = conf.beat_schedule["publish-open-data-daily"]
    assert daily["task"] == "participa.opendata.tasks.publish_all"
    assert daily["schedule"] == crontab(hour=3, minute=30)
    # a standby beat takes over after the lock expires; the active one extends it each tick
    assert conf.redbeat_lock_timeout > conf.beat_max_loop_interval
