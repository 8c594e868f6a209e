"""Importing real .pb files into the platform and tallying them there (the worker's code
path) reproduces the official outcome; exporting gives a file that recounts the same."""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from participa.budgets.models import Ballot, Project
from participa.db import utcnow
from participa.errors import Invalid
from participa.extensions import db
from participa.interop.pabulib import export_pb, import_pb
from participa.processes.models import Process
from participa.results.queries import published_run
from participa.results.services import request_tally
from participa.results.tasks import run_tally
from participa.tallying import tally
from participa.tallying.pabulib import dump, parse, read, to_election
from tests.conftest import need
from tests.support.pabulib import CHECKABLE, PABULIB, SMALL_PB, official


def import_and_tally(path: Path):
    report = import_pb(read(path))
    run = request_tally(report.budget)
    db.session.commit()
    run_tally(run.id)
    return report


@pytest.mark.parametrize("path", CHECKABLE, ids=lambda p: p.stem)
def test_imported_election_tallies_to_the_official_outcome(ctx, path):
    rule, selected = official(path)
    report = import_and_tally(path)
    run = published_run(report.budget)
    assert run is not None and run.rule == rule and not run.preview
    codes = dict(db.session.execute(select(Project.id, Project.code)).all())
    assert {codes[o.project_id] for o in run.selected} == selected
    assert run.ballots_counted == len(read(path).votes)


def test_export_recounts_to_the_published_outcome(ctx):
    path = PABULIB / "Poland_Swiecie_2023.pb"
    if not path.exists():
        need(False, f"{path} is missing")
    report = import_and_tally(path)
    exported = parse(dump(export_pb(report.budget)))
    assert exported.meta["rule"] == "equalshares/add1"
    assert int(exported.meta["num_votes"]) == db.session.scalar(select(func.count(Ballot.id)))
    published = {row["project_id"] for row in exported.projects.values() if row["selected"] == "1"}
    recount = tally(to_election(exported), exported.meta["rule"])
    assert set(recount.selected) == published == official(path)[1]
    assert all(len(voter) == 16 for voter in exported.votes)  # random ids, not the file's


def test_export_is_read_by_pabutools(ctx, tmp_path):
    pabutools = pytest.importorskip("pabutools.election")
    path = PABULIB / "Poland_Czestochowa_2024_Stradom.pb"
    if not path.exists():
        need(False, f"{path} is missing")
    report = import_and_tally(path)
    out = tmp_path / "export.pb"
    out.write_text(dump(export_pb(report.budget)), encoding="utf-8")
    instance, profile = pabutools.parse_pabulib(str(out))
    assert int(instance.budget_limit) == report.budget.amount
    assert len(instance) == len(read(path).projects)
    assert profile.num_ballots() == report.ballots


def test_a_file_whose_vote_has_not_closed_is_refused(ctx):
    """An import is a finished election: a ``date_end`` of today or later would open the
    online vote on top of the imported ballots."""
    today = utcnow().date()
    for date_end in (today, today + timedelta(days=30)):
        pb = parse(SMALL_PB.replace("date_end;31.03.2026", f"date_end;{date_end:%d.%m.%Y}"))
        with pytest.raises(Invalid, match="is not in the past: an imported file is a finished"):
            import_pb(pb)
        assert db.session.scalar(select(func.count()).select_from(Process)) == 0
    yesterday = today - timedelta(days=1)
    report = import_pb(parse(SMALL_PB.replace("31.03.2026", f"{yesterday:%d.%m.%Y}")))
    (voting,) = [p for p in report.budget.process.phases if p.allows_vote]
    assert voting.ends_at <= utcnow()  # closed: nobody votes online on an import
