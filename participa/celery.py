"""Celery bound to the Flask app: every task runs inside an application context; the heavy
tasks go to the tally queue with time limits, and the broker's visibility timeout is
checked against them."""

from typing import Any

from celery import Celery, Task
from flask import Flask

# Tasks routed to the tally queue (``TALLY_QUEUE``), with the settings of their limits.
# Publications go there too: a million ballots take minutes and gigabytes, as a tally does.
HEAVY_TASKS = {
    "participa.results.tasks.tally_budget": "TALLY",
    "participa.opendata.tasks.publish_process": "PUBLICATION",
    "participa.opendata.tasks.redact_process": "PUBLICATION",
    "participa.opendata.tasks.publish_all": "PUBLISH_ALL",
    # a million ballots' CSV is written in about 85 s (bench/ballots_download.py)
    "participa.results.tasks.store_ballots_file": "PUBLICATION",
}


class VisibilityTimeoutTooShort(RuntimeError):
    """The broker would hand a task still running to a second worker."""


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app from ``app.config["CELERY"]`` and register it on ``app``."""

    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.conf.update(heavy_task_settings(app.config, celery_app))
    check_visibility_timeout(celery_app.conf)
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def heavy_task_settings(config: Any, celery_app: Celery) -> dict[str, Any]:
    """The routes, time limits and time zone that come from the app's own settings."""
    celery_app.conf.tally_queue = config["TALLY_QUEUE"]

    def route(name: str, *_args: object, **_kwargs: object) -> dict[str, str] | None:
        if name in HEAVY_TASKS:  # read at each send: the tests point it elsewhere
            return {"queue": celery_app.conf.tally_queue}
        return None

    return {
        "task_routes": (route,),
        "task_annotations": {
            name: {
                "soft_time_limit": config[f"{prefix}_SOFT_TIME_LIMIT"],
                "time_limit": config[f"{prefix}_TIME_LIMIT"],
                # acknowledged once finished (a dead worker's task is redelivered; they are
                # safe to run twice), so a busy tally worker reserves nothing behind it
                "acks_late": True,
            }
            for name, prefix in HEAVY_TASKS.items()
        },
        "timezone": config["CELERY"].get("timezone") or config["BABEL_DEFAULT_TIMEZONE"],
    }


def check_visibility_timeout(conf: Any) -> None:
    """Refuse to start when a late-acknowledged task could outlive the broker's visibility
    timeout: Redis would then give its message to a second worker while it still runs."""
    transport = conf.broker_transport_options or {}
    visibility = transport.get("visibility_timeout", 3600)  # kombu's Redis default
    limits = {
        name: options["time_limit"]
        for name, options in (conf.task_annotations or {}).items()
        if options.get("time_limit")
    }
    if not limits:
        return
    longest = max(limits, key=limits.__getitem__)
    if visibility <= limits[longest]:
        raise VisibilityTimeoutTooShort(
            f"the broker's visibility_timeout ({visibility} s) must exceed the longest hard "
            f"time limit ({limits[longest]} s, {longest}): set "
            "CELERY.broker_transport_options.visibility_timeout above it"
        )
