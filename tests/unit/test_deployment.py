"""docker-compose.yml cannot run here (no Docker engine); check what can be checked."""

import importlib
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.support.pabulib import SMALL_PB

ROOT = Path(__file__).resolve().parents[2]


def test_compose_describes_the_stack_with_real_entry_points():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert "gunicorn" in services["web"]["command"]
    assert "'participa:create_app()'" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A worker.app worker")
    assert services["beat"]["command"].startswith("celery -A worker.app beat")
    # the entry points the commands name exist: the web's app factory, the worker's module
    module, factory = re.search(r"'([\w.]+):(\w+)\(\)'", services["web"]["command"]).groups()
    assert callable(getattr(importlib.import_module(module), factory, None)), (module, factory)
    for name in ("worker", "beat"):
        celery_app = services[name]["command"].split()[2]  # celery -A <module> ...
        assert importlib.util.find_spec(celery_app) is not None, celery_app
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
        assert env["CELERY_BROKER_URL"].startswith("redis://")


def test_gunicorn_settings_are_shipped_and_serve_the_app_with_threads():
    """The web container runs gunicorn from the image's working directory, where it reads
    gunicorn.conf.py: the file must be in the image and describe the app."""
    import runpy

    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["wsgi_app"] == "participa:create_app()"
    assert settings["worker_class"] == "gthread" and settings["threads"] >= 2
    assert settings["workers"] >= 1
    assert "gunicorn.conf.py" in (ROOT / "Dockerfile").read_text()
    import gc

    try:
        settings["post_worker_init"](None)  # the loaded app is kept out of collections
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_worker_entry_point_registers_the_tasks():
    env = os.environ | {
        "PARTICIPA_SECRET_KEY": "x",
        "CELERY_BROKER_URL": "memory://",
        "PARTICIPA_INSTANCE_PATH": str(ROOT / "instance"),
    }
    code = "from worker.app import celery_app; print(sorted(celery_app.tasks))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert "participa.results.tasks.tally_budget" in out
    assert "participa.processes.tasks.advance_phases" in out
    assert "participa.notifications.tasks.send_notification" in out


def test_secret_key_is_required_outside_debug_and_tests(tmp_path):
    env = _clean_environment(tmp_path)  # no instance/secret_key left by `make demo` either
    code = "from participa import create_app; create_app()"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def _clean_environment(instance: Path) -> dict[str, str]:
    """A shell of a fresh clone: no SECRET_KEY, no PARTICIPA_* setting, no database or
    broker, and an empty instance folder (so no ``secret_key`` file from ``make demo``)."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "VIRTUAL_ENV", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in keep}
    return env | {"PARTICIPA_INSTANCE_PATH": str(instance)}


def test_pb_tally_from_a_fresh_clone_needs_no_secret(tmp_path):
    """README: ``flask --app participa pb tally FILE.pb`` counts a file; nothing is signed or
    hashed, so no SECRET_KEY is needed (greedy: c 300 with 4 votes, a 600 with 3, and b 500
    with 2 no longer fits)."""
    pb = tmp_path / "tres.pb"
    pb.write_text(SMALL_PB, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "participa", "pb", "tally", str(pb)],
        cwd=ROOT,
        env=_clean_environment(tmp_path / "instance"),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(result.stdout.split()) == ["a", "c"]


def test_only_pb_commands_run_without_a_secret(tmp_path):
    """``db upgrade`` seals the receipt codes waiting to be mailed with a key derived from
    SECRET_KEY: without one it refuses before touching the database, as every command but
    ``pb`` and the list of commands do."""
    instance = tmp_path / "instance"
    env = _clean_environment(instance)

    def flask(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "flask", "--app", "participa", *args]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)

    for args in (("db", "upgrade"), ("users", "create-admin", "--help"), ("routes",)):
        refused = flask(*args)
        assert refused.returncode != 0, args
        assert "SECRET_KEY must be set" in refused.stderr, (args, refused.stderr[-2000:])
    assert not list(instance.glob("*.db"))  # no database was created, let alone migrated
    listed = flask("--help")
    assert listed.returncode == 0 and " pb " in listed.stdout and " db " in listed.stdout


def test_a_flask_command_without_secret_serves_nothing_and_hashes_nothing(tmp_path):
    """The app a ``flask`` command builds without SECRET_KEY refuses what needs the secret:
    a request (``flask run`` would sign sessions with nothing) and the census hashes."""
    code = """
import click
from flask.cli import ScriptInfo
from participa import create_app
with click.Context(click.Command("flask"), obj=ScriptInfo()):
    app = create_app()
print("built")
for name, attempt in (
    ("request", lambda: app.test_client().get("/")),
    ("census", lambda: __import__("participa.census.hashing").census.hashing.census_salt()),
):
    try:
        with app.app_context():
            attempt()
        print(name, "served")
    except RuntimeError as error:
        print(name, "refused:", error)
"""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_clean_environment(tmp_path / "instance"),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0] == "built"
    assert lines[1] == "request refused: SECRET_KEY must be set outside debug and tests."
    assert lines[2].startswith("census refused: SECRET_KEY (or CENSUS_SALT) must be set")


def test_every_import_of_the_app_is_a_declared_dependency():
    """``make demo`` installs only the main dependencies: the app must not lean on a package
    that only the dev extras bring (numpy once came in through pabutools that way)."""
    import ast
    import re
    import sys
    import tomllib
    from importlib.metadata import packages_distributions

    declared = {
        re.split(r"[\[<>=!~ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")
        for requirement in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
            "dependencies"
        ]
    }
    providers = packages_distributions()
    missing = set()
    for path in (ROOT / "participa").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "participa":
                    continue
                dists = {d.lower().replace("_", "-") for d in providers.get(top, [top])}
                if not dists & declared and not any(_required_by(d, declared) for d in dists):
                    missing.add(f"{top} ({path.relative_to(ROOT)})")
    assert not missing, f"imported but not declared in [project.dependencies]: {missing}"


def _required_by(dist: str, declared: set[str]) -> bool:
    """Whether ``dist`` comes with one of the declared packages (e.g. werkzeug with flask)."""
    import re
    from importlib.metadata import PackageNotFoundError, requires

    for parent in declared:
        try:
            needs = requires(parent) or []
        except PackageNotFoundError:
            continue
        if any(
            re.split(r"[\[<>=!~ ;]", n, maxsplit=1)[0].lower().replace("_", "-") == dist
            for n in needs
        ):
            return True
    return False
