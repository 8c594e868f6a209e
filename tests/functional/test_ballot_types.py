"""Every ballot type through the web pages: fill in, review, confirm, change; and every kind
of malformed or rule-breaking input refused with a clear 4xx, storing nothing."""

import html
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from participa.budgets.models import Ballot, BallotItem, BallotType, Budget
from participa.extensions import db
from tests import factories as f
from tests.support.auth import Auth
from tests.support.ballots import selected_ids, stored, voting_budget


def base_url(budget: Budget) -> str:
    return f"/procesos/{budget.process.slug}/presupuestos/{budget.id}"


def voter_client(client):
    voter = f.user()
    db.session.commit()
    Auth(client).login(voter)
    return voter


def ballot_count() -> int:
    return db.session.scalar(select(func.count(Ballot.id)))


def hidden_fields(page: str) -> list[tuple[str, str]]:
    """The selection carried by the review page to the confirm form (CSRF token aside)."""
    form = page.split('data-testid="confirm-form"', 1)[1].split("</form>", 1)[0]
    pairs = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    return [(name, value) for name, value in pairs if name != "csrf_token"]


def change_link(page: str) -> str:
    match = re.search(r'<a href="([^"]+)" data-testid="change-selection"', page)
    assert match, "no «Cambiar selección» link"
    return html.unescape(match.group(1))


def review_confirm(client, budget: Budget, data) -> tuple[str, list[tuple[str, str]]]:
    """Review ``data``, then confirm exactly what the review page carries; return the review
    page and its hidden fields."""
    base = base_url(budget)
    before = stored(budget)
    review = client.post(f"{base}/boleta/revisar", data=data)
    assert review.status_code == 200, review.text
    assert "Confirmar mi voto" in review.text
    assert stored(budget) == before  # reviewing stores nothing
    fields = hidden_fields(review.text)
    confirm = client.post(f"{base}/boleta/confirmar", data=MultiDict(fields))
    assert confirm.status_code == 303, confirm.text
    return review.text, fields


# ───────────── each type, the happy path ─────────────


def test_approval_review_confirm_change(client):
    budget = voting_budget(BallotType.APPROVAL, max_projects=3)
    p1, p2, p3, p4 = f.project_ids(budget)
    voter_client(client)
    page = client.get(f"{base_url(budget)}/boleta")
    assert page.status_code == 200
    assert page.text.count('type="checkbox"') == 4
    assert "Elige como máximo 3 proyectos." in page.text

    review = client.post(f"{base_url(budget)}/boleta/revisar", data={"project": [p3, p1]})
    assert ballot_count() == 0
    assert hidden_fields(review.text) == [("project", str(p3)), ("project", str(p1))]
    back = client.get(change_link(review.text))
    assert back.status_code == 200
    assert re.search(rf'value="{p1}"[^>]*checked', back.text)
    assert re.search(rf'value="{p3}"[^>]*checked', back.text)
    assert not re.search(rf'value="{p2}"[^>]*checked', back.text)

    review_confirm(client, budget, {"project": [p3, p1]})
    assert stored(budget) == {p1: (None, None), p3: (None, None)}
    review_confirm(client, budget, {"project": [p4]})
    assert stored(budget) == {p4: (None, None)}
    show = client.get(f"{base_url(budget)}/")
    assert "Está en tu voto" in show.text and "Cambiar mi voto" in show.text


def test_knapsack_review_confirm(client):
    budget = voting_budget(BallotType.KNAPSACK)
    p1, p2, _p3, _p4 = f.project_ids(budget)
    voter_client(client)
    review, _fields = review_confirm(client, budget, {"project": [p1, p2]})
    assert "Sin asignar de" in review
    assert stored(budget) == {p1: (None, None), p2: (None, None)}


def test_choose_one_uses_radio_buttons_and_stores_one_project(client):
    budget = voting_budget(BallotType.CHOOSE_1)
    p1, p2, _p3, _p4 = f.project_ids(budget)
    voter_client(client)
    page = client.get(f"{base_url(budget)}/boleta")
    assert page.text.count('type="radio"') == 4 and 'type="checkbox"' not in page.text
    assert "Elige un solo proyecto" in page.text

    review, fields = review_confirm(client, budget, {"project": [p2]})
    assert fields == [("project", str(p2))]
    assert stored(budget) == {p2: (None, None)}
    back = client.get(change_link(review))
    assert re.search(rf'value="{p2}"[^>]*checked', back.text)

    two = client.post(f"{base_url(budget)}/boleta/confirmar", data={"project": [p1, p2]})
    assert two.status_code == 422 and "Elige exactamente un proyecto" in two.text
    assert stored(budget) == {p2: (None, None)}


def test_cumulative_review_confirm_change(client):
    budget = voting_budget(BallotType.CUMULATIVE, min_points=1, max_points=5, max_total_points=8)
    p1, p2, p3, p4 = f.project_ids(budget)
    voter_client(client)
    page = client.get(f"{base_url(budget)}/boleta")
    assert page.status_code == 200
    for pid in (p1, p2, p3, p4):
        assert f'name="points-{pid}"' in page.text
    assert "Tienes 8 puntos en total" in page.text
    assert "Cada proyecto puede recibir como máximo 5 puntos." in page.text
    assert "Llevas 0 de 8 puntos" in page.text

    data = {f"points-{p1}": "5", f"points-{p2}": "0", f"points-{p3}": "", f"points-{p4}": "2"}
    review = client.post(f"{base_url(budget)}/boleta/revisar", data=data)
    assert review.status_code == 200 and ballot_count() == 0
    assert "7 de 8" in review.text  # points used, in the table's footer
    fields = hidden_fields(review.text)
    assert sorted(fields) == sorted([(f"points-{p1}", "5"), (f"points-{p4}", "2")])

    # "Cambiar selección" keeps the unconfirmed points
    link = change_link(review.text)
    assert sorted(parse_qsl(urlsplit(link).query)) == sorted(fields)
    back = client.get(link)
    assert back.status_code == 200
    assert re.search(rf'name="points-{p1}"[^>]*value="5"', back.text)
    assert re.search(rf'name="points-{p4}"[^>]*value="2"', back.text)
    assert re.search(rf'name="points-{p2}"[^>]*value=""', back.text)
    assert "Llevas 7 de 8 puntos" in back.text

    confirm = client.post(f"{base_url(budget)}/boleta/confirmar", data=MultiDict(fields))
    assert confirm.status_code == 303
    assert stored(budget) == {p1: (5, None), p4: (2, None)}
    show = client.get(f"{base_url(budget)}/")
    assert "Le diste 5 puntos en tu voto" in show.text
    assert "Le diste 2 puntos en tu voto" in show.text

    # the ballot page shows the confirmed points; a new confirmation replaces them
    again = client.get(f"{base_url(budget)}/boleta")
    assert re.search(rf'name="points-{p1}"[^>]*value="5"', again.text)
    review_confirm(client, budget, {f"points-{p2}": "1", f"points-{p3}": "3"})
    assert stored(budget) == {p2: (1, None), p3: (3, None)}


def test_ordinal_review_confirm_change(client):
    budget = voting_budget(BallotType.ORDINAL, min_projects=2, max_projects=3)
    p1, p2, p3, p4 = f.project_ids(budget)
    voter_client(client)
    page = client.get(f"{base_url(budget)}/boleta")
    assert page.status_code == 200
    for pid in (p1, p2, p3, p4):
        assert f'name="rank-{pid}"' in page.text
    # places offered: "—" and 1..3 (the most projects one may rank)
    first_select = page.text.split(f'name="rank-{p1}"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="(\d*)"', first_select) == ["", "1", "2", "3"]
    assert "Elige entre 2 y 3 proyectos." in page.text

    data = {f"rank-{p1}": "3", f"rank-{p2}": "", f"rank-{p3}": "1", f"rank-{p4}": "2"}
    review = client.post(f"{base_url(budget)}/boleta/revisar", data=data)
    assert review.status_code == 200 and ballot_count() == 0
    rows = re.findall(r'data-project-id="(\d+)"', review.text)
    assert rows == [str(p3), str(p4), str(p1)]  # best first
    fields = hidden_fields(review.text)
    assert fields == [(f"rank-{p3}", "1"), (f"rank-{p4}", "2"), (f"rank-{p1}", "3")]

    back = client.get(change_link(review.text))
    assert back.status_code == 200
    for pid, rank in ((p3, 1), (p4, 2), (p1, 3)):
        select_html = back.text.split(f'name="rank-{pid}"', 1)[1].split("</select>", 1)[0]
        assert f'<option value="{rank}" selected>' in select_html

    confirm = client.post(f"{base_url(budget)}/boleta/confirmar", data=MultiDict(fields))
    assert confirm.status_code == 303
    assert stored(budget) == {p3: (None, 1), p4: (None, 2), p1: (None, 3)}
    ballot = db.session.scalar(select(Ballot))
    assert selected_ids(ballot) == [p3, p4, p1]
    show = client.get(f"{base_url(budget)}/")
    assert "Lugar 1 en tu voto" in show.text and "Tu orden de preferencia" in show.text

    review_confirm(client, budget, {f"rank-{p2}": "1", f"rank-{p1}": "2"})
    assert stored(budget) == {p2: (None, 1), p1: (None, 2)}


# ───────────── malformed input and broken rules: 4xx, nothing stored ─────────────

BAD_IDS = ["²", "-1", "+1", "1.0", " 1", "1 ", "0x1", "٣", "99999999999999999999", "1; drop", ""]


@pytest.mark.parametrize("value", BAD_IDS)
@pytest.mark.parametrize("step", ["revisar", "confirmar"])
def test_malformed_project_ids_are_refused(client, value, step):
    budget = voting_budget(BallotType.APPROVAL)
    voter_client(client)
    response = client.post(f"{base_url(budget)}/boleta/{step}", data={"project": [value]})
    assert response.status_code == 422
    assert "proyecto no válido" in response.text
    assert ballot_count() == 0


@pytest.mark.parametrize("value", ["²", "99999999999999999999", "-3", "abc"])
def test_malformed_pending_selection_on_the_ballot_page_is_a_clear_4xx(client, value):
    budget = voting_budget(BallotType.KNAPSACK)
    voter_client(client)
    response = client.get(f"{base_url(budget)}/boleta", query_string={"project": value})
    assert response.status_code == 422
    assert "proyecto no válido" in response.text
    assert "Revisar mi voto" in response.text  # the ballot is still there to fill in


@pytest.mark.parametrize(
    "query",
    [
        {"points-1": "²"},
        {"points-²": "1"},
        {"points-1": "-1"},
        {"points-1": "99999999999999999999"},
    ],
)
def test_malformed_pending_points_on_the_ballot_page(client, query):
    budget = voting_budget(BallotType.CUMULATIVE, max_total_points=10)
    voter_client(client)
    response = client.get(f"{base_url(budget)}/boleta", query_string=query)
    assert response.status_code == 422
    assert 'data-testid="ballot-error"' in response.text


def test_malformed_pending_rank_on_the_ballot_page(client):
    budget = voting_budget(BallotType.ORDINAL)
    p1 = f.project_ids(budget)[0]
    voter_client(client)
    response = client.get(f"{base_url(budget)}/boleta", query_string={f"rank-{p1}": "²"})
    assert response.status_code == 422 and "El lugar de cada proyecto" in response.text


def test_projects_unknown_duplicated_or_of_another_budget(client):
    budget = voting_budget(BallotType.APPROVAL)
    other = voting_budget(BallotType.APPROVAL)
    p1 = f.project_ids(budget)[0]
    foreign = f.project_ids(other)[0]
    voter_client(client)
    url = f"{base_url(budget)}/boleta/confirmar"
    cases = [
        ({"project": [p1, foreign]}, "no están en este presupuesto"),
        ({"project": [999999]}, "no están en este presupuesto"),
        ({"project": [p1, p1]}, "más de una vez"),
        ({"project": [str(p1), f"0{p1}"]}, "más de una vez"),
        ({}, "Elige al menos un proyecto"),
    ]
    for data, message in cases:
        response = client.post(url, data=data)
        assert response.status_code == 422, data
        assert message in response.text, data
    assert ballot_count() == 0


def cumulative_cases(ids: list[int], foreign: int) -> list[tuple[dict, str]]:
    p1, p2, _p3, _p4 = ids
    number = "número entero de 0 a 5"
    return [
        ({f"points-{p1}": "²"}, number),
        ({f"points-{p1}": "-1"}, number),
        ({f"points-{p1}": "1.5"}, number),
        ({f"points-{p1}": "+2"}, number),
        ({f"points-{p1}": " 2"}, number),
        ({f"points-{p1}": "99999999999999999999"}, number),
        ({f"points-{p1}": "1e3"}, number),
        ({"points-²": "2"}, "proyecto no válido"),
        ({"points-99999999999999999999": "2"}, "proyecto no válido"),
        ({"points-": "2"}, "proyecto no válido"),
        ({"points-999999": "2"}, "no están en este presupuesto"),
        ({f"points-{foreign}": "2"}, "no están en este presupuesto"),
        ({f"points-{p1}": ["2", "3"]}, "más de una vez"),
        ({f"points-{p1}": "2", f"points-0{p1}": "3"}, "más de una vez"),
        ({f"points-{p1}": "0", f"points-0{p1}": "3"}, "más de una vez"),
        ({f"points-{p1}": "6"}, "como máximo 5 puntos"),
        ({f"points-{p1}": "5", f"points-{p2}": "4"}, "Repartiste 9 puntos; el máximo es 8"),
        ({f"points-{p1}": "1"}, "al menos 2 puntos"),
        ({f"points-{p1}": "0", f"points-{p2}": ""}, "Elige al menos un proyecto"),
        ({"project": [p1]}, "Elige al menos un proyecto"),  # not this ballot's encoding
    ]


@pytest.mark.parametrize("step", ["revisar", "confirmar"])
def test_cumulative_bad_input_is_refused(client, step):
    budget = voting_budget(BallotType.CUMULATIVE, min_points=2, max_points=5, max_total_points=8)
    other = voting_budget(BallotType.CUMULATIVE, max_points=5)
    voter_client(client)
    for data, message in cumulative_cases(f.project_ids(budget), f.project_ids(other)[0]):
        response = client.post(f"{base_url(budget)}/boleta/{step}", data=data)
        assert response.status_code == 422, (data, response.status_code)
        assert message in html.unescape(response.text), data
        assert "Tu voto no se guardó" in response.text
    assert ballot_count() == 0
    assert db.session.scalar(select(func.count()).select_from(BallotItem)) == 0


def ordinal_cases(ids: list[int], foreign: int) -> list[tuple[dict, str]]:
    p1, p2, p3, p4 = ids
    place = "número del 1 al 3"
    return [
        ({f"rank-{p1}": "²"}, place),
        ({f"rank-{p1}": "-1"}, place),
        ({f"rank-{p1}": "0"}, place),
        ({f"rank-{p1}": "4"}, place),
        ({f"rank-{p1}": "99999999999999999999"}, place),
        ({f"rank-{p1}": "—"}, place),
        ({f"rank-{p1}": "1", f"rank-{p2}": "1"}, "Varios proyectos tienen el lugar 1"),
        ({f"rank-{p1}": "1", f"rank-{p2}": "3"}, "Falta el lugar 2"),
        ({f"rank-{p1}": "2", f"rank-{p2}": "3"}, "Falta el lugar 1"),
        ({"rank-²": "1", f"rank-{p2}": "2"}, "proyecto no válido"),
        ({f"rank-{p1}": "1", "rank-999999": "2"}, "no están en este presupuesto"),
        ({f"rank-{p1}": "1", f"rank-{foreign}": "2"}, "no están en este presupuesto"),
        ({f"rank-{p1}": ["1", "2"]}, "más de una vez"),
        ({f"rank-{p1}": "1"}, "Elige al menos 2 proyectos"),
        ({}, "Elige al menos un proyecto"),
        ({"project": [p1, p2]}, "Elige al menos un proyecto"),  # not this ballot's encoding
        (
            {f"rank-{p1}": "1", f"rank-{p2}": "2", f"rank-{p3}": "3", f"rank-{p4}": "3"},
            "Varios proyectos tienen el lugar 3",
        ),
    ]


@pytest.mark.parametrize("step", ["revisar", "confirmar"])
def test_ordinal_bad_input_is_refused(client, step):
    budget = voting_budget(BallotType.ORDINAL, min_projects=2, max_projects=3)
    other = voting_budget(BallotType.ORDINAL)
    voter_client(client)
    for data, message in ordinal_cases(f.project_ids(budget), f.project_ids(other)[0]):
        response = client.post(f"{base_url(budget)}/boleta/{step}", data=data)
        assert response.status_code == 422, (data, response.status_code)
        assert message in html.unescape(response.text), data
    assert ballot_count() == 0


def test_refused_ballot_keeps_the_well_formed_marks(client):
    budget = voting_budget(BallotType.CUMULATIVE, max_points=5, max_total_points=8)
    p1, p2, _p3, _p4 = f.project_ids(budget)
    voter_client(client)
    response = client.post(
        f"{base_url(budget)}/boleta/revisar", data={f"points-{p1}": "4", f"points-{p2}": "²"}
    )
    assert response.status_code == 422
    assert re.search(rf'name="points-{p1}"[^>]*value="4"', response.text)


def test_a_bad_ballot_does_not_touch_the_confirmed_one(client):
    budget = voting_budget(BallotType.ORDINAL)
    p1, p2, _p3, _p4 = f.project_ids(budget)
    voter_client(client)
    url = f"{base_url(budget)}/boleta/confirmar"
    assert client.post(url, data={f"rank-{p1}": "1", f"rank-{p2}": "2"}).status_code == 303
    assert client.post(url, data={f"rank-{p1}": "2", f"rank-{p2}": "2"}).status_code == 422
    assert client.post(url, data={f"rank-{p1}": "²"}).status_code == 422
    assert stored(budget) == {p1: (None, 1), p2: (None, 2)}


def test_closed_voting_refuses_every_type(client):
    voter_client(client)
    for kind, rules in (
        (BallotType.CHOOSE_1, {}),
        (BallotType.CUMULATIVE, {"max_total_points": 5}),
        (BallotType.ORDINAL, {}),
    ):
        budget = voting_budget(kind, **rules)
        budget.process.phases[1].allows_vote = False
        db.session.commit()
        p1 = f.project_ids(budget)[0]
        data = {"project": [p1], f"points-{p1}": "1", f"rank-{p1}": "1"}
        response = client.post(f"{base_url(budget)}/boleta/confirmar", data=data)
        assert response.status_code == 403
    assert ballot_count() == 0
