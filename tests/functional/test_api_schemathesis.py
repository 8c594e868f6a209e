"""Schemathesis against the read API's own OpenAPI document, in process (WSGI).

Every operation of ``/api/v1/openapi.json`` is called with generated requests, valid and
invalid (positive and negative generation, schemathesis' coverage phase included), on a
database seeded so that the operations have content: a finished process with a budget, its
projects and a published tally, an open process with proposals, and an open-data
publication. Every built-in check runs (``not_a_server_error``,
``status_code_conformance``, ``content_type_conformance``,
``response_schema_conformance``, ``negative_data_rejection``, ...). A second test calls each
operation with the seeded ids, so the 200 responses are checked against the document too,
not only the 404s a random id gives.
"""

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from participa import create_app
from participa.db import utcnow
from participa.extensions import db
from participa.opendata.models import Publication
from tests import factories as f
from tests.support.api import finished_process, proposal, publish_run

API = "/api/v1"


def seed() -> dict[str, object]:
    """A finished process with a published tally, an open one with proposals, a dataset."""
    done = finished_process()
    budget = f.budget(done)
    publish_run(budget)
    open_process = f.process(now_allows=("allows_propose", "allows_support"))
    author = f.user()
    shown = proposal(open_process, author)
    proposal(open_process, author, title="Retirada", state="withdrawn")
    db.session.add(
        Publication(
            process_id=done.id,
            version=1,
            trigger="tally",
            files=[{"name": "resultados.csv", "bytes": 10, "sha256": "a" * 64, "rows": 1}],
            fingerprint="f" * 64,
            published_at=utcnow() - timedelta(hours=1),
        )
    )
    db.session.commit()
    return {
        "slug": done.slug,
        "open_slug": open_process.slug,
        "budget_id": budget.id,
        "proposal_id": shown.id,
    }


@pytest.fixture
def seeded(ctx):
    return seed()


def _document_app():
    """An application only to read the document from: it is built from the code, with no
    database access. The requests of the tests go to the test application (``ctx``)."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "RATELIMIT_ENABLED": False,
        }
    )


# Loaded when the module is collected (schemathesis' lazy ``from_fixture`` does not run on
# pytest 9); each call names the test application explicitly.
schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", _document_app())


@schema.parametrize()
@settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_document(case, ctx, seeded):
    case.call_and_validate(app=ctx)


def test_every_operation_answers_the_seeded_data_as_documented(ctx, seeded):
    """The seeded ids give 200 responses: each one is validated by every check."""
    values = {
        "slug": seeded["slug"],
        "budget_id": seeded["budget_id"],
        "proposal_id": seeded["proposal_id"],
    }
    answered = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        names = {p.name for p in operation.path_parameters}
        path_parameters = {name: values[name] for name in names}
        if operation.path.endswith("/proposals") and "slug" in names:
            path_parameters["slug"] = seeded["open_slug"]
        case = operation.Case(path_parameters=path_parameters, query={"per_page": 5})
        response = case.call_and_validate(app=ctx)
        assert response.status_code == 200, (operation.path, response.text)
        answered.add(operation.path)
    assert len(answered) == 10
