"""Every irreversible action of the app asks first, on the server (participa/confirmation.py).

``IRREVERSIBLE`` below is the declared list: each route that deletes, closes, hides, blocks,
withdraws, removes, archives or publishes, with who may use it and the form it needs. The
first test keeps it equal to the routes that actually ask (decorated with ``confirm_first``
or named to ``confirm_endpoints``): a new irreversible route must be declared here, and a
route that stops asking fails. The second posts each one without ``confirmado=1`` and checks
that the answer is the question (status 200, the question block, a form that posts again
confirmed, or the refusal that explains why it cannot be done) and that no row of the
database changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from participa.accounts.models import Role
from participa.confirmation import asking_endpoints
from participa.extensions import db
from tests import factories as f
from tests.support.routes import build_world


@dataclass(frozen=True)
class Irreversible:
    who: str  # "admin", "moderator" or "author" (the owner of a proposal)
    form: dict[str, Any] = field(default_factory=dict)  # what its form sends
    refused: bool = False  # the world's object cannot be acted on: the page says why


IRREVERSIBLE: dict[str, Irreversible] = {
    # a resident withdrawing their own proposal
    "proposals.withdraw": Irreversible("author"),
    # a resident deleting their own account (the current password asked)
    "accounts.delete_account": Irreversible(
        "author", form={"password": f.PASSWORD, "content": "keep"}
    ),
    # moderation
    "conversation.hide": Irreversible("moderator", form={"next": "/moderacion"}),
    "conversation.block": Irreversible("moderator"),
    # administration: phases (their views live in admin.views: confirm_endpoints), closed now
    "admin.delete_phase": Irreversible("admin"),
    "admin.move_phase": Irreversible("admin"),
    # districts, execution statuses, budgets, projects, categories
    "admin.delete_district": Irreversible("admin"),
    "admin.delete_status": Irreversible("admin"),
    "admin.delete_budget": Irreversible("admin"),
    "admin.archive_budget": Irreversible("admin"),
    "admin.remove_project": Irreversible("admin"),
    "admin.delete_category": Irreversible("admin"),
    # a person's role on one process
    "admin.remove_process_role": Irreversible("admin"),
    # publishing: the process, its open data, held answers
    "admin.change_publication": Irreversible("admin", refused=True),
    "admin.publish_open_data": Irreversible("admin"),
    "review.publish": Irreversible("admin", form={"proposal": "held"}),
    # a new version of a legal document (never changed once published)
    "admin.edit_legal_document": Irreversible("admin", form={"body": "# Aviso nuevo\n\nTexto."}),
}

# Tables a request may touch whatever it does (the server-side session's last use).
VOLATILE = {"user_sessions"}


def test_the_declared_list_is_every_route_that_asks_first(app: Flask):
    assert sorted(asking_endpoints(app)) == sorted(IRREVERSIBLE)


def _rows() -> dict[str, list[tuple]]:
    """Every row of every table (but the volatile ones), to compare before and after."""
    db.session.expire_all()
    return {
        table.name: sorted(map(tuple, db.session.execute(select(table)).all()), key=repr)
        for table in db.metadata.sorted_tables
        if table.name not in VOLATILE
    }


@pytest.fixture
def world(app):
    author = f.user()
    world = build_world(author)
    world.values["author"] = author
    return world


def _url(app: Flask, world, endpoint: str) -> str:
    """The URL the route matrix's world gives ``endpoint``: its spare objects (a future
    phase, an unused district, a budget without ballots...), as in tests/support/routes.py."""
    (rule,) = [
        r for r in app.url_map.iter_rules() if r.endpoint == endpoint and "POST" in r.methods
    ]
    return world.url(app, rule)


@pytest.mark.parametrize("endpoint", sorted(IRREVERSIBLE))
def test_an_unconfirmed_post_asks_and_changes_nothing(app, client, auth, world, endpoint):
    case = IRREVERSIBLE[endpoint]
    if case.who == "author":
        auth.login(world.values["author"])
    else:
        auth.login_as(Role.ADMIN if case.who == "admin" else Role.MODERATOR)
    url = _url(app, world, endpoint)
    form = dict(case.form)
    if form.get("proposal") == "held":
        form["proposal"] = [world.values["proposal_id"]]
    before = _rows()

    response = client.post(url, data=form)

    assert response.status_code == 200, (endpoint, response.status_code)
    page = response.get_data(as_text=True)
    assert 'data-testid="confirm-question"' in page, endpoint
    if case.refused:
        assert 'data-testid="confirm-refusal"' in page and 'name="confirmado"' not in page
    else:
        assert f'action="{url}"' in page, endpoint  # the same form, posted again
        assert '<input type="hidden" name="confirmado" value="1">' in page, endpoint
        for name in form:
            assert f'name="{name}"' in page, (endpoint, name)  # what was sent comes back
    assert _rows() == before, f"{endpoint} changed the database without confirmation"
