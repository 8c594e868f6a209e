"""Refused forms outside the administration's process page: the same page again, with what
was typed and the reason beside its field (or beside the button that was pressed), the
refusal's status code, nothing stored and no separate error page (refused.html)."""

import html
import re

from sqlalchemy import func, select

from participa.accountability.models import ExecutionStatus
from participa.accounts.models import Role, User
from participa.budgets.models import Ballot
from participa.census import importing
from participa.census.models import Identity
from participa.extensions import db
from participa.processes.models import District
from participa.proposals import services as proposals
from participa.proposals.models import Support
from tests import factories as f
from tests.support.opendata import tallied_process

SEPARATE_PAGE = 'id="refused-title"'  # templates/refused.html, the separate error page


def beside(page: str, field_id: str) -> str:
    """The error shown beside the field whose id is ``field_id``."""
    match = re.search(rf'<p class="field__error" id="{field_id}-error"[^>]*>(.*?)</p>', page, re.S)
    assert match, f"no error beside {field_id}"
    return html.unescape(match.group(1))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_follow_up_status_refused_by_its_rules_keeps_the_name_beside_the_field(client, auth):
    process, _budget, _voters = tallied_process()
    db.session.commit()
    auth.login_as(Role.ADMIN)
    url = f"/admin/procesos/{process.id}/seguimiento"
    client.get(url)  # the default statuses exist
    before = count(ExecutionStatus)
    first = db.session.scalars(select(ExecutionStatus)).first()
    refused = client.post(f"{url}/estados", data={"name": first.name.upper(), "progress": "40"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Ya hay un estado con ese nombre." in beside(page, "new-status-name")
    assert f'value="{first.name.upper()}"' in html.unescape(page) and 'value="40"' in page
    assert count(ExecutionStatus) == before


def test_renaming_a_status_to_nothing_shows_that_status_form_again(client, auth):
    process, _budget, _voters = tallied_process()
    db.session.commit()
    auth.login_as(Role.ADMIN)
    url = f"/admin/procesos/{process.id}/seguimiento"
    client.get(url)
    status = db.session.scalars(select(ExecutionStatus)).first()
    name = status.name
    refused = client.post(f"{url}/estados/{status.id}", data={"name": "", "progress": "73"})
    assert refused.status_code == 400  # as before step 8: a form mistake
    page = refused.get_data(as_text=True)
    assert SEPARATE_PAGE not in page
    assert "Escribe el nombre del estado." in beside(page, f"status-{status.id}-name")
    progress = re.search(rf'<input[^>]*id="status-{status.id}-progress"[^>]*>', page)
    assert progress and 'value="73"' in progress.group(0)  # as typed
    db.session.expire_all()
    assert db.session.get(ExecutionStatus, status.id).name == name


def test_a_failed_login_keeps_the_email_and_says_so_above_the_form(client):
    user = f.user()
    db.session.commit()
    refused = client.post("/entrar", data={"email": user.email, "password": "no-es-la-clave"})
    assert refused.status_code == 401
    page = html.unescape(refused.get_data(as_text=True))
    summary = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "Correo o contraseña incorrectos." in summary
    assert f'value="{user.email}"' in page and "no-es-la-clave" not in page


def test_a_refused_verification_keeps_the_document_with_the_reason_beside_it(client, auth):
    db.session.add(District(name="Centro"))
    db.session.flush()
    importing.import_census("GOMA850101MNLRRN09,1985-01-01,Centro\n")
    first, second = f.user(), f.user()
    db.session.commit()
    auth.login(first)
    data = {"document": "GOMA850101MNLRRN09", "birth_date": "1985-01-01"}
    assert client.post("/verificacion", data=data).status_code == 303
    client.post("/salir")
    auth.login(second)
    taken = client.post("/verificacion", data=data)
    assert taken.status_code == 409
    page = taken.get_data(as_text=True)
    assert "otra cuenta" in beside(page, "document")
    assert 'value="GOMA850101MNLRRN09"' in page and 'value="1985-01-01"' in page
    assert count(Identity) == 1
    assert db.session.scalar(select(User.identity_id).where(User.id == second.id)) is None


def test_supporting_when_supports_are_closed_answers_on_the_proposal_page(client, auth):
    process = f.process(now_allows=("allows_propose",))  # supports are not open
    proposal = proposals.create_proposal(
        process,
        f.user(),
        title="Bancas en la plaza",
        body="Bancas a la sombra en la plaza principal de la colonia.",
        category="espacio-publico",
        district_id=None,
        cost_estimate=None,
    )
    db.session.commit()
    auth.login_as(Role.RESIDENT)
    refused = client.post(f"/procesos/{process.slug}/propuestas/{proposal.id}/apoyar")
    assert refused.status_code == 403
    page = refused.get_data(as_text=True)
    assert SEPARATE_PAGE not in page and 'data-testid="action-refused"' in page
    assert "Bancas en la plaza" in page  # the proposal's own page
    assert count(Support) == 0


def test_a_ballot_confirmed_after_voting_closed_keeps_its_marks(client, auth):
    process = f.process(now_allows=("allows_propose",))  # voting is not open
    budget = f.budget(process)
    chosen = f.project_ids(budget)[1]
    db.session.commit()
    auth.login_as(Role.RESIDENT)
    base = f"/procesos/{process.slug}/presupuestos/{budget.id}"
    refused = client.post(f"{base}/boleta/confirmar", data={"project": [chosen]})
    assert refused.status_code == 403
    page = refused.get_data(as_text=True)
    assert SEPARATE_PAGE not in page and 'data-testid="ballot-error"' in page
    assert re.search(rf'value="{chosen}"[^>]*checked', page)  # still marked
    assert count(Ballot) == 0


def test_a_refused_moderation_decision_answers_on_the_queue(client, auth):
    evaluator = f.user(Role.EVALUATOR)
    db.session.commit()
    auth.login_as(Role.MODERATOR)
    refused = client.post(f"/moderacion/cuentas/{evaluator.id}/bloquear", data={"confirmado": "1"})
    assert refused.status_code in (403, 409)
    page = refused.get_data(as_text=True)
    assert SEPARATE_PAGE not in page and 'data-testid="action-refused"' in page
    assert "Moderación" in page
    assert db.session.scalar(select(User.blocked_at).where(User.id == evaluator.id)) is None
