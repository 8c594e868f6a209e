"""Simultaneous confirmations of one resident's ballot make exactly one ballot (PostgreSQL)."""

from sqlalchemy import func, select

from participa.budgets.models import Ballot, BallotItem
from participa.extensions import db
from tests import factories as f
from tests.conftest import need
from tests.support.auth import Auth
from tests.support.parallel import post_together

THREADS = 20


def test_parallel_confirmations_by_one_resident_make_one_ballot(ctx, is_postgres):
    need(is_postgres, "concurrency is tested on PostgreSQL (PARTICIPA_TEST_DATABASE_URL)")
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process, amount=1000, costs=(400, 300, 300, 200))
    voter = f.user()
    db.session.commit()
    url = f"/procesos/{process.slug}/presupuestos/{budget.id}/boleta/confirmar"
    ids = f.project_ids(budget)
    selections = [[ids[i % 4], ids[(i + 1) % 4]] for i in range(THREADS)]
    clients = []
    for _ in range(THREADS):
        client = ctx.test_client()
        Auth(client).login(voter)
        clients.append(client)
    statuses = post_together(
        [
            (client, url, {"project": [str(i) for i in selection]})
            for client, selection in zip(clients, selections, strict=True)
        ]
    )

    assert statuses == [303] * THREADS
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Ballot.id))) == 1
    stored = sorted(db.session.scalars(select(BallotItem.project_id)))
    assert stored in [sorted(s) for s in selections]  # one whole selection, never a mix
