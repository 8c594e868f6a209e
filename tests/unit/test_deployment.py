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
    assert {"postgres", "redis", "web", "worker", "tally-worker", "beat"} <= set(services)
    assert "gunicorn" in services["web"]["command"]
    assert "'participa:create_app()'" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A worker.app worker")
    assert services["beat"]["command"].startswith("celery -A worker.app beat")
    # the entry points the commands name exist: the web's app factory, the worker's module
    module, factory = re.search(r"'([\w.]+):(\w+)\(\)'", services["web"]["command"]).groups()
    assert callable(getattr(importlib.import_module(module), factory, None)), (module, factory)
    for name in ("worker", "tally-worker", "beat"):
        celery_app = services[name]["command"].split()[2]  # celery -A <module> ...
        assert importlib.util.find_spec(celery_app) is not None, celery_app
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
        assert env["CELERY_BROKER_URL"].startswith("redis://")


APP_SERVICES = ("web", "worker", "tally-worker", "beat")


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_compose_migrates_once_before_any_node_starts():
    """Two nodes upgrading the schema at once fail: a one-off job does it, and everything
    that runs the app waits for it to have succeeded."""
    services = _compose()
    migrate = services["migrate"]
    assert migrate["command"] == ["flask", "--app", "participa", "db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in APP_SERVICES:
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name
        assert "db upgrade" not in str(services[name]["command"]), name


def test_compose_puts_a_proxy_in_front_of_several_web_nodes_and_trusts_it():
    services = _compose()
    proxy = services["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert "80:80" in proxy["ports"] and "ports" not in services["web"]  # only the proxy
    config = ROOT / "deploy" / "nginx.conf"
    assert f"./{config.relative_to(ROOT)}:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    text = config.read_text()
    assert "proxy_pass $web" in text and "set $web http://web:8000" in text
    assert "alias /srv/static/" in text and "./static:/srv/static:ro" in proxy["volumes"]
    assert services["web"]["deploy"]["replicas"] >= 2
    for name in APP_SERVICES:  # one hop: the proxy, which replaces X-Forwarded-For
        assert services[name]["environment"]["PARTICIPA_TRUSTED_PROXIES"] == "1"
    assert "X-Forwarded-For $remote_addr" in text


def test_compose_shares_secrets_and_storage_between_all_nodes():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    for name in (*APP_SERVICES, "migrate"):
        env = services[name]["environment"]
        assert env["SECRET_KEY_FILE"] == "/run/secrets/secret_key", name
        assert env["CENSUS_SALT_FILE"] == "/run/secrets/census_salt", name
        assert "SECRET_KEY" not in env and "CENSUS_SALT" not in env
        assert set(services[name]["secrets"]) == {"secret_key", "census_salt"}
        assert env["STORAGE_URL"] == "s3://participa-files/"
        assert env["STORAGE_S3_ENDPOINT_URL"] == "http://minio:9000"
    for name in APP_SERVICES:  # the bucket exists before a node writes to it
        bucket_made = services[name]["depends_on"]["minio-bucket"]["condition"]
        assert bucket_made == "service_completed_successfully", name
    assert set(compose["secrets"]) == {"secret_key", "census_salt"}
    bucket = services["minio-bucket"]
    assert "mc mb --ignore-existing local/participa-files" in bucket["entrypoint"]
    assert bucket["depends_on"]["minio"]["condition"] == "service_healthy"


def test_compose_checks_the_health_of_each_long_running_service():
    services = _compose()
    for name in ("postgres", "redis", "minio", "web", "worker", "tally-worker"):
        assert services[name]["healthcheck"]["test"], name
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"
    for name in APP_SERVICES:
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_compose_runs_a_worker_per_queue_and_beats_on_the_shared_schedule():
    services = _compose()
    assert services["worker"]["command"].split()[4:6] == ["-Q", "celery"]
    tally = services["tally-worker"]["command"].split()
    assert tally[4:] == [
        "-Q", "tally", "--concurrency", "1", "--prefetch-multiplier", "1", "--loglevel=info"
    ]  # fmt: skip
    beat = services["beat"]["command"]
    assert "--scheduler redbeat.RedBeatScheduler" in beat and "--schedule" not in beat.split()


def test_the_image_runs_unprivileged_from_the_locked_requirements():
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    assert "RUN pip install --no-cache-dir --require-hashes -r requirements/base.txt" in lines
    assert not any("pip install" in line and "-e" in line.split() for line in lines)
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users == ["participa"]  # the last word on who runs it
    assert lines.index("USER participa") > max(
        i for i, line in enumerate(lines) if line.startswith("RUN ")
    )
    assert "chown participa:participa /var/lib/participa" in (ROOT / "Dockerfile").read_text()
    assert "PARTICIPA_INSTANCE_PATH=/var/lib/participa" in (ROOT / "Dockerfile").read_text()
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {"instance", "secrets", ".venv"} <= set(ignored)  # no demo key in the context


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
