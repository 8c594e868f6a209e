"""The counting rules are a library: importing them loads no web framework or database."""

import subprocess
import sys


def test_the_tally_package_imports_without_flask_sqlalchemy_or_celery():
    code = (
        "import sys, participa.tallying, participa.tallying.pabulib; "
        "print(sorted({'flask', 'sqlalchemy', 'celery', 'participa.app'} & set(sys.modules)))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"


def test_the_application_is_still_reachable_from_the_package():
    import participa

    assert participa.create_app.__module__ == "participa.app"
