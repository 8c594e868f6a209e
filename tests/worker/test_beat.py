"""However many beats run, one schedule (RedBeat: kept in Redis, sent by the beat holding
its lock), and the daily publication on a crontab that a restart does not move."""

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import redis
from redbeat.decoder import RedBeatJSONDecoder

from tests.support.beat import running_beat, wait_for_log

SENT = "Scheduler: Sending due task"


@pytest.fixture
def schedule(redis_url) -> Iterator[dict]:
    """A key prefix and a queue of this test's own (nobody consumes it: the messages the
    beats send stay there to be counted), removed afterwards."""
    prefix = f"participa-test-{os.getpid()}:redbeat:"
    queue = f"participa-beat-{os.getpid()}"
    client = redis.Redis.from_url(redis_url)
    env = {
        "PARTICIPA_CELERY__redbeat_key_prefix": prefix,
        "PARTICIPA_CELERY__task_default_queue": queue,
        "PARTICIPA_TALLY_QUEUE": f"{queue}-tally",
    }
    yield {"prefix": prefix, "queue": queue, "redis": client, "env": env}
    client.delete(queue, *client.keys(f"{prefix}*"))


def test_two_beats_send_each_entry_once_and_a_stopped_beat_hands_over(
    redis_url, tmp_path, schedule
):
    """A test schedule of one entry every second. The second beat waits for the lock
    while the first sends; stopped, the first hands the schedule to the second, which goes
    on counting where it left off: every message sent is one run of the one schedule."""
    env = schedule["env"] | {
        "PARTICIPA_CELERY__beat_schedule": json.dumps(
            {"tick": {"task": "participa.processes.tasks.advance_phases", "schedule": 1.0}}
        ),
        "PARTICIPA_CELERY__beat_max_loop_interval": "1",
        "PARTICIPA_CELERY__redbeat_lock_timeout": "5",
    }
    client, queue = schedule["redis"], schedule["queue"]
    first_log, second_log = tmp_path / "first" / "beat.log", tmp_path / "second" / "beat.log"
    first_log.parent.mkdir(), second_log.parent.mkdir()
    with running_beat(redis_url, first_log, env) as first:
        wait_for_log(first, first_log, "beat: Acquired lock")
        with running_beat(redis_url, second_log, env) as second:
            wait_for_log(first, first_log, SENT, count=3)  # three periods with both running
            assert "Acquired lock" not in second_log.read_text()
            first.terminate()  # a clean stop releases the lock
            first.wait(timeout=30)
            sent_by_first = first_log.read_text().count(SENT)
            wait_for_log(second, second_log, "beat: Acquired lock")
            wait_for_log(second, second_log, SENT, count=2)
        second_text = second_log.read_text()
    second_sent = second_text.count(SENT)
    # the second beat sent nothing before it held the lock
    assert SENT not in second_text.split("beat: Acquired lock", 1)[0]
    meta = json.loads(client.hget(f"{schedule['prefix']}tick", "meta"))
    # one schedule: its run count went on from the first's sends to the second's
    assert meta["total_run_count"] == sent_by_first + second_sent
    # Each logged send is one message, except one a stop interrupted: RedBeat counts the
    # run and beat logs it before publishing, and SIGTERM (each beat's stop) may fall in
    # between.
    messages = client.llen(queue)
    assert sent_by_first + second_sent - 2 <= messages <= sent_by_first + second_sent


def test_the_daily_publication_is_due_at_half_past_three_local_time_across_restarts(
    app, redis_url, tmp_path, schedule
):
    """The production schedule: the publication's next run is 03:30 in the platform's time
    zone, computed from the crontab (not a day after the beat started), and a restarted
    beat keeps it."""
    client, prefix = schedule["redis"], schedule["prefix"]
    key = f"{prefix}publish-open-data-daily"
    log = tmp_path / "beat.log"

    def next_run() -> datetime:
        """When the entry stored in Redis runs next, by its own schedule and last run."""
        definition = json.loads(client.hget(key, "definition"), cls=RedBeatJSONDecoder)
        meta = json.loads(client.hget(key, "meta"), cls=RedBeatJSONDecoder)
        now = datetime.now(UTC)
        return now + definition["schedule"].remaining_estimate(meta["last_run_at"])

    with running_beat(redis_url, log, schedule["env"]) as beat:
        wait_for_log(beat, log, "beat: Acquired lock")
        first, first_meta = next_run(), client.hget(key, "meta")
    definition = json.loads(client.hget(key, "definition"))
    assert definition["task"] == "participa.opendata.tasks.publish_all"
    assert definition["schedule"]["__type__"] == "crontab"
    local = first.astimezone(ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"]))
    half_past_three = local.replace(hour=3, minute=30, second=0, microsecond=0)
    assert abs(local - half_past_three) < timedelta(seconds=1), local
    assert timedelta(0) < first - datetime.now(UTC) <= timedelta(days=1)  # the next one

    with running_beat(redis_url, log, schedule["env"]) as beat:  # a deploy restarts it
        wait_for_log(beat, log, "beat: Acquired lock", count=2)
        assert client.hget(key, "meta") == first_meta  # its last run is kept
        assert abs(next_run() - first) < timedelta(seconds=1)
