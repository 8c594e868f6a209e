"""Configuration defaults. Every key can be overridden by a ``PARTICIPA_``-prefixed
environment variable (``PARTICIPA_SECRET_KEY``), and the usual deployment variables
``DATABASE_URL``, ``CELERY_BROKER_URL`` and ``SECRET_KEY`` are honoured as well."""

import os
from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{Path(instance_path) / 'participa.db'}"
    # Heroku-style URLs name the driver "postgres"; we use psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _ratelimit_storage(broker: str | None) -> str:
    """Where the rate-limit counters live: ``RATELIMIT_STORAGE_URI``, else ``REDIS_URL``,
    else the Celery broker when it is Redis, else the process's memory."""
    explicit = os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL")
    if explicit:
        return explicit
    if broker and broker.startswith(("redis://", "rediss://")):
        return broker
    return "memory://"


def default_config(instance_path: str) -> dict:
    """Defaults that need nothing installed: SQLite in ``instance/`` and eager Celery tasks."""
    broker = os.environ.get("CELERY_BROKER_URL")
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        # Pooled connections idle longer than this (seconds) are checked before reuse
        # (participa.db.ping_idle_connections); under load they are reused unchecked.
        "DATABASE_PING_AFTER_IDLE": 1.0,
        "BABEL_DEFAULT_LOCALE": "es_MX",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("PARTICIPA_TIMEZONE", "America/Monterrey"),
        "WTF_CSRF_TIME_LIMIT": None,
        # Cookies: Secure unless the app runs in debug or tests (None: decided by
        # participa.security.secure_cookies); `make demo` on http:// sets it to false.
        "SESSION_COOKIE_SECURE": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": None,  # None: the same as SESSION_COOKIE_SECURE
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),  # idle time before logging out
        # Sessions are stored server-side (participa.accounts.services.open_session) and
        # end after this long however busy (a timedelta, or seconds from the environment).
        "SESSION_ABSOLUTE_LIFETIME": timedelta(days=7),
        "TRUSTED_PROXIES": 0,  # reverse proxies in front (X-Forwarded-For/-Proto trusted)
        # Rate limits (participa.ratelimit); counters in Redis, failing open if it is down.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": _ratelimit_storage(broker),
        "RATELIMIT_KEY_PREFIX": "participa-rl",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_LOGIN_PER_IP": "20 per minute; 200 per hour",
        "RATELIMIT_LOGIN_PER_EMAIL": "10 per 15 minutes",  # failed attempts only
        # accepted submissions; refused ones (a typo, a rule) have their own, higher limit
        "RATELIMIT_REGISTER_PER_IP": "10 per hour; 50 per day",
        "RATELIMIT_REGISTER_FAILED_PER_IP": "30 per hour; 100 per day",
        "RATELIMIT_PROPOSAL_PER_USER": "5 per hour; 20 per day",
        "RATELIMIT_PROPOSAL_FAILED_PER_USER": "30 per hour; 100 per day",
        "RATELIMIT_COMMENT_PER_USER": "5 per minute; 30 per hour; 100 per day",
        "RATELIMIT_COMMENT_FAILED_PER_USER": "30 per hour; 100 per day",
        "RATELIMIT_REPORT_PER_USER": "10 per hour; 30 per day",
        "RATELIMIT_REPORT_FAILED_PER_USER": "30 per hour; 100 per day",
        "RATELIMIT_BALLOT_PER_USER": "30 per hour; 100 per day",
        "RATELIMIT_RECEIPT_PER_IP": "30 per minute; 300 per hour",
        # "¿Olvidaste tu contraseña?": per address typed (known or not: the same limit) and
        # per client; each account also gets at most PASSWORD_RESET_MAILS_PER_HOUR links,
        # whatever the spelling of its address (beyond it the request is answered the same
        # and nothing is sent)
        "RATELIMIT_PASSWORD_RESET_PER_EMAIL": "3 per hour; 10 per day",
        "RATELIMIT_PASSWORD_RESET_PER_IP": "10 per hour; 50 per day",
        "RATELIMIT_NEW_PASSWORD_PER_IP": "30 per hour",  # the form of a reset link
        "RATELIMIT_PASSWORD_CHANGE_FAILED_PER_USER": "10 per hour",  # wrong current password
        "RATELIMIT_CONFIRMATION_PER_USER": "3 per hour; 10 per day",  # "send the link again"
        "RATELIMIT_DELETE_ACCOUNT_FAILED_PER_USER": "10 per hour",  # wrong current password
        "RATELIMIT_DATA_EXPORT_PER_USER": "10 per hour",  # asking for an archive of one's data
        "RATELIMIT_EMAIL_CHANGE_PER_USER": "5 per hour; 10 per day",  # e-mail change requests
        # profile, notification choices, accepting new notices: each POST writes
        "RATELIMIT_ACCOUNT_SETTINGS_PER_USER": "60 per hour",
        "PASSWORD_RESET_MAILS_PER_HOUR": 3,
        # Links mailed to confirm an address and to reset a password expire (a timedelta, or
        # seconds from the environment): participa.accounts.tokens
        "EMAIL_CONFIRMATION_LIFETIME": timedelta(days=3),
        "PASSWORD_RESET_LIFETIME": timedelta(hours=1),
        "EMAIL_CHANGE_LIFETIME": timedelta(days=1),
        # What an account whose e-mail is not confirmed yet may do, among "propose",
        # "support", "comment" and "vote" (browsing, following and reporting are always
        # open; staff roles need a confirmed address).
        "UNCONFIRMED_ACCOUNTS_MAY": ["support"],
        # A signed-in person who has not accepted the privacy notice and terms in force is
        # asked to accept them before any other page (participa.legal.views).
        "LEGAL_ACCEPTANCE_REQUIRED": True,
        "RATELIMIT_DATA_REQUEST_PER_USER": "5 per day",  # rectification/opposition requests
        # The site's address for the links in e-mails (e.g. https://participa.example.gob.mx).
        # Unset, the address the request came to is used: set it in production, or a forged
        # Host header could send a reset link that points elsewhere.
        "PUBLIC_URL": None,
        # Without MAIL_SERVER, each message is written as <id>.eml in this folder (relative:
        # inside the instance folder; `make demo` uses instance/mail); unset, only a line in
        # the log says a message was written (never its content or address).
        "MAIL_OUTBOX_DIR": None,
        # Where files are kept (participa.storage): unset, the instance folder; a folder path
        # or file:// URL; s3://bucket/prefix for S3-compatible object storage. Every node of
        # a site must share it.
        "STORAGE_URL": os.environ.get("STORAGE_URL") or None,
        # S3-compatible storage: the server (unset: AWS) and region; credentials come from
        # the standard AWS variables or files. STORAGE_SERVE: "redirect" to a presigned URL
        # valid STORAGE_URL_TTL seconds (60 at most for a person's data archive), or
        # "stream" through the web process (Range and If-None-Match passed on).
        "STORAGE_S3_ENDPOINT_URL": os.environ.get("STORAGE_S3_ENDPOINT_URL") or None,
        "STORAGE_S3_REGION": os.environ.get("STORAGE_S3_REGION") or None,
        "STORAGE_SERVE": os.environ.get("STORAGE_SERVE") or "redirect",
        "STORAGE_URL_TTL": int(os.environ.get("STORAGE_URL_TTL") or 300),
        # Seconds SMTP may wait for the mail server, per operation (connecting, each
        # command and reply): a server that does not answer fails the sending, retried
        # later, instead of holding a worker and a notification's row lock.
        "MAIL_TIMEOUT": 10.0,
        # At most this many notifications per run of send_pending (over one SMTP
        # connection); a run that reaches it queues another for the rest.
        "MAIL_BATCH_SIZE": 500,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "PROPOSALS_PER_PAGE": 12,
        # Key of the census hashes (HMAC-SHA256). None: derived from SECRET_KEY. Set it in
        # production and never change it: the census records the key's fingerprint and is
        # refused under another key (a re-import would give everyone a second identity).
        "CENSUS_SALT": os.environ.get("CENSUS_SALT") or None,
        "MODERATION_HIDE_AFTER": 3,  # pending reports that hide content until a moderator decides
        # Only reports of trusted accounts count towards that automatic hiding: older than
        # this many hours and, if required, verified residents. The others go to the
        # moderators' queue all the same (participa.conversation.reports.report).
        "MODERATION_REPORTER_MIN_AGE_HOURS": 24,
        "MODERATION_REPORTER_MUST_BE_VERIFIED": True,
        # How long browsers and proxies may keep a published open data file without asking
        # again (seconds). Not "immutable": a version is redacted when content in it is
        # hidden by moderation, and the redacted file must replace cached copies.
        "OPENDATA_MAX_AGE": 3600,
        # Retention (participa.opendata.retention): the newest versions of each process
        # kept; older ones are pruned, except every version an official result refers to.
        "OPENDATA_KEEP_VERSIONS": 10,
        # Reliability (README): a tally run queued longer than TALLY_STALE_AFTER, or running
        # without a heartbeat (written every TALLY_HEARTBEAT_EVERY) for
        # TALLY_HEARTBEAT_TIMEOUT, is presumed lost: the scheduler gives it up and tallies
        # its budget again; unsent notifications older than
        # NOTIFICATION_RESEND_AFTER are sent by beat (both in seconds). New notifications
        # are sent by the worker NOTIFICATION_SEND_DELAY seconds after their commit.
        "TALLY_STALE_AFTER": 30 * 60,
        "TALLY_HEARTBEAT_EVERY": 30.0,
        "TALLY_HEARTBEAT_TIMEOUT": 5 * 60,
        "NOTIFICATION_RESEND_AFTER": 5 * 60,
        "NOTIFICATION_SEND_DELAY": 1.0,
        # An archive of a person's data (ARCO access) is offered this long once ready, then
        # deleted; one may be asked for every DATA_EXPORT_EVERY (both in seconds).
        "DATA_EXPORT_LIFETIME": 7 * 24 * 3600,
        "DATA_EXPORT_EVERY": 24 * 3600,
        # The heavy tasks (tallies and open-data publications: participa.celery.HEAVY_TASKS)
        # go to a queue of their own, served by a worker with one slot, so they never hold
        # up mail, phases or the data exports of the default queue.
        "TALLY_QUEUE": "tally",
        # Time limits (seconds) of those tasks: at the soft one the task is interrupted
        # (SoftTimeLimitExceeded: a tally run is marked failed, a publication logged and
        # tried again the next day); at the hard one its worker process is killed (the
        # heartbeat then gives the run up). Measured (bench/tally.py; README "Running at
        # scale"): greedy on a million ballots read from PostgreSQL 0.74 s (128 MB); Equal
        # Shares with Add1 on Łódź 2022 (90,494 voters, 160 projects) 1.46 s, so about
        # 20 s for a million voters if it grows with the voters; publishing a million
        # ballots 136 s (issue 17). Ten minutes for a tally and twenty for a publication
        # leave ten times that for a city of several million on a slower machine; longer
        # than that is a fault to look at, not one to wait for.
        "TALLY_SOFT_TIME_LIMIT": 10 * 60,
        "TALLY_TIME_LIMIT": 12 * 60,
        "PUBLICATION_SOFT_TIME_LIMIT": 20 * 60,
        "PUBLICATION_TIME_LIMIT": 25 * 60,
        # publish_all publishes (and redacts) every process one after the other
        "PUBLISH_ALL_SOFT_TIME_LIMIT": 55 * 60,
        "PUBLISH_ALL_TIME_LIMIT": 60 * 60,
        # Operations (README, "Operations"): logs, metrics, error reports, database timeouts
        "LOG_FORMAT": os.environ.get("LOG_FORMAT") or "text",  # or "json": one object a line
        "LOG_LEVEL": os.environ.get("LOG_LEVEL") or "INFO",
        "METRICS_ENABLED": False,  # /metrics (Prometheus)
        "METRICS_TOKEN": None,  # if set, /metrics wants "Authorization: Bearer <token>"
        "METRICS_ALLOWED_IPS": ["127.0.0.1/32", "::1/128"],  # networks; [] lets anyone in
        "METRICS_WORKER_PORT": None,  # a worker serves its own /metrics on this port
        "SENTRY_DSN": os.environ.get("SENTRY_DSN") or None,
        "SENTRY_ENVIRONMENT": os.environ.get("SENTRY_ENVIRONMENT") or None,
        "PROCESS_ROLE": "web",  # web, worker or beat (worker/app.py): the timeouts, the name
        # PostgreSQL session settings (seconds; 0 turns one off): participa.ops.database
        "DATABASE_CONNECT_TIMEOUT": 5,
        "DATABASE_STATEMENT_TIMEOUT": 30,
        "DATABASE_IDLE_IN_TRANSACTION_TIMEOUT": 60,
        "DATABASE_WORKER_STATEMENT_TIMEOUT": 2 * 3600,
        "DATABASE_WORKER_IDLE_IN_TRANSACTION_TIMEOUT": 2 * 3600,
        "CELERY": {
            "broker_url": broker or "memory://",
            "result_backend": os.environ.get("CELERY_RESULT_BACKEND") or None,
            "task_always_eager": broker is None,
            "task_eager_propagates": True,
            "task_ignore_result": True,
            # A dead broker fails a send at once (the caller logs it and carries on) instead
            # of holding a request up; an unacknowledged message (a late-acked task whose
            # worker died) goes back to the queue after visibility_timeout. It must exceed
            # the longest hard time limit (checked at startup: participa.celery), or a task
            # still running is handed to a second worker.
            "broker_transport_options": {"socket_connect_timeout": 1, "visibility_timeout": 7200},
            # One message reserved per worker slot: a worker busy with a long task keeps no
            # other waiting behind it that an idle worker could have taken.
            "worker_prefetch_multiplier": 1,
            # A worker process whose resident memory passed this (KiB) after a task is
            # replaced: a million-ballot tally or publication does not stay resident.
            "worker_max_memory_per_child": 512 * 1024,
            # Beat keeps its schedule (and when each entry last ran) in Redis, under a lock:
            # however many beats run, one sends. A standby takes over within
            # redbeat_lock_timeout of the active one's death (at once after a clean stop).
            "beat_scheduler": "redbeat.RedBeatScheduler",
            "redbeat_key_prefix": "participa:redbeat:",
            "beat_max_loop_interval": 30,
            "redbeat_lock_timeout": 150,
            "task_publish_retry_policy": {
                "max_retries": 1,
                "interval_start": 0,
                "interval_step": 0.2,
                "interval_max": 0.2,
            },
            "beat_schedule": {
                "advance-phases": {
                    "task": "participa.processes.tasks.advance_phases",
                    "schedule": 60.0,
                },
                "send-pending-notifications": {
                    "task": "participa.notifications.tasks.send_pending",
                    "schedule": 60.0,
                },
                "purge-data-exports": {
                    "task": "participa.accounts.export_tasks.purge_exports",
                    "schedule": 3600.0,
                },
                # at 03:30 in the platform's time zone (Celery's ``timezone``: participa.celery)
                "publish-open-data-daily": {
                    "task": "participa.opendata.tasks.publish_all",
                    "schedule": crontab(hour=3, minute=30),
                },
                # after the daily publication, on its own crontab (survives restarts too)
                "prune-open-data-versions": {
                    "task": "participa.opendata.tasks.prune_versions",
                    "schedule": crontab(hour=4, minute=15),
                },
            },
        },
    }
