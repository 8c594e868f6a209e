"""Proposals and supports on the real database."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from participa.errors import Invalid, NotAllowed
from participa.extensions import db
from participa.proposals import services
from participa.proposals.models import ProposalState, Support
from tests import factories as f


def make(process, author, title="Parque para la colonia", **kw):
    values = {
        "body": "Un parque con juegos y árboles para las familias de la colonia.",
        "category": "espacio-publico",
        "district_id": None,
        "cost_estimate": None,
    } | kw
    return services.create_proposal(process, author, title=title, **values)


def test_proposing_needs_a_phase_that_allows_it(ctx):
    with pytest.raises(NotAllowed):
        make(f.process(now_allows=("allows_vote",)), f.user())
    proposal = make(f.process(now_allows=("allows_propose",)), f.user())
    assert proposal.state == ProposalState.SUBMITTED


def test_unknown_category_is_refused(ctx):
    with pytest.raises(Invalid):
        make(f.process(now_allows=("allows_propose",)), f.user(), category="nope")


def test_one_support_per_resident_and_counter_follows(ctx):
    process = f.process(now_allows=("allows_propose", "allows_support"))
    proposal = make(process, f.user())
    fan = f.user()
    assert services.support(proposal, fan) is True
    assert services.support(proposal, fan) is False
    db.session.commit()
    assert proposal.supports_count == 1
    assert services.unsupport(proposal, fan) is True
    assert proposal.supports_count == 0


def test_database_refuses_duplicate_supports(ctx):
    proposal = make(f.process(now_allows=("allows_propose",)), f.user())
    fan = f.user()
    db.session.add(Support(proposal_id=proposal.id, user_id=fan.id))
    db.session.commit()
    db.session.add(Support(proposal_id=proposal.id, user_id=fan.id))
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_supports_closed_outside_their_phase(ctx):
    proposal = make(f.process(now_allows=("allows_propose",)), f.user())
    with pytest.raises(NotAllowed):
        services.support(proposal, f.user())
    assert db.session.scalar(select(func.count(Support.id))) == 0


def test_only_the_author_withdraws_and_only_before_an_answer(ctx):
    author = f.user()
    proposal = make(f.process(now_allows=("allows_propose",)), author)
    with pytest.raises(NotAllowed):
        services.withdraw(proposal, f.user())
    services.withdraw(proposal, author)
    assert proposal.state == ProposalState.WITHDRAWN
    with pytest.raises(NotAllowed):
        services.withdraw(proposal, author)


def test_search_filters_and_sort(ctx):
    process = f.process(now_allows=("allows_propose", "allows_support"))
    a = make(process, f.user(), title="Ciclovía en la avenida")
    b = make(process, f.user(), title="Parque con árboles", category="medio-ambiente")
    services.support(b, f.user())
    found = lambda **kw: db.session.scalars(  # noqa: E731
        services.proposals_query(process, services.ProposalFilters(**kw))
    ).all()
    assert found(q="CICLOVÍA") == [a]  # the search folds the case itself, accents included
    assert found(q="ciclovía EN LA Avenida") == [a]
    assert found(category="medio-ambiente") == [b]
    assert found(sort="apoyos")[0] == b
    services.withdraw(a, a.author)
    assert found() == [b]
    assert found(state="withdrawn") == [a]


def test_answer_requires_cost_to_accept_and_reason_to_reject(ctx):
    proposal = make(f.process(now_allows=("allows_propose",)), f.user())
    with pytest.raises(Invalid):
        services.answer(proposal, state="accepted", cost=None, reason="")
    with pytest.raises(Invalid):
        services.answer(proposal, state="rejected", cost=None, reason=" ")
    services.answer(proposal, state="accepted", cost=50_000, reason="")
    assert (proposal.state, proposal.cost_estimate) == ("accepted", 50_000)
