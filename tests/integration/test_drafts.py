"""Drafts and publication: the rules of publishing and unpublishing a process, what the
scheduler does (and does not do) with a draft, and open data following the results phase."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from participa.audit.models import ActionLog
from participa.db import utcnow
from participa.errors import Conflict, NotAllowed
from participa.extensions import db
from participa.notifications.models import Notification
from participa.notifications.services import follow
from participa.opendata import services as opendata
from participa.opendata.models import Publication
from participa.opendata.tasks import publish_all, publish_process
from participa.processes import publication
from participa.processes import services as processes
from participa.processes.models import Action
from participa.processes.tasks import run_scheduler
from participa.proposals import services as proposals
from participa.results import services as results
from participa.results.tasks import run_tally
from tests import factories as f
from tests.support.ballots import cast_ballot
from tests.support.opendata import folder_of, proposal, read_csv, shift_phases, tallied_process


def test_a_new_process_is_a_draft_and_publishing_is_logged(ctx):
    admin = f.admin()
    process = processes.create_process(
        title="Nuevo", slug=None, description="", municipality="Santa Lucía", district_id=None
    )
    assert process.published_at is None and not process.is_published
    publication.publish(process, admin)
    assert process.is_published
    (entry,) = db.session.scalars(
        select(ActionLog).where(ActionLog.action == "process.published")
    ).all()
    assert entry.actor_id == admin.id and entry.process_id == process.id and entry.public
    with pytest.raises(Conflict):
        publication.publish(process, admin)  # already published


def test_unpublishing_an_untouched_process_makes_it_a_draft_again(ctx):
    admin = f.admin()
    process = f.process(now_allows=("allows_propose",))
    f.budget(process)  # budgets and projects are the administration's own: no obstacle
    assert publication.public_dependencies(process) == []
    publication.unpublish(process, admin)
    assert process.published_at is None
    assert db.session.scalar(
        select(func.count(ActionLog.id)).where(ActionLog.action == "process.unpublished")
    )
    with pytest.raises(Conflict):
        publication.unpublish(process, admin)  # already a draft


def test_unpublishing_is_refused_with_each_reason_while_something_public_depends_on_it(ctx):
    admin = f.admin()
    process = f.process(now_allows=("allows_propose", "allows_support", "allows_vote"))
    budget = f.budget(process)
    idea = proposals.create_proposal(
        process,
        f.user(),
        title="Una banca más en el parque",
        body="x" * 40,
        category="espacio-publico",
        district_id=None,
        cost_estimate=None,
    )
    proposals.support(idea, f.user())
    cast_ballot(budget, f.user(), f.project_ids(budget)[:1])
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        publication.unpublish(process, admin)
    reasons = " ".join(refused.value.details)
    assert "1 propuesta" in reasons and "1 apoyo" in reasons and "1 boleta" in reasons
    db.session.rollback()
    assert db.session.get(type(process), process.id).is_published


def test_unpublishing_is_refused_once_results_and_open_data_are_published(ctx):
    process, _budget, _voters = tallied_process()
    opendata.publish(process, "manual")
    db.session.commit()
    reasons = " ".join(publication.public_dependencies(process))
    assert "cómputo oficial" in reasons
    assert "versión publicada de datos abiertos" in reasons
    assert "seguimiento" in reasons


def test_nobody_takes_part_in_a_draft(ctx):
    process = f.process(now_allows=("allows_propose", "allows_vote"), published=False)
    assert not process.allows(Action.PROPOSE) and not process.allows(Action.VOTE)
    with pytest.raises(NotAllowed):
        proposals.create_proposal(
            process,
            f.user(),
            title="Una banca más en el parque",
            body="x" * 40,
            category="espacio-publico",
            district_id=None,
            cost_estimate=None,
        )


def test_open_data_is_never_published_for_a_draft(ctx):
    draft = f.process(published=False)
    public = f.process()
    db.session.commit()
    assert opendata.publish(draft, "manual") is None
    assert publish_process(draft.id, "daily")["status"] == "unchanged"
    assert [r["process_id"] for r in publish_all()] == [public.id]
    assert db.session.scalars(select(Publication.process_id)).all() == [public.id]


def test_the_scheduler_tells_nobody_about_a_draft_and_publishes_nothing(ctx):
    draft = f.process(published=False)
    fan = f.user()
    follow(fan.id, draft.id)
    shift_phases(draft, 12)  # the results phase ("Después") opened two days ago
    db.session.commit()
    done = run_scheduler()
    assert draft.phases[2].id in done["opened"]  # recorded, as for any process
    assert db.session.scalar(select(func.count(Notification.id))) == 0
    assert db.session.scalar(select(func.count(Publication.id))) == 0


def _closed_vote_with_results_ahead():
    """A process whose vote closed two days ago and was tallied, with its results phase
    starting in an hour: the tally's publication finds the results hidden."""
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process, amount=1000, costs=(600, 300))
    p1, p2 = f.project_ids(budget)
    for chosen in ([p1], [p1, p2], [p2]):
        cast_ballot(budget, f.user(), chosen)
    shift_phases(process, 12)
    results_phase = process.phases[2]
    results_phase.starts_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    run = results.request_tally(budget)
    db.session.commit()
    run_tally(run.id)
    assert publish_process(process.id, "tally")["status"] == "published"
    (first,) = db.session.scalars(select(Publication)).all()
    assert read_csv(folder_of(first), "resultados.csv") == []  # not public yet
    return process, results_phase


def test_opening_the_results_phase_publishes_the_open_data(ctx):
    process, results_phase = _closed_vote_with_results_ahead()
    run_scheduler()  # records the past phases; the results phase is still ahead
    assert db.session.scalar(select(func.count(Publication.id))) == 1
    results_phase.starts_at = utcnow() - timedelta(minutes=1)  # its hour has come
    db.session.commit()
    assert results_phase.id in run_scheduler()["opened"]
    latest = opendata.latest_publication(process.id)
    assert (latest.version, latest.trigger) == (2, "results")
    assert len(read_csv(folder_of(latest), "resultados.csv")) == 2


def test_opening_the_results_phase_by_hand_publishes_too(ctx):
    process, results_phase = _closed_vote_with_results_ahead()
    processes.open_phase_now(results_phase, f.admin())
    db.session.commit()  # the view's commit: the publication follows it
    latest = opendata.latest_publication(process.id)
    assert (latest.version, latest.trigger) == (2, "results")
    assert len(read_csv(folder_of(latest), "resultados.csv")) == 2


def test_a_phase_that_hides_counts_keeps_them_hidden_in_the_publication(ctx):
    process, results_phase = _closed_vote_with_results_ahead()
    results_phase.shows_vote_counts = False
    results_phase.starts_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    run_scheduler()
    latest = opendata.latest_publication(process.id)
    assert latest.trigger == "results"
    rows = read_csv(folder_of(latest), "resultados.csv")
    assert rows and all(r["votes"] == "" for r in rows)
    assert read_csv(folder_of(latest), "boletas.csv") == []


def test_a_proposal_by_the_administration_counts_too(ctx):
    """A proposal an administrator wrote into the process counts too."""
    process = f.process()
    proposal(process, f.admin(), "De la administración")
    assert publication.public_dependencies(process) == ["Tiene 1 propuesta."]


def test_when_voting_closes_as_results_open_one_version_follows_the_tally(ctx):
    """The same pass closes the vote, opens the results phase and queues the tally: the
    publication waits for the tally (one version, with the results), not an empty one."""
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process, amount=1000, costs=(600, 300))
    p1, p2 = f.project_ids(budget)
    for chosen in ([p1], [p1, p2]):
        cast_ballot(budget, f.user(), chosen)
    now = utcnow()
    process.phases[1].ends_at = now - timedelta(seconds=1)
    process.phases[2].starts_at = now - timedelta(seconds=1)
    db.session.commit()
    done = run_scheduler()  # eager: the tally runs after the commit, then publishes
    assert process.phases[2].id in done["opened"] and len(done["tallies"]) == 1
    (version,) = db.session.scalars(select(Publication)).all()
    assert version.trigger == "tally"
    assert len(read_csv(folder_of(version), "resultados.csv")) == 2
