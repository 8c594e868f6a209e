"""The read-only JSON API (/api/v1) and its OpenAPI document."""

import re
from datetime import timedelta

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec

from participa.db import utcnow
from participa.extensions import db
from participa.opendata.models import Publication
from participa.processes.models import District
from tests import factories as f
from tests.support.api import finished_process, proposal, publish_run

API = "/api/v1"


@pytest.fixture
def spec(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def check(spec: dict, template: str, response, status: int = 200) -> dict:
    """Assert ``response`` has ``status`` and a JSON body valid against the document."""
    assert response.status_code == status, response.text
    assert response.mimetype == "application/json"
    documented = spec["paths"][template]["get"]["responses"][str(status)]
    if "$ref" in documented:
        documented = spec["components"]["responses"][documented["$ref"].rsplit("/", 1)[1]]
    schema = documented["content"]["application/json"]["schema"]
    validator = OAS30Validator(
        {**schema, "components": spec["components"]},
        format_checker=OAS30Validator.FORMAT_CHECKER,
    )
    validator.validate(response.get_json())
    return response.get_json()


# --- the document ---------------------------------------------------------------------


def test_openapi_document_is_valid_and_lists_every_api_route(app, spec):
    validate_spec(spec)
    assert spec["openapi"].startswith("3.")
    documented = set(spec["paths"])
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.unknown"
    }
    assert routes == documented
    assert {
        f"{API}/processes",
        f"{API}/processes/{{slug}}",
        f"{API}/processes/{{slug}}/proposals",
        f"{API}/proposals/{{proposal_id}}",
        f"{API}/processes/{{slug}}/budgets",
        f"{API}/budgets/{{budget_id}}",
        f"{API}/budgets/{{budget_id}}/projects",
        f"{API}/budgets/{{budget_id}}/results",
        f"{API}/datasets",
    } <= documented
    for path, item in spec["paths"].items():
        assert set(item) - {"parameters"} == {"get"}, path  # read-only
        responses = item["get"]["responses"]
        assert "content" in responses["200"], path
        if "{" in path:
            assert "404" in responses, path
        names = {p["name"] for p in item["get"].get("parameters", [])}
        if item["get"]["responses"]["200"]["content"]["application/json"]["schema"][
            "$ref"
        ].endswith("Page"):
            assert {"page", "per_page"} <= names and "422" in responses, path
    page = next(
        p for p in spec["paths"][f"{API}/processes"]["get"]["parameters"] if p["name"] == "page"
    )
    assert page["schema"]["type"] == "integer"
    per_page = next(
        p for p in spec["paths"][f"{API}/processes"]["get"]["parameters"] if p["name"] == "per_page"
    )
    assert per_page["schema"]["maximum"] == 100


def test_non_api_pages_keep_their_html_errors(client):
    response = client.get("/no-existe")
    assert response.status_code == 404 and response.mimetype == "text/html"
    unknown = client.get(f"{API}/no-existe")
    assert unknown.status_code == 404 and unknown.get_json()["code"] == 404


# --- processes ------------------------------------------------------------------------


def test_processes_list_detail_and_phases(client, spec):
    process = f.process(now_allows=("allows_propose", "allows_support"))
    f.process()
    db.session.commit()

    body = check(spec, f"{API}/processes", client.get(f"{API}/processes"))
    assert body["total"] == 2 and body["page"] == 1 and len(body["items"]) == 2
    item = next(i for i in body["items"] if i["slug"] == process.slug)
    assert item["current_phase"]["title"] == "Ahora"
    assert set(item["allowed_actions"]) >= {"propose", "support"}

    detail = check(spec, f"{API}/processes/{{slug}}", client.get(f"{API}/processes/{process.slug}"))
    assert [p["title"] for p in detail["phases"]] == ["Antes", "Ahora", "Después"]
    assert [p["status"] for p in detail["phases"]] == ["past", "current", "future"]
    assert "show_results" in detail["phases"][2]["allowed_actions"]
    assert detail["current_phase"]["title"] == "Ahora"
    assert detail["results_visible"] is False
    assert detail["created_at"].endswith("+00:00")

    phases = check(
        spec,
        f"{API}/processes/{{slug}}/phases",
        client.get(f"{API}/processes/{process.slug}/phases"),
    )
    assert len(phases["items"]) == 3

    missing = check(
        spec, f"{API}/processes/{{slug}}", client.get(f"{API}/processes/nope"), status=404
    )
    assert missing["message"]


def test_pagination(client, spec):
    for _ in range(5):
        f.process()
    db.session.commit()
    body = check(spec, f"{API}/processes", client.get(f"{API}/processes?per_page=2&page=3"))
    assert (body["total"], body["pages"], body["page"], body["per_page"]) == (5, 3, 3, 2)
    assert len(body["items"]) == 1
    beyond = client.get(f"{API}/processes?per_page=2&page=9").get_json()
    assert beyond["items"] == [] and beyond["total"] == 5
    for bad in ("per_page=101", "per_page=0", "page=0", "page=x"):
        response = client.get(f"{API}/processes?{bad}")
        check(spec, f"{API}/processes", response, status=422)


def test_lists_do_not_query_per_item(client, count_queries):
    author = f.user()
    process = f.process()
    for i in range(3):
        proposal(process, author, title=f"P{i}")
    db.session.commit()
    url = f"{API}/processes/{process.slug}/proposals"
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for i in range(6):
        proposal(process, author, title=f"Q{i}")
    for _ in range(6):
        f.process()
    db.session.commit()
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
    with count_queries() as lists:
        assert client.get(f"{API}/processes").status_code == 200
    assert len(lists) <= 4


# --- proposals ------------------------------------------------------------------------


def test_proposals_filters_and_hidden(client, spec):
    author = f.user()
    process = f.process()
    other = f.process()
    district = District(name="Centro")
    db.session.add(district)
    db.session.flush()
    park = proposal(process, author, title="Parque central", district_id=district.id)
    bike = proposal(process, author, title="Ciclovía", category="movilidad", state="accepted")
    hidden = proposal(process, author, title="Oculta", hidden_at=utcnow())
    gone = proposal(process, author, title="Retirada", state="withdrawn")
    proposal(other, author, title="De otro proceso")
    db.session.commit()
    url = f"{API}/processes/{process.slug}/proposals"
    template = f"{API}/processes/{{slug}}/proposals"

    def ids(query=""):
        body = check(spec, template, client.get(f"{url}?{query}"))
        return {item["id"] for item in body["items"]}

    assert ids() == {park.id, bike.id}
    assert ids("q=CENTRAL") == {park.id}
    assert ids("category=movilidad") == {bike.id}
    assert ids(f"district_id={district.id}") == {park.id}
    assert ids("state=accepted") == {bike.id}
    assert ids("state=withdrawn") == {gone.id}
    check(spec, template, client.get(f"{url}?state=unknown"), status=422)
    assert ids("category=unknown") == set()  # well-formed, but no category has that key
    check(spec, template, client.get(f"{url}?category=No%20valida"), status=422)
    check(spec, template, client.get(f"{url}?q=%00"), status=422)
    check(spec, template, client.get(f"{API}/processes/nope/proposals"), status=404)

    one = check(spec, f"{API}/proposals/{{proposal_id}}", client.get(f"{API}/proposals/{park.id}"))
    assert one["supports_count"] == 3 and one["district"]["name"] == "Centro"
    assert one["process"]["slug"] == process.slug
    for missing in (hidden.id, 999999, 0):
        check(
            spec,
            f"{API}/proposals/{{proposal_id}}",
            client.get(f"{API}/proposals/{missing}"),
            status=404,
        )
    assert client.get(f"{API}/proposals/-1").status_code == 404

    text = client.get(url).text + client.get(f"{API}/proposals/{park.id}").text
    assert author.email not in text and author.name not in text
    assert "author" not in text


def test_supports_count_is_null_while_the_phase_hides_vote_counts(client, spec):
    author = f.user()
    process = f.process(now_allows=("allows_support",))
    process.phases[1].shows_vote_counts = False
    item = proposal(process, author, supports_count=12)
    db.session.commit()
    listed = check(
        spec,
        f"{API}/processes/{{slug}}/proposals",
        client.get(f"{API}/processes/{process.slug}/proposals"),
    )
    assert listed["items"][0]["supports_count"] is None
    one = check(spec, f"{API}/proposals/{{proposal_id}}", client.get(f"{API}/proposals/{item.id}"))
    assert one["supports_count"] is None
    detail = client.get(f"{API}/processes/{process.slug}").get_json()
    assert detail["vote_counts_visible"] is False


# --- budgets, projects and results ----------------------------------------------------


def test_budgets_and_projects(client, spec):
    process = f.process()
    budget = f.budget(process, amount=1000, costs=(400, 300, 200), min_spend_percent=50)
    f.budget(process)
    db.session.commit()

    listed = check(
        spec,
        f"{API}/processes/{{slug}}/budgets",
        client.get(f"{API}/processes/{process.slug}/budgets"),
    )
    assert listed["total"] == 2 and listed["items"][0]["id"] == budget.id

    one = check(spec, f"{API}/budgets/{{budget_id}}", client.get(f"{API}/budgets/{budget.id}"))
    assert (one["amount"], one["currency"], one["ballot_type"], one["rule"]) == (
        1000,
        "MXN",
        "knapsack",
        "greedy",
    )
    assert one["min_spend"] == 500 and one["rule_label"]

    projects = check(
        spec,
        f"{API}/budgets/{{budget_id}}/projects",
        client.get(f"{API}/budgets/{budget.id}/projects?per_page=2"),
    )
    assert projects["total"] == 3 and [p["cost"] for p in projects["items"]] == [400, 300]

    for url, template in (
        (f"{API}/budgets/999999", f"{API}/budgets/{{budget_id}}"),
        (f"{API}/budgets/999999/projects", f"{API}/budgets/{{budget_id}}/projects"),
        (f"{API}/budgets/999999/results", f"{API}/budgets/{{budget_id}}/results"),
        (f"{API}/processes/nope/budgets", f"{API}/processes/{{slug}}/budgets"),
    ):
        check(spec, template, client.get(url), status=404)
    assert client.get(f"{API}/budgets/99999999999999999999").status_code == 404


def test_project_of_a_hidden_proposal_does_not_link_to_it(client):
    process = f.process()
    budget = f.budget(process, costs=(100,))
    source = proposal(process, f.user(), hidden_at=utcnow())
    f.projects(budget)[0].proposal_id = source.id
    db.session.commit()
    item = client.get(f"{API}/budgets/{budget.id}/projects").get_json()["items"][0]
    assert item["proposal_id"] is None


def test_results_are_404_until_visible_then_published(client, spec):
    open_process = f.process(now_allows=("allows_vote",))
    open_budget = f.budget(open_process)
    publish_run(open_budget)  # even a finished tally stays private while voting is open
    db.session.commit()
    template = f"{API}/budgets/{{budget_id}}/results"
    hidden = check(spec, template, client.get(f"{API}/budgets/{open_budget.id}/results"), 404)
    assert "not public" in hidden["message"]

    process = finished_process()
    budget = f.budget(process, amount=1000, costs=(400, 300, 300))
    db.session.commit()
    pending = check(spec, template, client.get(f"{API}/budgets/{budget.id}/results"), 404)
    assert "no published tally" in pending["message"]

    publish_run(budget, created_at=utcnow() - timedelta(days=5))  # before the close: not official
    db.session.commit()
    check(spec, template, client.get(f"{API}/budgets/{budget.id}/results"), 404)

    run = publish_run(budget)
    db.session.commit()
    body = check(spec, template, client.get(f"{API}/budgets/{budget.id}/results"))
    assert (body["rule"], body["ballots_counted"], body["total_cost"]) == ("greedy", 7, 700)
    assert [p["rank"] for p in body["projects"]] == [1, 2, 3]
    assert [p["selected"] for p in body["projects"]] == [True, True, False]
    assert body["projects"][0]["reason"] == "selected"
    assert {"price", "effective_votes", "votes", "title", "cost"} <= set(body["projects"][0])
    assert body["projects"][0]["project_id"] == f.project_ids(budget)[0]
    assert run.id not in [p.get("id") for p in body["projects"]]
    detail = client.get(f"{API}/processes/{process.slug}").get_json()
    assert detail["results_visible"] is True


# --- open data ------------------------------------------------------------------------


def test_datasets_list_files_with_download_urls(client, spec):
    process = finished_process()
    other = f.process()
    files = [
        {"name": "resultados.csv", "bytes": 120, "sha256": "a" * 64, "rows": 3},
        {"name": "boletas.csv", "bytes": 80, "sha256": "b" * 64},
    ]
    for version in (1, 2):
        db.session.add(
            Publication(
                process_id=process.id,
                version=version,
                trigger="manual",
                files=files,
                fingerprint=str(version) * 64,
                published_at=utcnow() - timedelta(days=3 - version),
            )
        )
    db.session.add(
        Publication(process_id=other.id, version=1, trigger="daily", files=[], fingerprint="c" * 64)
    )
    db.session.commit()
    template = f"{API}/datasets"
    body = check(spec, template, client.get(f"{API}/datasets"))
    assert body["total"] == 3
    mine = check(spec, template, client.get(f"{API}/datasets?process={process.slug}"))
    assert [d["version"] for d in mine["items"]] == [2, 1]
    first = mine["items"][0]
    assert first["process"] == {"slug": process.slug, "title": process.title}
    assert first["files"][0] == {
        "name": "resultados.csv",
        "bytes": 120,
        "sha256": "a" * 64,
        "rows": 3,
        "url": f"http://localhost/datos/{process.slug}/v2/resultados.csv",
    }
    assert first["files"][1]["rows"] is None
    assert check(spec, template, client.get(f"{API}/datasets?process=nope"))["total"] == 0
