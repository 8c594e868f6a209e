"""The permission matrix: what each phase allows (phase × action), and who reaches the
staff pages (role × page), refusals included."""

import pytest

from participa.accounts.models import Role
from participa.conversation import comments
from participa.errors import DomainError
from participa.extensions import db
from participa.proposals import services as proposals
from participa.proposals.models import Proposal
from tests import factories as f
from tests.support.ballots import cast_ballot

FLAGS = ("allows_propose", "allows_support", "allows_comment", "allows_vote")


def attempt(action: str, process, budget, proposal, user) -> bool:
    """Try ``action`` as ``user``; True if the rules let it through."""
    try:
        if action == "allows_propose":
            proposals.create_proposal(
                process,
                user,
                title="Una banca más en el parque",
                body="x" * 40,
                category="espacio-publico",
                district_id=None,
                cost_estimate=None,
            )
        elif action == "allows_support":
            proposals.support(proposal, user)
        elif action == "allows_comment":
            comments.add_comment(proposal, user, "Buena idea, la apoyo.")
        else:
            cast_ballot(budget, user, f.project_ids(budget)[:1])
    except DomainError:
        db.session.rollback()
        return False
    return True


@pytest.mark.parametrize("flag", FLAGS)
def test_each_phase_allows_exactly_its_actions(ctx, flag):
    process = f.process(now_allows=(flag,))
    budget = f.budget(process)
    author = f.user()
    proposal = Proposal(
        process_id=process.id,
        author_id=author.id,
        title="Propuesta base",
        body="y" * 40,
        category="cultura",
    )
    db.session.add(proposal)
    db.session.commit()
    allowed = {action: attempt(action, process, budget, proposal, f.user()) for action in FLAGS}
    assert allowed == {action: action == flag for action in FLAGS}


STAFF_PAGES = {
    "/admin/": {Role.ADMIN},
    "/admin/usuarios": {Role.ADMIN},
    "/admin/padron": {Role.ADMIN},
    "/admin/registro": {Role.ADMIN},
    "/admin/categorias": {Role.ADMIN},
    "/admin/registro.csv": {Role.ADMIN},
    "/evaluacion": {Role.EVALUATOR, Role.ADMIN},
    "/moderacion": {Role.MODERATOR, Role.ADMIN},
    "/casilla": {Role.OFFICER, Role.ADMIN},
}


@pytest.mark.parametrize("role", [None, *Role])
def test_staff_pages_by_role(client, auth, role):
    if role is not None:
        user = f.user(role)
        db.session.commit()
        auth.login(user)
    for path, allowed in STAFF_PAGES.items():
        status = client.get(path).status_code
        if role is None:
            assert status == 302, path  # anonymous: to the login page
        else:
            assert status == (200 if role in allowed else 403), (path, role)
