"""A refused form is drawn again with what was typed and the reason beside it, with the
refusal's status code; nothing is stored (no separate error page whose "Regresar" loses the
text)."""

import html

from sqlalchemy import func, select

from participa.conversation.models import Comment
from participa.extensions import db
from participa.proposals import services as proposals
from participa.proposals.models import Proposal
from tests import factories as f
from tests.support.auth import Auth

TITLE = "Luminarias en el parque de la colonia Centro"
BODY = "El parque está a oscuras de noche; proponemos diez luminarias solares nuevas."


def test_a_refused_proposal_keeps_its_text_and_says_how_to_go_on(client):
    process = f.process(now_allows=("allows_propose",))
    process.verification_to_propose = True
    resident = f.user()  # not verified
    db.session.commit()
    Auth(client).login(resident)
    refused = client.post(
        f"/procesos/{process.slug}/propuestas/nueva",
        data={"title": TITLE, "body": BODY, "category": "espacio-publico", "district_id": "0"},
    )
    assert refused.status_code == 403
    page = html.unescape(refused.text)
    assert 'data-testid="proposal-form"' in page  # the form itself, not a separate page
    assert f'value="{TITLE}"' in page and BODY in page
    assert 'data-testid="refused-link"' in page  # where to verify one's residency
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def _proposal(process) -> Proposal:
    return proposals.create_proposal(
        process,
        f.user(),
        title=TITLE,
        body=BODY,
        category="espacio-publico",
        district_id=None,
        cost_estimate=None,
    )


def test_a_refused_comment_comes_back_in_its_form_with_the_reason(client):
    process = f.process(now_allows=("allows_propose", "allows_comment"))
    proposal = _proposal(process)
    resident = f.user()
    db.session.commit()
    Auth(client).login(resident)
    url = f"/procesos/{process.slug}/propuestas/{proposal.id}"
    long_text = "¿Y el mantenimiento?" * 110  # over 2,000 characters
    refused = client.post(f"{url}/comentarios", data={"body": long_text})
    assert refused.status_code == 422
    page = html.unescape(refused.text)
    assert f"{long_text}</textarea>" in page  # in the page's own comment form
    assert 'data-testid="comment-error"' in page and 'aria-invalid="true"' in page
    assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_a_comment_refused_because_comments_closed_keeps_the_text(client):
    process = f.process(now_allows=("allows_propose",))  # comments are not open
    proposal = _proposal(process)
    resident = f.user()
    db.session.commit()
    Auth(client).login(resident)
    url = f"/procesos/{process.slug}/propuestas/{proposal.id}"
    refused = client.post(f"{url}/comentarios", data={"body": "Me gustaría que fuera solar."})
    assert refused.status_code == 403
    page = html.unescape(refused.text)
    assert 'data-testid="comments-closed"' in page
    assert "Me gustaría que fuera solar.</textarea>" in page
    assert db.session.scalar(select(func.count(Comment.id))) == 0
