"""No open redirects: every redirect that takes its target from the request (``next``) stays
on this site, however the target is disguised."""

import html
import re
from urllib.parse import urljoin, urlsplit

import pytest

from participa.accounts.models import Role
from participa.census import importing
from participa.extensions import db
from participa.processes.models import District
from participa.proposals.models import Proposal
from tests import factories as f

HOST = "localhost"
EVIL = [
    "//evil.example",
    "///evil.example",
    "https://evil.example",
    "http:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "https://localhost@evil.example",
    "//localhost@evil.example/",
    "/inicio\r\nSet-Cookie: evil=1",  # a header of its own, not a redirect
]
HARMLESS_ALONE = {"evil.example", "/inicio\r\nSet-Cookie: evil=1"}


def lands_on(location: str) -> str:
    """The host a browser on ``https://localhost/...`` goes to for ``location``: like a
    browser, it drops tabs, newlines and surrounding blanks, reads backslashes as slashes
    and any run of two or more leading slashes as the start of a host."""
    cleaned = "".join(c for c in location if c not in "\t\n\r").strip("".join(map(chr, range(33))))
    cleaned = re.sub(r"^/{2,}", "//", cleaned.replace("\\", "/"))
    parts = urlsplit(urljoin(f"https://{HOST}/procesos/x/pagina", cleaned))
    return parts.hostname if parts.scheme in ("http", "https") else f"<{parts.scheme}>"


def assert_stays(response, target: str) -> None:
    assert response.status_code in (302, 303), (target, response.status_code)
    location = response.headers["Location"]
    assert lands_on(location) == HOST, (target, location)
    assert "evil" not in location, (target, location)


def test_the_check_itself_catches_each_disguise():
    """Without ``safe_next``, each of these targets would leave the site."""
    for target in set(EVIL) - HARMLESS_ALONE:  # a bare word is a relative path
        assert lands_on(target) != HOST, target


def test_login_and_registration(client):
    user = f.user()
    db.session.commit()
    for n, target in enumerate(EVIL):
        response = client.post(
            "/entrar",
            query_string={"next": target},
            data={"email": user.email, "password": f.PASSWORD},
        )
        assert_stays(response, target)
        client.post("/salir")
        response = client.post(
            "/registro",
            query_string={"next": target},
            data={
                "name": "Rosa",
                "email": f"rosa{n}@example.org",
                "district_id": 0,
                "password": f.PASSWORD,
                "confirm": f.PASSWORD,
                "accept_legal": "y",
            },
        )
        assert_stays(response, target)
        client.post("/salir")


def test_accepting_the_legal_notices(client, auth, monkeypatch):
    monkeypatch.setitem(client.application.config, "LEGAL_ACCEPTANCE_REQUIRED", True)
    for target in EVIL:
        auth.login(f.user())  # nothing accepted yet: the question, then back
        db.session.commit()
        shown = "privacy:1,terms:1"  # the versions the page showed
        response = client.post(
            "/aceptar-avisos", data={"next": target, "accept": "y", "shown": shown}
        )
        assert_stays(response, target)
        assert_stays(client.get("/aceptar-avisos", query_string={"next": target}), target)


def test_language_switch_and_logout(client, auth):
    user = f.user()
    db.session.commit()
    for target in EVIL:
        assert_stays(client.post("/idioma/es_MX", data={"next": target}), target)
        auth.login(user)
        assert_stays(client.post("/salir", data={"next": target}), target)


@pytest.fixture
def world(ctx, monkeypatch):
    monkeypatch.setitem(ctx.config, "MODERATION_HIDE_AFTER", 100)  # many reports below
    process = f.process(now_allows=("allows_support", "allows_comment"))
    author = f.user()
    proposal = Proposal(
        process_id=process.id,
        author_id=author.id,
        title="Bancas en la plaza",
        body="Bancas a la sombra en la plaza principal.",
        category="espacio-publico",
    )
    db.session.add(proposal)
    db.session.add(District(name="Centro"))
    db.session.flush()
    importing.import_census("".join(f"DOC{n:04d},1985-01-01,Centro\n" for n in range(len(EVIL))))
    db.session.commit()
    return process, proposal


def test_resident_actions(client, auth, world):
    process, proposal = world
    base = f"/procesos/{process.slug}/propuestas/{proposal.id}"
    for n, target in enumerate(EVIL):
        resident = f.user()
        db.session.commit()
        auth.login(resident)
        assert_stays(client.post(f"{base}/apoyar", data={"next": target}), target)
        report = client.post(
            f"/contenido/propuesta/{proposal.id}/reportar",
            data={"reason": "Contenido repetido", "next": target},
        )
        assert_stays(report, target)
        verify = client.post(
            "/verificacion",
            query_string={"next": target},
            data={"document": f"DOC{n:04d}", "birth_date": "1985-01-01"},
        )
        assert_stays(verify, target)
        client.post("/salir")


def test_staff_actions(client, auth, world):
    _process, proposal = world
    admin = f.user(Role.ADMIN)
    other = f.user()
    db.session.commit()
    auth.login(admin)
    for target in EVIL:
        asked = client.post(f"/moderacion/propuesta/{proposal.id}/ocultar", data={"next": target})
        assert asked.status_code == 200  # hiding asks first: its "Cancelar" stays too
        cancel = re.search(r'href="([^"]*)" data-testid="confirm-cancel"', asked.text)
        assert cancel and lands_on(html.unescape(cancel.group(1))) == HOST, (target, cancel)
        for action in ("ocultar", "restaurar"):
            response = client.post(
                f"/moderacion/propuesta/{proposal.id}/{action}",
                data={"next": target, "confirmado": "1"},
            )
            assert_stays(response, target)
        response = client.post(
            f"/admin/usuarios/{other.id}/rol", data={"role": "moderator", "next": target}
        )
        assert_stays(response, target)
