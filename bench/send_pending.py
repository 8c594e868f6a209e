"""The mail outbox with a million sent notifications: time per message of ``send_pending``.

    python bench/send_pending.py [--sent 1000000] [--database-url URL] [--keep]

In a database of its own (created, and dropped at the end unless ``--keep``), on
PostgreSQL: ``--sent`` notifications already sent (one ``INSERT ... SELECT
generate_series``, spread over the last 30 days), then, with the partial index
``ix_notifications_unsent`` and without it (dropped and created again in the same run):

- the next-message query alone (``tasks.pending_query``, the loop's), in ms per query,
  its plan, and the pages it reads (``EXPLAIN (ANALYZE, BUFFERS)``: a count that the
  machine's load does not change) for the first and the last of K unsent messages;
- beat's statement that gives up the messages too old to be sent (``tasks.expire_query``);
- ``send_pending`` for K new unsent notifications, in ms per message: without a mail
  server (the row work only: lock, open the sealed secret, mark sent, commit) and with a
  local aiosmtpd (one SMTP connection for the run), for K = 100 and 1,000 (without the
  index K = 10: each message reads the whole table).

Prints one JSON line per measurement.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/participa_bench_mail"
INDEX = "ix_notifications_unsent"
CREATE_INDEX = (
    f"CREATE INDEX {INDEX} ON notifications (id)"
    " WHERE by_email IS true AND sent_at IS NULL AND failed_at IS NULL"
)


def report(**figures: object) -> None:
    print(json.dumps(figures), flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Counter:
    """An aiosmtpd handler that counts what it receives."""

    def __init__(self) -> None:
        self.messages = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages += 1
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sent", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    args = parser.parse_args()
    url = args.database_url

    sys.path.insert(0, str(ROOT))
    from bench.harness import drop_database, recreate_database

    recreate_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-secret")
    os.environ.setdefault("CENSUS_SALT", "bench-census-salt")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's chatter
    from aiosmtpd.controller import Controller
    from flask_migrate import upgrade
    from sqlalchemy import text

    from participa import create_app
    from participa.accounts.services import register_user
    from participa.extensions import db
    from participa.notifications import sealing, tasks
    from participa.notifications.services import dispatch, notify
    from participa.unit_of_work import pending_callbacks

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "MAIL_BATCH_SIZE": 10**7})
    try:
        with app.app_context():
            upgrade()
            user = register_user("vecina@example.org", "Vecina", "una contraseña larga 2026")
            db.session.commit()
            start = time.perf_counter()
            db.session.execute(
                text(
                    "INSERT INTO notifications (user_id, kind, subject, body, created_at,"
                    " sent_at, by_email, in_app) SELECT :user, 'ballot_confirmed', 'Tu voto',"
                    " 'Tu comprobante: ' || :placeholder,"
                    " now() - (n % 43200) * interval '1 minute',"
                    " now() - (n % 43200) * interval '1 minute' + interval '1 second',"
                    " true, false FROM generate_series(1, :sent) AS n"
                ),
                {"user": user.id, "sent": args.sent, "placeholder": sealing.PLACEHOLDER},
            )
            db.session.commit()
            report(step="setup", sent_rows=args.sent, seconds=round(time.perf_counter() - start, 1))
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                    text("VACUUM ANALYZE notifications")
                )
                size = conn.scalar(
                    text("SELECT pg_size_pretty(pg_total_relation_size('notifications'))")
                )
            report(step="table", size=size)

            def add_unsent(k: int) -> None:
                notify([user.id] * 1, "ballot_confirmed", "Tu voto", sealing.PLACEHOLDER, "AB12")
                pending_callbacks().remove(dispatch)
                db.session.execute(  # the other k - 1 copy the first (sealed secret included)
                    text(
                        "INSERT INTO notifications (user_id, kind, subject, body, secret,"
                        " created_at, by_email, in_app) SELECT user_id, kind, subject, body,"
                        " secret, now(), true, false"
                        " FROM notifications, generate_series(2, :k)"
                        " WHERE sent_at IS NULL AND failed_at IS NULL AND by_email"
                    ),
                    {"k": k},
                )
                db.session.commit()

            def time_query(label: str, repeat: int) -> None:
                add_unsent(1)
                elapsed = []
                for _ in range(repeat):
                    start = time.perf_counter()
                    db.session.scalar(tasks.pending_query(tasks.utcnow(), 0))
                    elapsed.append(time.perf_counter() - start)
                    db.session.rollback()
                start = time.perf_counter()
                db.session.execute(tasks.expire_query(tasks.utcnow())).all()
                expire = time.perf_counter() - start
                db.session.rollback()
                statement = tasks.pending_query(tasks.utcnow(), 0)
                compiled = statement.compile(dialect=db.engine.dialect)
                plan = db.session.connection().exec_driver_sql(
                    f"EXPLAIN {compiled}", compiled.params
                )
                access = [row[0].strip() for row in plan if "Scan" in row[0]]
                db.session.rollback()
                tasks.send_pending(older_than=0)  # leaves nothing unsent
                elapsed.sort()
                report(
                    step="next-message query",
                    index=label,
                    median_ms=round(elapsed[len(elapsed) // 2] * 1000, 3),
                    beat_expiry_ms=round(expire * 1000, 2),
                    plan=access[0].split("  (")[0] if access else "?",
                )

            def plan_of_next() -> str:
                statement = tasks.pending_query(tasks.utcnow(), 0)
                compiled = statement.compile(dialect=db.engine.dialect)
                rows = db.session.connection().exec_driver_sql(
                    f"EXPLAIN {compiled}", compiled.params
                )
                text_plan = "\n".join(row[0] for row in rows)
                db.session.rollback()
                return text_plan

            def blocks() -> int:
                """Pages PostgreSQL reads to find the next message (a count the machine's
                noise does not change)."""
                statement = tasks.pending_query(tasks.utcnow(), 0)
                compiled = statement.compile(dialect=db.engine.dialect)
                (plan,) = (
                    db.session.connection()
                    .exec_driver_sql(
                        f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {compiled}", compiled.params
                    )
                    .scalar_one()
                )
                db.session.rollback()
                top = plan["Plan"]
                return int(top["Shared Hit Blocks"] + top["Shared Read Blocks"])

            def count_blocks(label: str, k: int) -> None:
                """Pages read for the first of k unsent messages, and for the last once the
                k - 1 before it were sent (their entries left in the index until vacuum)."""
                add_unsent(k)
                first = blocks()
                db.session.execute(
                    text(
                        "UPDATE notifications SET sent_at = now(), secret = NULL WHERE id IN"
                        " (SELECT id FROM notifications WHERE by_email IS true AND sent_at IS"
                        " NULL AND failed_at IS NULL ORDER BY id LIMIT :n)"
                    ),
                    {"n": k - 1},
                )
                db.session.commit()
                last = blocks()
                tasks.send_pending(older_than=0)
                report(
                    step="pages read per next-message query",
                    index=label,
                    k=k,
                    first_message=first,
                    last_message=last,
                )

            def time_sending(label: str, k: int, server_port: int | None) -> None:
                add_unsent(k)
                app.config["MAIL_SERVER"] = "127.0.0.1" if server_port else None
                app.config["MAIL_PORT"] = server_port or 25
                start = time.perf_counter()
                sent = tasks.send_pending(older_than=0)
                elapsed = time.perf_counter() - start
                assert sent == k, (sent, k)
                report(
                    load=round(os.getloadavg()[0], 1),
                    step="send_pending",
                    index=label,
                    mail="aiosmtpd" if server_port else "no server",
                    k=k,
                    ms_per_message=round(elapsed * 1000 / k, 3),
                )
                app.config["MAIL_SERVER"] = None

            handler = Counter()
            port = free_port()
            controller = Controller(handler, hostname="127.0.0.1", port=port)
            controller.start()
            try:
                time_query("with", repeat=200)
                for k in (100, 1000):
                    count_blocks("with", k)
                for k in (100, 1000, 100, 1000):  # twice, alternated: the machine's noise
                    time_sending("with", k, None)
                    time_sending("with", k, port)
                db.session.execute(text(f"DROP INDEX {INDEX}"))
                db.session.commit()
                time_query("without", repeat=5)
                count_blocks("without", 10)
                for k in (10,):
                    time_sending("without", k, None)
                    time_sending("without", k, port)
                db.session.execute(text(CREATE_INDEX))
                db.session.commit()
                db.session.execute(text("ANALYZE notifications"))
                db.session.commit()
                # Without the index, marking a row sent may be a HOT update; an index built
                # over HOT chains is used only by transactions whose snapshot is newer than
                # it (pg_index.indcheckxmin, reported), which other sessions' old snapshots
                # can delay: wait until the planner uses it (as after the migration).
                start = time.perf_counter()
                while "ix_notifications_unsent" not in plan_of_next() and (
                    time.perf_counter() - start < 300
                ):
                    time.sleep(0.5)
                report(
                    step="index created again",
                    usable_after_s=round(time.perf_counter() - start, 1),
                    indcheckxmin=db.session.scalar(
                        text(
                            "SELECT indcheckxmin FROM pg_index"
                            f" WHERE indexrelid = '{INDEX}'::regclass"
                        )
                    ),
                )
                db.session.rollback()
                time_query("with, created again", repeat=200)
                time_sending("with, created again", 1000, None)
            finally:
                controller.stop()
            report(step="aiosmtpd", messages_received=handler.messages)
            db.session.remove()
            db.engine.dispose()
    finally:
        if not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
