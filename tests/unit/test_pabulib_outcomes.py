"""Every real election in shared/pabulib with a ``selected`` column and a rule we implement:
parsing it and tallying with its declared rule reproduces the official outcome exactly."""

from pathlib import Path

import pytest

from participa.tallying import RULES, tally
from participa.tallying.pabulib import read, to_election
from tests.conftest import need
from tests.pabulib_dir import pabulib_dir

PABULIB = pabulib_dir()
FILES = sorted(PABULIB.glob("*.pb")) if PABULIB.is_dir() else []


def official(path: Path) -> tuple[str, set[str]] | None:
    """The declared rule and the funded project ids, or None if not checkable."""
    pb = read(path)
    if "selected" not in pb.project_columns or pb.meta["rule"] not in RULES:
        return None
    return pb.meta["rule"], {pid for pid, row in pb.projects.items() if row["selected"] == "1"}


CHECKABLE = [path for path in FILES if official(path)]


def test_the_folder_has_checkable_elections():
    if not FILES:
        need(False, f"no Pabulib folder at {PABULIB}")
    assert len(CHECKABLE) >= 30


@pytest.mark.parametrize("path", CHECKABLE, ids=lambda p: p.stem)
def test_declared_rule_reproduces_the_official_outcome(path):
    rule, selected = official(path)
    outcome = tally(to_election(read(path)), rule)
    assert set(outcome.selected) == selected
    assert outcome.total_cost <= outcome.budget
