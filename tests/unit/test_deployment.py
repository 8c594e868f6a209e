"""docker-compose.yml cannot run here (no Docker engine); check what can be checked."""

import importlib
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml


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
        "PARTICIPA_CENSUS_SALT": "y",
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
