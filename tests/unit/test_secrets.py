"""SECRET_KEY and CENSUS_SALT, shared by every node: from the environment or the files it
names (Docker/Kubernetes secrets), never from the instance folder; outside debug and tests
nothing starts without both, except the ``flask ... pb`` commands."""

import os
import subprocess
import sys
from pathlib import Path

from tests.support.pabulib import SMALL_PB

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "from participa import create_app; app = create_app(); "
    "print(repr(app.config['SECRET_KEY']), repr(app.config['CENSUS_SALT']))"
)
BOTH_MISSING = (
    "SECRET_KEY and CENSUS_SALT must be set outside debug and tests (in the environment, or "
    "in a file named by SECRET_KEY_FILE / CENSUS_SALT_FILE); missing: SECRET_KEY and "
    "CENSUS_SALT."
)


def _clean_environment(instance: Path, **settings: str) -> dict[str, str]:
    """A shell of a fresh clone: no secret, no PARTICIPA_* setting, no database or broker,
    and an empty instance folder; plus ``settings``."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "VIRTUAL_ENV", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in keep}
    return env | {"PARTICIPA_INSTANCE_PATH": str(instance)} | settings


def _start(instance: Path, **settings: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env=_clean_environment(instance, **settings),
        capture_output=True,
        text=True,
    )


def test_both_secrets_from_the_environment(tmp_path):
    started = _start(tmp_path, SECRET_KEY="the-key", CENSUS_SALT="the-salt")
    assert started.returncode == 0, started.stderr[-2000:]
    assert started.stdout.split() == ["'the-key'", "'the-salt'"]


def test_both_secrets_from_files_named_by_the_environment_without_surrounding_whitespace(
    tmp_path,
):
    (tmp_path / "key").write_text("  file-key\n")
    (tmp_path / "salt").write_text("file-salt\n\n")
    started = _start(
        tmp_path / "instance",
        SECRET_KEY_FILE=str(tmp_path / "key"),
        CENSUS_SALT_FILE=str(tmp_path / "salt"),
    )
    assert started.returncode == 0, started.stderr[-2000:]
    assert started.stdout.split() == ["'file-key'", "'file-salt'"]


def test_nothing_starts_without_both_secrets_and_the_message_names_them(tmp_path):
    both = _start(tmp_path)
    assert both.returncode != 0 and BOTH_MISSING in both.stderr
    salt = _start(tmp_path, SECRET_KEY="the-key")
    assert salt.returncode != 0
    assert "CENSUS_SALT must be set outside debug and tests" in salt.stderr
    assert "missing: CENSUS_SALT." in salt.stderr
    key = _start(tmp_path, CENSUS_SALT="the-salt")
    assert key.returncode != 0 and "missing: SECRET_KEY." in key.stderr


def test_the_instance_folder_is_no_source_of_secrets(tmp_path):
    """A key file left by an older `make demo` in the instance folder is not read: each
    node would otherwise have one of its own."""
    (tmp_path / "secret_key").write_text("node-local-key\n")
    (tmp_path / "census_salt").write_text("node-local-salt\n")
    started = _start(tmp_path)
    assert started.returncode != 0 and BOTH_MISSING in started.stderr


def test_a_named_secret_file_that_is_missing_or_empty_stops_the_start(tmp_path):
    (tmp_path / "empty").write_text(" \n")
    missing = _start(
        tmp_path / "instance", SECRET_KEY_FILE=str(tmp_path / "nowhere"), CENSUS_SALT="s"
    )
    assert missing.returncode != 0
    assert f"SECRET_KEY_FILE names {tmp_path / 'nowhere'}, which cannot be read" in (missing.stderr)
    empty = _start(tmp_path / "instance", SECRET_KEY="k", CENSUS_SALT_FILE=str(tmp_path / "empty"))
    assert empty.returncode != 0
    assert f"CENSUS_SALT_FILE names {tmp_path / 'empty'}, which is empty." in empty.stderr


def test_a_secret_given_both_ways_is_refused(tmp_path):
    (tmp_path / "key").write_text("file-key")
    both = _start(
        tmp_path / "instance",
        SECRET_KEY="env-key",
        SECRET_KEY_FILE=str(tmp_path / "key"),
        CENSUS_SALT="s",
    )
    assert both.returncode != 0
    assert "SECRET_KEY and SECRET_KEY_FILE are both set: set only one of them." in both.stderr


def test_tests_and_debug_need_neither(tmp_path):
    started = _start(tmp_path, PARTICIPA_TESTING="true")
    assert started.returncode == 0, started.stderr[-2000:]
    assert started.stdout.split() == ["'dev-only-not-secret'", "None"]


def test_pb_tally_from_a_fresh_clone_needs_no_secret(tmp_path):
    """README: ``flask --app participa pb tally FILE.pb`` counts a file; nothing is signed or
    hashed, so no secret is needed (greedy: c 300 with 4 votes, a 600 with 3, and b 500
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


def test_only_pb_commands_run_without_the_secrets(tmp_path):
    """``db upgrade`` seals the receipt codes waiting to be mailed with a key derived from
    SECRET_KEY: without the secrets it refuses before touching the database, as every
    command but ``pb`` and the list of commands do; a SECRET_KEY alone is not enough."""
    instance = tmp_path / "instance"

    def flask(*args: str, **settings: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "flask", "--app", "participa", *args]
        env = _clean_environment(instance, **settings)
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)

    for args in (("db", "upgrade"), ("users", "create-admin", "--help"), ("routes",)):
        refused = flask(*args)
        assert refused.returncode != 0, args
        assert BOTH_MISSING in refused.stderr, (args, refused.stderr[-2000:])
    refused = flask("db", "upgrade", SECRET_KEY="only-the-key")
    assert refused.returncode != 0 and "missing: CENSUS_SALT." in refused.stderr
    assert not list(instance.glob("*.db"))  # no database was created, let alone migrated
    listed = flask("--help")
    assert listed.returncode == 0 and " pb " in listed.stdout and " db " in listed.stdout


def test_a_flask_command_without_secrets_serves_nothing_and_hashes_nothing(tmp_path):
    """The app a ``flask`` command builds without the secrets refuses what needs them: a
    request (``flask run`` would sign sessions with nothing) and the census hashes."""
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
    assert lines[1] == f"request refused: {BOTH_MISSING}"
    assert lines[2].startswith("census refused: SECRET_KEY (or CENSUS_SALT) must be set")
