"""Irreversible actions ask first (participa/confirmation.py): a form that does not come
back confirmed gets a page with the question and changes nothing; the page's own form posts
the same fields confirmed. The guards answer before the question."""

import html
import re

from sqlalchemy import select

from participa.accounts.models import Role, User
from participa.extensions import db
from participa.proposals import services as proposals
from participa.proposals.models import Proposal, ProposalState
from tests import factories as f
from tests.support.auth import Auth


def _proposal(author: User) -> Proposal:
    process = f.process(now_allows=("allows_propose",))
    return proposals.create_proposal(
        process,
        author,
        title="Banca en la plaza",
        body="Una banca a la sombra para la plaza principal de la colonia.",
        category="espacio-publico",
        district_id=None,
        cost_estimate=None,
    )


def _hidden_fields(page: str) -> dict[str, str]:
    """The hidden fields of the confirmation page's form (not the footer's forms)."""
    form = page.split('data-testid="confirm-question"', 1)[1].split("</form>", 1)[0]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))


def test_withdrawing_asks_first_and_changes_nothing_until_confirmed(client):
    author = f.user()
    proposal = _proposal(author)
    db.session.commit()
    Auth(client).login(author)
    url = f"/procesos/{proposal.process.slug}/propuestas/{proposal.id}/retirar"

    asked = client.post(url)
    assert asked.status_code == 200
    page = html.unescape(asked.text)
    assert "¿Retirar tu propuesta «Banca en la plaza»?" in page
    assert f'action="{url}"' in page
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).state == ProposalState.SUBMITTED

    fields = _hidden_fields(asked.text)
    assert fields["confirmado"] == "1"
    done = client.post(url, data=fields)
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).state == ProposalState.WITHDRAWN


def test_hiding_and_blocking_ask_first_and_keep_the_form(client):
    author = f.user()
    proposal = _proposal(author)
    moderator = f.user(Role.MODERATOR)
    db.session.commit()
    Auth(client).login(moderator)

    asked = client.post(
        f"/moderacion/propuesta/{proposal.id}/ocultar", data={"next": "/moderacion"}
    )
    assert asked.status_code == 200
    assert "¿Ocultar este contenido al público?" in html.unescape(asked.text)
    assert _hidden_fields(asked.text)["next"] == "/moderacion"  # posted again as it came
    blocked = client.post(f"/moderacion/cuentas/{author.id}/bloquear")
    assert blocked.status_code == 200
    assert f"¿Bloquear la cuenta de {author.name}?" in html.unescape(blocked.text)
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).hidden_at is None
    assert db.session.scalar(select(User.blocked_at).where(User.id == author.id)) is None


def test_the_guards_answer_before_the_question(client):
    author = f.user()
    proposal = _proposal(author)
    resident = f.user()
    db.session.commit()
    hide = f"/moderacion/propuesta/{proposal.id}/ocultar"
    anonymous = client.post(hide)
    assert anonymous.status_code == 302 and "/entrar" in anonymous.headers["Location"]
    Auth(client).login(resident)
    assert client.post(hide).status_code == 403
    assert client.post(f"/moderacion/cuentas/{author.id}/bloquear").status_code == 403
