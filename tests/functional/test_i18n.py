"""Two languages: es-MX by default, English on request (browser or switcher), every page
translated, numbers, money and dates in the visitor's format, and data left in Spanish."""

import csv
import html as html_lib
import re
from datetime import timedelta

import pytest
from flask_babel import get_locale, refresh
from sqlalchemy import select

from participa.accountability.models import ExecutionItem, ExecutionStatus
from participa.accounts.models import Role
from participa.budgets import services as budgets
from participa.budgets.models import BallotType, Project
from participa.budgets.rules_text import RULE_LABELS
from participa.conversation import moderation
from participa.db import utcnow
from participa.extensions import db
from participa.notifications.models import Notification
from participa.opendata import services as opendata
from participa.processes import services as processes
from participa.proposals.models import Proposal
from participa.results import services as results
from participa.results.tasks import run_tally
from tests import factories as f
from tests.support.auth import Auth
from tests.support.ballots import cast_ballot
from tests.support.opendata import folder_of, read_csv, tallied_process

EN = {"Accept-Language": "en"}

# Words that betray an untranslated Spanish interface (case-sensitive, whole words).
SPANISH = [
    "Propuesta",
    "Propuestas",
    "Presupuesto",
    "Presupuestos",
    "Iniciar sesión",
    "Entrar",
    "Salir",
    "Proceso",
    "Procesos",
    "Boleta",
    "Boletas",
    "Votar",
    "Resultados",
    "Datos abiertos",
    "Administración",
    "Idioma",
    "Buscar",
    "Fase",
    "Inicio",
    "Guardar",
    "Proyecto",
    "Proyectos",
    "Costo",
    "Apoyar",
    "Comprobar",
    "Calendario",
    "Seguimiento",
    "Contraseña",
    "Correo",
    "Volver",
    "Todos",
    "Ver",
    # function words no English sentence uses
    "de",
    "del",
    "el",
    "la",
    "las",
    "los",
    "para",
    "que",
    "una",
    "por",
    "con",
]
SPANISH_RE = re.compile(r"(?<![\w/.-])(" + "|".join(map(re.escape, SPANISH)) + r")(?![\w/.-])")
SPANISH_CHARS = re.compile(r"[áéíóúñÁÉÍÓÚÑ¿¡«»]")
EN_DATE = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4}\b")
ES_DATE = re.compile(r"\b\d{1,2} (ene|feb|mar|abr|may|jun|jul|ago|sept?|oct|nov|dic)\.? \d{4}\b")


def visible_text(page: str) -> str:
    """What a person reads or hears: text nodes and the accessible attributes, without
    scripts, styles, code samples or the language switcher's own names."""
    page = re.sub(r"(?s)<(script|style|pre)\b.*?</\1>", " ", page)
    attrs = re.findall(r'\b(?:title|aria-label|placeholder|alt)="([^"]*)"', page)
    text = re.sub(r"(?s)<[^>]+>", " ", page)
    text = html_lib.unescape(" ".join([text, *attrs]))
    return re.sub(r"\s+", " ", text.replace("Español", ""))


def assert_english(page: str, where: str) -> None:
    text = visible_text(page)
    leftovers = sorted({m.group(0) for m in SPANISH_RE.finditer(text)})
    assert not leftovers, f"{where}: Spanish words {leftovers} in: {text[:3000]}"
    chars = sorted({m.group(0) for m in SPANISH_CHARS.finditer(text)})
    assert not chars, f"{where}: Spanish characters {chars} in: {text[:3000]}"


def english_world():
    """A finished process (results public, open data published, a project in execution)
    and one open for voting, named without Spanish words (names are content, not
    interface), with a resident and an administrator."""
    now = utcnow()
    process = processes.create_process(
        title="Riverside 2026",
        slug="riverside-2026",
        description="A test process.",
        municipality="Riverside",
        district_id=None,
        published=True,
    )
    for i, (start, end, flags) in enumerate(
        [
            (-40, -30, {"allows_propose": True}),
            (-30, -5, {"allows_vote": True}),
            (-5, 20, {"shows_results": True}),
        ],
        start=1,
    ):
        processes.add_phase(
            process,
            title=f"Stage {i}",
            reason="Test data with a history",
            starts_at=now + timedelta(days=start),
            ends_at=now + timedelta(days=end),
            **flags,
        )
    budget = new_budget(process, "Riverside fund", 1000, (600, 500, 300, 200))
    p1, p2, p3, p4 = f.project_ids(budget)
    for phase in process.phases:  # vote as if it were the voting phase
        phase.starts_at -= timedelta(days=-25)
        phase.ends_at -= timedelta(days=-25)
    for chosen in ([p1, p3], [p1, p4], [p2, p3], [p2, p3], [p2], [p3, p4]):
        cast_ballot(budget, f.user(), chosen, None)
    for phase in process.phases:
        phase.starts_at -= timedelta(days=25)
        phase.ends_at -= timedelta(days=25)
    db.session.add(
        Proposal(
            process_id=process.id,
            author_id=f.user().id,
            title="Cycle lane on the avenue",
            body="Trees and a safe lane.",
            category="movilidad",
        )
    )
    run = results.request_tally(budget)
    db.session.commit()
    run_tally(run.id)
    status = ExecutionStatus(process_id=process.id, key="building", name="Building", progress=50)
    db.session.add(status)
    db.session.flush()
    db.session.add(
        ExecutionItem(
            process_id=process.id,
            project_id=p3,
            title="Works",
            status_id=status.id,
            progress=40,
            office="Public works",
            budgeted=300,
            spent=120,
        )
    )
    voting = processes.create_process(
        title="Riverside vote",
        slug="riverside-vote",
        description="Vote now.",
        municipality="Riverside",
        district_id=None,
        published=True,
    )
    processes.add_phase(
        voting,
        title="Vote",
        reason="Test data with a history",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=9),
        allows_vote=True,
    )
    open_budget = new_budget(voting, "Riverside parks", 1_250_000, (600_000, 500_000, 300_000))
    resident = f.user()
    admin = f.admin()
    db.session.commit()
    opendata.publish(process, "manual")
    db.session.commit()
    return process, budget, voting, open_budget, resident, admin


def new_budget(process, title: str, amount: int, costs: tuple[int, ...]):
    budget = budgets.create_budget(
        process, title=title, amount=amount, ballot_type=BallotType.KNAPSACK
    )
    for i, cost in enumerate(costs, start=1):
        db.session.add(Project(budget_id=budget.id, title=f"Park {i}", cost=cost, position=i))
    db.session.flush()
    db.session.refresh(budget, ["projects"])
    return budget


# --- choosing the language ------------------------------------------------------------


def test_default_is_spanish_and_the_browser_can_ask_for_english(client):
    page = client.get("/").text
    assert '<html lang="es-MX">' in page
    assert "Procesos participativos" in page and "Participatory processes" not in page
    assert re.search(r'lang="es-MX"\s+aria-current="true">Español<', page)

    page = client.get("/", headers=EN).text
    assert '<html lang="en">' in page
    assert "Participatory processes" in page and "Procesos participativos" not in page
    assert re.search(r'lang="en"\s+aria-current="true">English<', page)

    for header in ("en-US,en;q=0.9", "fr, en;q=0.5"):
        assert '<html lang="en">' in client.get("/", headers={"Accept-Language": header}).text
    for header in ("es", "es-ES", "fr", "de-DE", "es;q=0.9, en;q=0.8"):
        page = client.get("/", headers={"Accept-Language": header}).text
        assert '<html lang="es-MX">' in page, header


def test_switcher_stores_the_choice_and_goes_back_to_a_local_page(client):
    page = client.get("/").text
    assert 'action="/idioma/en"' in page and 'action="/idioma/es_MX"' in page
    response = client.post("/idioma/en", data={"next": "/datos?tema=votacion"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/datos?tema=votacion"
    page = client.get("/").text  # no Accept-Language: the session decides
    assert '<html lang="en">' in page and "Participatory processes" in page
    # the session choice wins over the browser's
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "es-MX"}).text
    response = client.post("/idioma/es_MX", data={"next": "/"}, headers=EN)
    assert response.headers["Location"] == "/"
    assert '<html lang="es-MX">' in client.get("/", headers=EN).text


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/x",
        "//evil.example/x",
        "/\\evil.example",
        "/\t/evil.example",
        " //evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "",
    ],
)
def test_switcher_never_redirects_to_another_site(client, target):
    response = client.post("/idioma/en", data={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_unknown_language_is_not_found_and_changes_nothing(client):
    client.post("/idioma/en", data={"next": "/"})
    response = client.post("/idioma/fr", data={"next": "/"})
    assert response.status_code == 404
    assert '<html lang="en">' in client.get("/").text  # still English
    assert client.get("/idioma/en").status_code == 405  # only by POST


def test_switcher_needs_the_csrf_token(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    refused = client.post("/idioma/en", data={"next": "/"})
    assert refused.status_code == 400
    assert '<html lang="es-MX">' in client.get("/").text
    page = client.get("/").text
    form = re.search(r'(?s)<form[^>]+action="/idioma/en".*?</form>', page).group(0)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    accepted = client.post("/idioma/en", data={"next": "/datos", "csrf_token": token})
    assert accepted.status_code == 302 and accepted.headers["Location"] == "/datos"
    assert '<html lang="en">' in client.get("/").text


# --- every main page in English ---------------------------------------------------------


def test_main_pages_are_english_with_english_numbers_and_dates(client):
    process, budget, voting, open_budget, resident, admin = english_world()
    slug = process.slug
    proposal_id = db.session.scalar(select(Proposal.id).where(Proposal.process_id == process.id))
    project_id = f.project_ids(budget)[0]
    anonymous = {
        "home": "/",
        "process": f"/procesos/{slug}",
        "proposals": f"/procesos/{slug}/propuestas/",
        "budget": f"/procesos/{slug}/presupuestos/{budget.id}/",
        "results": f"/procesos/{slug}/presupuestos/{budget.id}/resultados/",
        "follow-up": f"/procesos/{slug}/seguimiento",
        "login": "/entrar",
        "register": "/registro",
        "open data": "/datos",
        "open data of the process": f"/datos/{slug}",
        "receipt": "/comprobante",
        "not found": "/no-such-page",
    }
    pages = {}
    for name, url in anonymous.items():
        response = client.get(url, headers=EN)
        assert response.status_code == (404 if name == "not found" else 200), name
        assert '<html lang="en">' in response.text, name
        assert_english(response.text, name)
        pages[name] = response.text

    assert "MX$1,000" in visible_text(pages["results"])  # the budget's currency, English form
    assert EN_DATE.search(visible_text(pages["process"]))
    assert not ES_DATE.search(visible_text(pages["process"]))
    assert EN_DATE.search(visible_text(pages["open data"]))

    Auth(client).attempt(resident.email, headers=EN)
    ballot = client.get(f"/procesos/{voting.slug}/presupuestos/{open_budget.id}/boleta", headers=EN)
    assert ballot.status_code == 200
    assert_english(ballot.text, "ballot")
    assert "MX$1,250,000" in visible_text(ballot.text)
    # the live meter's words and format come from the page, in English
    assert 'data-msg-money="You are using {total} of {amount}"' in ballot.text
    assert 'data-currency="MXN"' in ballot.text
    base = f"/procesos/{voting.slug}/presupuestos/{open_budget.id}"
    chosen = {"project": f.project_ids(open_budget)[:2]}
    review = client.post(f"{base}/boleta/revisar", data=chosen, headers=EN)
    assert review.status_code == 200
    assert_english(review.text, "ballot review")
    assert "MX$1,100,000" in visible_text(review.text)
    over = client.post(
        f"{base}/boleta/revisar", data={"project": f.project_ids(open_budget)}, headers=EN
    )
    assert over.status_code == 422
    assert_english(over.text, "refused ballot")
    confirmed = client.post(
        f"{base}/boleta/confirmar", data=chosen, headers=EN, follow_redirects=True
    )
    assert "Your receipt code is" in confirmed.text
    assert_english(confirmed.text, "budget after voting")
    for name, url in {
        "verification": "/verificacion",
        "voting process": f"/procesos/{voting.slug}",
    }.items():
        response = client.get(url, headers=EN)
        assert response.status_code == 200, name
        assert_english(response.text, name)
    client.post("/salir", headers=EN)

    Auth(client).attempt(admin.email, headers=EN)
    for name, url in {
        "admin dashboard": "/admin/",
        "admin process": f"/admin/procesos/{process.id}",
        "admin budget": f"/admin/presupuestos/{budget.id}",
        "admin budget rules": f"/admin/presupuestos/{open_budget.id}/editar",
        "new process": "/admin/procesos/nuevo",
        "districts": "/admin/distritos",
        "census": "/admin/padron",
        "action log": "/admin/registro",
        "users and roles": "/admin/usuarios",
        "admin follow-up": f"/admin/procesos/{process.id}/seguimiento",
        "review queue": "/evaluacion",
        "moderation queue": "/moderacion",
        "polling station": "/casilla",
        "polling station booth": f"/casilla/{open_budget.id}",
        "paper ballot batch": f"/casilla/{open_budget.id}/lote",
        "proposal": f"/procesos/{process.slug}/propuestas/{proposal_id}",
        "budget project": f"/procesos/{slug}/presupuestos/{budget.id}/proyectos/{project_id}",
    }.items():
        response = client.get(url, headers=EN)
        assert response.status_code == 200, name
        assert_english(response.text, name)


def test_the_same_pages_are_spanish_by_default(client):
    process, budget, *_ = english_world()
    page = client.get(f"/procesos/{process.slug}/presupuestos/{budget.id}/resultados/").text
    assert '<html lang="es-MX">' in page
    assert "Resultados" in page and "$1,000" in page and "MX$" not in page
    page = client.get(f"/procesos/{process.slug}").text
    assert ES_DATE.search(visible_text(page)) and not EN_DATE.search(visible_text(page))


def test_validation_messages_are_translated(client):
    refused = client.post("/registro", data={}, headers=EN)
    assert "This field is required." in refused.text
    assert "Este campo es obligatorio." not in refused.text
    bad = client.post(
        "/entrar", data={"email": "x@example.org", "password": "wrong-one"}, headers=EN
    )
    assert "Wrong e-mail or password." in bad.text


def test_login_message_is_flashed_in_the_visitors_language(client):
    response = client.get("/verificacion", headers=EN, follow_redirects=True)
    assert "Sign in to continue." in response.text
    response = client.get("/verificacion", follow_redirects=True)
    assert "Inicia sesión para continuar." in response.text


# --- data and messages to others stay in the platform's language ------------------------


def test_open_data_published_during_an_english_request_is_spanish(app, ctx):
    process, _budget, _voters = tallied_process()
    with app.test_request_context("/", headers=EN):
        refresh()
        assert str(get_locale()) == "en"  # an English visitor triggers the publication
        publication = opendata.publish(process, "manual")
    db.session.commit()
    rows = read_csv(folder_of(publication), "presupuestos.csv")
    with app.test_request_context("/"):
        refresh()
        spanish = str(RULE_LABELS["greedy"])
    assert spanish.startswith("Más votados")
    assert [r["rule_label"] for r in rows] == [spanish]


def test_notification_to_another_person_is_in_the_platform_language(app, ctx):
    process = f.process(now_allows=("allows_propose",))
    author = f.user()
    proposal = Proposal(
        process_id=process.id, author_id=author.id, title="Idea", body="Trees", category="salud"
    )
    db.session.add(proposal)
    moderator = f.user(Role.MODERATOR)
    db.session.flush()
    with app.test_request_context("/", headers=EN):
        refresh()
        assert str(get_locale()) == "en"  # an English-speaking moderator
        moderation.hide(proposal, moderator)
    note = db.session.scalar(select(Notification).where(Notification.user_id == author.id))
    assert note.subject == "Tu propuesta fue ocultada por moderación"


def test_category_labels_are_translated_but_published_data_keeps_spanish(client):
    process, *_ = english_world()
    page = client.get(f"/procesos/{process.slug}/propuestas/", headers=EN).text
    assert "Mobility" in page and "Movilidad" not in visible_text(page)
    folder = folder_of(opendata.latest_publication(process.id))
    with open(folder / "propuestas.csv", encoding="utf-8", newline="") as handle:
        categories = {row.get("category_label") for row in csv.DictReader(handle)}
    assert "Movilidad" in categories
