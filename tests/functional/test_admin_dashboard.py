"""The administrators' dashboard: each process's waiting work and turnout, and the site's
problems, counted from the database."""

import re

from participa.accounts.models import Role
from participa.db import utcnow
from participa.extensions import db
from participa.notifications.models import Notification
from participa.processes.models import District
from participa.proposals import services as proposals
from participa.results.models import RunStatus, TallyRun
from tests import factories as f
from tests.support.auth import Auth
from tests.support.ballots import cast_ballot


def _figure(page: str, testid: str, process_id: int | None = None) -> str:
    scope = page
    if process_id is not None:
        scope = page.split(f'data-testid="process-row-{process_id}"', 1)[1].split("</tr>", 1)[0]
    match = re.search(rf'data-testid="{testid}">([^<]*)<', scope)
    assert match, testid
    return match.group(1).strip()


def test_the_dashboard_counts_waiting_work_turnout_and_problems(client):
    busy = f.process(now_allows=("allows_propose", "allows_support", "allows_vote"))
    quiet = f.process()
    budget = f.budget(busy)
    for title in ("Luminarias en la colonia Centro", "Bebederos en el parque Hidalgo"):
        proposal = proposals.create_proposal(
            busy,
            f.user(),
            title=title,
            body="Una propuesta para la colonia, con su descripción completa.",
            category="espacio-publico",
            district_id=None,
            cost_estimate=None,
        )
    proposals.support(proposal, f.user())
    for _ in range(3):
        cast_ballot(budget, f.user(), f.project_ids(budget)[:1])
    centro = District(name="Centro")
    db.session.add(centro)
    db.session.flush()
    centro_budget = f.budget(busy, district_id=centro.id)
    for _ in range(2):
        cast_ballot(centro_budget, f.user(), f.project_ids(centro_budget)[:1])
    db.session.add(
        Notification(user_id=f.user().id, kind="x", subject="s", body="b", failed_at=utcnow())
    )
    db.session.add(
        TallyRun(
            budget_id=budget.id,
            rule="greedy",
            status=RunStatus.QUEUED,
            created_at=utcnow().replace(year=2020),
        )
    )
    admin = f.admin()
    db.session.commit()
    Auth(client).login(admin)

    page = client.get("/admin/").text
    assert _figure(page, "to-evaluate", busy.id).endswith("2")
    assert _figure(page, "turnout-proposals", busy.id).endswith("2")
    assert _figure(page, "turnout-supports", busy.id).endswith("1")
    assert "Boletas: 5" in _figure(page, "turnout-ballots", busy.id)
    # by the district of the budget voted on: the municipality's budget, then Centro's
    by_district = _figure(page, "turnout-districts", busy.id)
    assert by_district == "Por distrito: todo el municipio 3, Centro 2"
    quiet_row = page.split(f'data-testid="process-row-{quiet.id}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-testid="turnout-districts"' not in quiet_row
    assert _figure(page, "turnout-ballots", quiet.id).endswith("0")
    assert _figure(page, "failed-notifications") == "1"
    assert _figure(page, "stale-tallies") == "1"
    assert _figure(page, "identity-conflicts") == "0"


def test_only_administrators_see_the_dashboard(client):
    Auth(client).login(f.user(Role.EVALUATOR))
    assert client.get("/admin/").status_code == 403
