"""Application factory: config -> extensions -> blueprints -> cli -> errors."""

import os
from pathlib import Path
from typing import Any

from flask import Flask, render_template
from flask_babel import get_locale
from flask_babel import refresh as refresh_locale
from werkzeug.routing import IntegerConverter

from participa.api import answer_routing_errors_in_json
from participa.celery import celery_init_app
from participa.config import default_config
from participa.db import ping_idle_connections
from participa.extensions import babel, csrf, db, login_manager, migrate
from participa.i18n import LANGUAGES, TRANSLATIONS, select_locale
from participa.ops.database import name_connections, session_options
from participa.ops.health import init_health
from participa.ops.logs import configure_logging
from participa.ops.metrics import init_metrics
from participa.ops.sentry import init_sentry
from participa.request_limits import Request
from participa.secrets_setup import load_secrets, missing_secrets_message
from participa.security import init_security

ROOT = Path(__file__).resolve().parent.parent


class BoundedInt(IntegerConverter):
    """``<int:...>`` URL parts up to 2^31 - 1: a longer number is a 404, not a database
    overflow."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build a configured Participa application. ``config`` overrides everything else."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("PARTICIPA_INSTANCE_PATH", str(ROOT / "instance")),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(default_config(app.instance_path))
    app.config.from_prefixed_env("PARTICIPA")
    if config:
        app.config.update(config)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))  # any cwd
    _secret_key(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    configure_logging(app)  # first: its request id is taken before anything logs
    init_sentry(app)

    import participa.models

    session_options(app)
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            ping_idle_connections(engine, app.config["DATABASE_PING_AFTER_IDLE"])
            name_connections(engine, app.config["PROCESS_ROLE"])
    init_metrics(app)  # its timer starts before the other hooks run
    migrate.init_app(
        app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    login_manager.init_app(app)
    app.request_class = Request  # per-view body limits, decided before the body is read
    app.before_request(answer_routing_errors_in_json)  # before the CSRF check
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel caches the language on ``g``: a request sharing an application context
    # with another one (the test client, a task run eagerly) must choose its own.
    app.before_request(refresh_locale)
    app.teardown_request(lambda _error: refresh_locale())
    celery_init_app(app)
    import participa.accounts.export_tasks
    import participa.notifications.tasks
    import participa.opendata.tasks  # subscribes to tally_finished and results_opened
    import participa.processes.tasks
    import participa.results.tasks  # noqa: F401  # subscribes too (the stored boletas.csv)

    init_security(app)
    app.url_map.converters["int"] = BoundedInt  # ids beyond 32 bits are simply not found
    _register_blueprints(app)
    init_health(app)
    from participa.ratelimit import init_ratelimit  # wraps views: after the blueprints

    init_ratelimit(app)
    _register_cli(app)
    _register_errors(app)
    _register_template_helpers(app)
    return app


def _secret_key(app: Flask) -> None:
    """``SECRET_KEY`` and ``CENSUS_SALT`` from the environment or the files it names
    (:mod:`participa.secrets_setup`); in debug and tests a fixed key stands in for a missing
    ``SECRET_KEY`` (and the census key derives from it). Without both, nothing starts but
    the ``flask --app participa`` commands that involve no secret: ``pb`` (counting,
    importing, exporting a ``.pb`` file) and the list of commands (``--help``). Any other
    command (``db upgrade`` seals waiting receipt codes, ``run`` would sign sessions,
    ``users``/``demo``/``phases`` notify) refuses."""
    missing = load_secrets(app)
    app.extensions["participa.missing_secrets"] = []
    if not missing:
        return
    if app.debug or app.testing:
        app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or "dev-only-not-secret"
        return
    message = missing_secrets_message(missing)
    if not _built_by_flask_command_needing_no_secret():
        raise RuntimeError(message)
    app.extensions["participa.missing_secrets"] = missing

    def refuse_to_serve(_environ, _start_response):  # never unsigned sessions
        raise RuntimeError(message)

    app.wsgi_app = refuse_to_serve  # type: ignore[method-assign]


def _built_by_flask_command_needing_no_secret() -> bool:
    """Whether the ``flask`` command line itself loads the app, to find one of the app's
    commands or to list them: ``pb`` then runs, the others refuse (:func:`_needs_secret`).
    A command that loads the app from its own context (``db``, ``run``, ``shell``,
    ``routes``) is not one of these: it needs the secret."""
    import click
    from flask.cli import ScriptInfo

    context = click.get_current_context(silent=True)
    return (
        context is not None
        and context.parent is None
        and context.find_object(ScriptInfo) is not None
    )


def _register_blueprints(app: Flask) -> None:
    import participa.accountability.admin_views  # its routes, on accountability_bp
    import participa.accounts.data_views  # its routes, on accounts_bp
    import participa.admin.ballot_editing
    import participa.admin.categories
    import participa.admin.dashboard
    import participa.admin.editing
    import participa.admin.phases
    import participa.admin.publishing
    import participa.admin.team
    import participa.legal.admin_views  # noqa: F401 - its routes, on admin_bp
    from participa.accountability.views import bp as accountability_bp
    from participa.accounts.profile import bp as profile_bp
    from participa.accounts.views import bp as accounts_bp
    from participa.admin import action_log  # noqa: F401 - its routes, on admin_bp
    from participa.admin.views import bp as admin_bp
    from participa.budgets.views import bp as budgets_bp
    from participa.census.views import bp as census_bp
    from participa.conversation.views import bp as conversation_bp
    from participa.legal.views import bp as legal_bp
    from participa.notifications.views import bp as notifications_bp
    from participa.officing.views import bp as officing_bp
    from participa.opendata.views import bp as opendata_bp
    from participa.processes import changes  # noqa: F401 - its routes, on processes_bp
    from participa.processes.views import bp as processes_bp
    from participa.proposals.views import bp as proposals_bp
    from participa.results.views import bp as results_bp
    from participa.review.views import bp as review_bp

    for bp in (
        processes_bp,
        accounts_bp,
        profile_bp,
        proposals_bp,
        budgets_bp,
        results_bp,
        admin_bp,
        conversation_bp,
        census_bp,
        officing_bp,
        review_bp,
        opendata_bp,
        accountability_bp,
        notifications_bp,
        legal_bp,
    ):
        app.register_blueprint(bp)

    from participa.api import init_api  # the read-only JSON API, /api/v1

    init_api(app)


def _register_cli(app: Flask) -> None:
    from participa.cli import demo_cli, pb_cli, phases_cli, users_cli
    from participa.ops.backup import backup_cli

    for group in (users_cli, demo_cli, pb_cli, phases_cli, backup_cli):
        app.cli.add_command(group)
    missing = app.extensions["participa.missing_secrets"]
    if missing:  # a `flask` command without the secrets: only `pb` runs
        for name, command in list(app.cli.commands.items()):
            if command is not pb_cli:  # a .pb file: nothing signed, hashed or sealed
                app.cli.add_command(_needs_secret(command, missing_secrets_message(missing)), name)


def _needs_secret(group: Any, message: str) -> Any:
    """What stands for ``group`` (``db``, ``users``...) in an app built without
    ``SECRET_KEY`` or ``CENSUS_SALT``: listed by ``--help``, it refuses whatever it is asked
    to do, with ``message``."""
    import click

    def refuse(args: tuple[str, ...]) -> None:
        raise click.ClickException(message)

    return click.Command(
        group.name,
        callback=refuse,
        params=[click.Argument(["args"], nargs=-1, type=click.UNPROCESSED)],
        help=group.help,
        short_help=group.short_help,
        context_settings={"ignore_unknown_options": True},
        add_help_option=False,
    )


def _register_errors(app: Flask) -> None:
    from participa.errors import refuse_nul_characters

    def render_error(error: Any) -> tuple[str, int, list[tuple[str, str]]]:
        code = getattr(error, "code", 500) or 500
        if code >= 500:
            db.session.rollback()  # the page itself must not reuse a failed transaction
        # keep the exception's headers (``Allow`` on a 405), not its content type
        headers = [
            (name, value)
            for name, value in (error.get_headers() if hasattr(error, "get_headers") else [])
            if name.lower() != "content-type"
        ]
        return render_template("error.html", error=error, code=code), code, headers

    for code in (400, 403, 404, 405, 409, 413, 500):
        app.register_error_handler(code, render_error)
    app.before_request(refuse_nul_characters)  # a 400 before PostgreSQL refuses it with a 500


def _register_template_helpers(app: Flask) -> None:
    from participa import formatting

    app.jinja_env.filters.update(
        money=formatting.money,
        date=formatting.date,
        datetime=formatting.datetime,
        number=formatting.number,
        percent=formatting.percent,
        fraction_money=formatting.fraction_money,
        fraction_number=formatting.fraction_number,
    )
    from participa.budgets.rules_text import BALLOT_TYPE_LABELS, RULE_EXPLANATIONS, RULE_LABELS

    app.jinja_env.globals.update(
        LANGUAGES=LANGUAGES,
        get_locale=get_locale,
        RULE_LABELS=RULE_LABELS,
        RULE_EXPLANATIONS=RULE_EXPLANATIONS,
        BALLOT_TYPE_LABELS=BALLOT_TYPE_LABELS,
        localized=formatting.localized,
        acts_as=_acts_as,
    )


def _acts_as(role: str) -> bool:
    """For the navigation: whether the person signed in holds ``role`` on some process
    (globally or assigned to one), so their staff screen is offered."""
    from flask_login import current_user

    from participa.accounts.models import Role
    from participa.staff import access

    return access.acts_anywhere(current_user, Role(role))
