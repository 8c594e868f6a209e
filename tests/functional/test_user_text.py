"""User text is shown as text, never as HTML: proposals, comments, names, districts,
projects, follow-up items and milestones, census errors, flashed messages and echoed search
terms all arrive escaped; long texts keep their line breaks (CSS ``pre-line``), and no
template marks anything ``|safe``."""

import re
from datetime import date
from pathlib import Path

from sqlalchemy import select

from participa.accountability.items import add_item
from participa.accountability.milestones import add_milestone
from participa.accounts.models import Role, User
from participa.budgets.models import Project
from participa.conversation.models import Comment
from participa.extensions import db
from participa.processes.models import District
from participa.proposals.models import Proposal
from tests import factories as f
from tests.support.auth import Auth
from tests.support.mail import path_of

ROOT = Path(__file__).resolve().parents[2]
PAYLOAD = "<script>alert(1)</script><img src=x onerror=alert(1)>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def assert_escaped(html: str, where: str, times: int = 1) -> None:
    assert "<script>alert(1)" not in html, where
    assert not re.search(r"<img[^>]*onerror", html, re.I), where
    assert html.count(ESCAPED) >= times, where


def test_no_template_or_module_marks_text_safe():
    """``|safe``, ``Markup(...)`` and ``autoescape false`` would let HTML through."""
    found = []
    for path in [*(ROOT / "templates").rglob("*.html"), *(ROOT / "participa").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        for pattern in (r"\|\s*safe\b", r"\bMarkup\(", r"autoescape\s+false", r"\.unescape\("):
            if re.search(pattern, text):
                found.append(f"{path.relative_to(ROOT)}: {pattern}")
    assert found == []


def test_resident_text_is_escaped_everywhere_it_is_shown(client, auth, outbox):
    process = f.process(now_allows=("allows_propose", "allows_support", "allows_comment"))
    db.session.add(District(name="Centro"))
    db.session.commit()
    response = client.post(
        "/registro",
        data={
            "name": PAYLOAD,
            "email": "rosa@example.org",
            "district_id": 0,
            "password": f.PASSWORD,
            "confirm": f.PASSWORD,
            "accept_legal": "y",
        },
    )
    assert response.status_code == 302
    confirm = client.get(path_of(outbox.link("rosa@example.org", "confirmar")))  # to propose
    assert client.post(confirm.headers["Location"]).status_code == 303
    client.post("/salir")
    response = Auth(client).attempt("rosa@example.org")
    assert_escaped(client.get("/").text, "flashed greeting with the name")
    body = f"Primera línea {PAYLOAD}\nSegunda línea con más detalle de la propuesta."
    response = client.post(
        f"/procesos/{process.slug}/propuestas/nueva",
        data={"title": f"Título {PAYLOAD}", "body": body, "category": "cultura", "district_id": 0},
    )
    assert response.status_code == 302
    proposal = db.session.scalar(select(Proposal))
    assert proposal.title == f"Título {PAYLOAD}" and proposal.body == body  # stored as typed
    page_url = f"/procesos/{process.slug}/propuestas/{proposal.id}"
    response = client.post(f"{page_url}/comentarios", data={"body": f"Comento {PAYLOAD}"})
    assert response.status_code == 303
    assert db.session.scalar(select(Comment)).body == f"Comento {PAYLOAD}"
    page = client.get(page_url).text
    assert_escaped(page, "proposal page: title, body, author, comment", times=3)
    assert "Primera línea " + ESCAPED + "\nSegunda línea" in page  # line break kept as text
    assert_escaped(client.get(f"/procesos/{process.slug}/propuestas/").text, "proposal list")
    response = client.post(
        f"/contenido/propuesta/{proposal.id}/reportar", data={"reason": f"Motivo {PAYLOAD}"}
    )
    assert response.status_code == 303

    client.post("/salir")
    staff = f.user(Role.ADMIN)
    db.session.commit()
    auth.login(staff)
    assert_escaped(client.get("/moderacion").text, "moderation queue", times=2)
    assert_escaped(client.get(f"/evaluacion/propuestas/{proposal.id}").text, "evaluation page")
    proposals_section = f"/admin/procesos/{process.id}/propuestas"
    assert_escaped(client.get(proposals_section).text, "admin proposals section")
    assert_escaped(client.get("/admin/usuarios").text, "users list")
    response = client.post(
        f"/admin/propuestas/{proposal.id}/respuesta",
        data={"state": "rejected", "reason": f"Razón {PAYLOAD}"},
    )
    assert response.status_code == 303
    assert_escaped(client.get(proposals_section).text, "flashed answer", times=2)
    assert_escaped(client.get(page_url).text, "published answer", times=4)


def test_administration_text_is_escaped(client, auth):
    admin = f.user(Role.ADMIN)
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process, costs=(100,))
    db.session.commit()
    auth.login(admin)
    response = client.post(
        "/admin/distritos", data={"name": f"Colonia {PAYLOAD}", "parent_id": 0, "level": "sector"}
    )
    assert response.status_code == 303
    assert_escaped(client.get("/admin/distritos").text, "districts page")
    assert_escaped(client.get(f"/procesos/{process.slug}/propuestas/").text, "district filter")
    db.session.add(
        Project(
            budget_id=budget.id,
            title=f"Proyecto {PAYLOAD}",
            description=f"Descripción {PAYLOAD}\nSegunda línea",
            cost=200,
            position=9,
        )
    )
    db.session.commit()
    project = db.session.scalar(select(Project).where(Project.position == 9))
    base = f"/procesos/{process.slug}/presupuestos/{budget.id}"
    assert_escaped(client.get(f"{base}/").text, "budget page", times=2)
    assert_escaped(client.get(f"{base}/boleta").text, "ballot page")
    assert_escaped(client.get(f"{base}/proyectos/{project.id}").text, "project page", times=2)
    assert_escaped(client.get(f"/admin/presupuestos/{budget.id}").text, "admin budget page")

    item = add_item(process, admin, f"Obra {PAYLOAD}", budgeted=100)
    add_milestone(item, admin, date(2026, 3, 1), f"Avance {PAYLOAD}", None)
    db.session.commit()
    assert_escaped(client.get(f"/seguimiento/{item.id}").text, "follow-up item", times=2)
    assert_escaped(client.get(f"/procesos/{process.slug}/seguimiento").text, "follow-up list")
    admin_item = client.get(f"/admin/procesos/{process.id}/seguimiento/{item.id}").text
    assert_escaped(admin_item, "follow-up administration", times=2)

    response = client.post(
        "/admin/padron", data={"text": f"GOMA850101MNLRRN09,1985-01-01,{PAYLOAD}"}
    )
    assert response.status_code == 422
    assert_escaped(response.text, "census error with the unknown district")
    assert db.session.scalar(select(User).where(User.name.contains("<script>"))) is None


def test_search_terms_are_echoed_escaped(client, auth):
    process = f.process()
    admin = f.user(Role.ADMIN)
    db.session.commit()
    for url, echoed in (
        (f"/procesos/{process.slug}/propuestas/", 1),
        (f"/procesos/{process.slug}/seguimiento", 0),  # no items: no search form
        ("/datos", 1),
    ):
        page = client.get(url, query_string={"q": PAYLOAD})
        assert page.status_code == 200, url
        assert_escaped(page.text, url, times=echoed)
    auth.login(admin)
    page = client.get("/admin/usuarios", query_string={"q": PAYLOAD})
    assert_escaped(page.text, "users search")
