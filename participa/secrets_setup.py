"""Where the two secrets every node must share come from: ``SECRET_KEY`` (sessions, signed
links, sealed receipt codes) and ``CENSUS_SALT`` (the census hashes).

Each one is read from the environment (``SECRET_KEY``, or ``PARTICIPA_SECRET_KEY``), or from
the file the environment names (``SECRET_KEY_FILE``: a Docker or Kubernetes secret; the
surrounding whitespace is stripped). Nothing is read from the instance folder: a node with a
key of its own would treat every other node's sessions as anonymous, and hash the census
under another key. ``make demo`` writes its own pair and passes them in the environment.
"""

import os
from pathlib import Path

from flask import Flask

SECRETS = ("SECRET_KEY", "CENSUS_SALT")


class SecretFileError(RuntimeError):
    """A ``*_FILE`` setting names a file that cannot be read or is empty."""


def missing_secrets_message(missing: list[str]) -> str:
    names = " and ".join(missing)
    return (
        f"{names} must be set outside debug and tests (in the environment, or in a file "
        f"named by {' / '.join(f'{name}_FILE' for name in missing)}); missing: {names}."
    )


def load_secrets(app: Flask) -> list[str]:
    """Fill ``SECRET_KEY`` and ``CENSUS_SALT`` from their ``*_FILE`` when one is named; the
    names of those still missing. A named file that is missing or empty, or a secret given
    both ways, is an error whatever the mode: the deployment meant to set it."""
    for name in SECRETS:
        path = app.config.get(f"{name}_FILE") or os.environ.get(f"{name}_FILE")
        if not path:
            continue
        if app.config.get(name):
            raise SecretFileError(f"{name} and {name}_FILE are both set: set only one of them.")
        app.config[name] = _read_secret(name, Path(path))
    return [name for name in SECRETS if not app.config.get(name)]


def _read_secret(name: str, path: Path) -> str:
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise SecretFileError(
            f"{name}_FILE names {path}, which cannot be read ({error.strerror})."
        ) from None
    if not value:
        raise SecretFileError(f"{name}_FILE names {path}, which is empty.")
    return value
