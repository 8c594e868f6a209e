"""A tallied and published process, and how to read its open data (shared by the open data,
receipt, i18n and route tests)."""

import csv
from datetime import timedelta
from pathlib import Path

from participa.accountability.models import ExecutionItem, ExecutionStatus, Milestone
from participa.db import utcnow
from participa.extensions import db
from participa.opendata import services
from participa.opendata.models import Publication
from participa.proposals.models import Proposal
from participa.results import services as results
from participa.results.tasks import run_tally
from participa.storage import LocalStorage, storage
from tests import factories as f
from tests.support.ballots import cast_ballot


def shift_phases(process, days: int) -> None:
    """Move every phase ``days`` into the past."""
    for phase in process.phases:
        phase.starts_at -= timedelta(days=days)
        phase.ends_at -= timedelta(days=days)
    db.session.flush()


def proposal(process, author, title, **extra) -> Proposal:
    p = Proposal(
        process_id=process.id,
        author_id=author.id,
        title=title,
        body=f"Texto de {title}",
        category="movilidad",
        **extra,
    )
    db.session.add(p)
    db.session.flush()
    return p


def tallied_process(
    rule: str = "greedy", ballot_type: str = "knapsack", selections=None, **options
):
    """A process whose voting closed, with ballots cast by residents, an official tally,
    and results public; plus proposals (one hidden) and an execution item.

    ``selections(project_ids)`` gives the ballots as (project ids, points or None)."""
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(
        process,
        amount=1000,
        costs=(600, 500, 300, 200),
        ballot_type=ballot_type,
        rule=rule,
        **options,
    )
    ids = f.project_ids(budget)
    p1, p2, p3, p4 = ids
    default = [[p1, p3], [p1, p4], [p2, p3], [p2, p3], [p2], [p3, p4]]
    ballots = selections(ids) if selections else [(s, None) for s in default]
    voters = []
    for chosen, points in ballots:
        voter = f.user()
        voters.append(voter)
        cast_ballot(budget, voter, chosen, points)
    author = f.user()
    proposal(process, author, "Ciclovía en la avenida")
    proposal(process, author, "Propuesta ofensiva", hidden_at=utcnow())
    shift_phases(process, 15)  # voting ended 5 days ago; the results phase is current
    run = results.request_tally(budget)
    db.session.commit()
    run_tally(run.id)
    status = ExecutionStatus(process_id=process.id, key="en-obra", name="En obra", progress=50)
    db.session.add(status)
    db.session.flush()
    item = ExecutionItem(
        process_id=process.id,
        project_id=p3,
        title="Obra del proyecto 3",
        status_id=status.id,
        progress=40,
        office="Obras Públicas",
        budgeted=300,
        spent=120,
    )
    db.session.add(item)
    db.session.flush()
    db.session.add(Milestone(item_id=item.id, happened_on=utcnow().date(), text="Arranque"))
    db.session.commit()
    return process, budget, voters


def folder_of(publication: Publication) -> Path:
    """The folder of a version's files in the (default, local) storage."""
    store = storage()
    assert isinstance(store, LocalStorage), "folder_of reads the local storage"
    return store.path(services.version_prefix(publication.process.slug, publication.version))


def read_csv(folder: Path, name: str) -> list[dict]:
    with open(folder / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
