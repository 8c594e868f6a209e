"""Every text search takes what was typed literally: ``%`` and ``_`` are characters, not
LIKE wildcards, whatever the case (proposals, follow-up works, people)."""

from participa.accountability.items import add_item
from participa.extensions import db
from participa.proposals import services as proposals
from participa.proposals.models import Proposal
from participa.review import roles
from tests import factories as f


def _proposal(process, title: str) -> Proposal:
    return proposals.create_proposal(
        process,
        f.user(),
        title=title,
        body="Una propuesta para la colonia, con su descripción completa.",
        category="espacio-publico",
        district_id=None,
        cost_estimate=None,
    )


def test_proposal_search_takes_percent_and_underscore_literally(ctx):
    process = f.process(now_allows=("allows_propose",))
    discount = _proposal(process, "Descuento del 100% en Transporte")
    _proposal(process, "Descuento del 1000 en transporte")
    snake = _proposal(process, "Calle a_b")
    _proposal(process, "Calle axb")

    def found(q: str) -> list[int]:
        query = proposals.proposals_query(process, proposals.ProposalFilters(q=q))
        return [p.id for p in db.session.scalars(query)]

    assert found("100%") == [discount.id]
    assert found("100% EN transporte") == [discount.id]  # any case
    assert found("a_b") == [snake.id]
    assert found("%") == [discount.id]


def test_follow_up_search_takes_percent_and_underscore_literally(client):
    process = f.process()
    admin = f.admin()
    add_item(process, admin, "Bacheo al 50% de la avenida")
    add_item(process, admin, "Bacheo al 500 de la avenida")
    add_item(process, admin, "Obra c_d")
    add_item(process, admin, "Obra cxd")
    db.session.commit()
    base = f"/procesos/{process.slug}/seguimiento"
    page = client.get(base, query_string={"q": "50%"}).text
    assert "Bacheo al 50% de la avenida" in page
    assert "Bacheo al 500" not in page
    page = client.get(base, query_string={"q": "C_D"}).text
    assert "Obra c_d" in page
    assert "Obra cxd" not in page


def test_people_search_takes_percent_and_underscore_literally(ctx):
    percent = f.user(email="ana%ruiz@example.org")
    f.user(email="anaxruiz@example.org")
    underscore = f.user(email="beto_diaz@example.org")
    f.user(email="betoxdiaz@example.org")

    def found(q: str) -> list[int]:
        return [u.id for u in db.session.scalars(roles.users_query(q))]

    assert found("ANA%RUIZ") == [percent.id]
    assert found("beto_") == [underscore.id]
