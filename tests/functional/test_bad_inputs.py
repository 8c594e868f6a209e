"""Bad input, through the web client: every refusal is a 4xx with a clear message, and the
database is left exactly as it was (every table's row count, and the rows a refusal could
have touched).

Covered: ballots that break the rules of each ballot type, at the wrong time, in a budget
the voter may not vote in, with projects of another budget, repeated or malformed; ids in
URLs that are not ids; bodies above the request limit; malformed CSV files for the census,
the booth's bulk entry and the follow-up's bulk update; malformed Pabulib files; and, as a
property, that the ballot service writes nothing before it refuses.
"""

import html
import io
import re
from datetime import date, timedelta

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from werkzeug.datastructures import MultiDict

from participa.accountability import items as execution_items
from participa.accountability import milestones
from participa.accountability import statuses as execution_statuses
from participa.accountability.models import ExecutionItem
from participa.accounts.models import Role
from participa.budgets.models import Ballot, BallotItem, BallotType, Budget
from participa.census import importing, verification
from participa.db import utcnow
from participa.errors import DomainError
from participa.extensions import db
from participa.interop.pabulib import import_pb
from participa.officing import services as officing
from participa.processes import services as processes
from participa.processes.models import District, Process, VoteScope
from participa.storage import storage
from participa.tallying.pabulib import PbError, read
from tests import factories as f
from tests.support.accountability import JPEG, PNG, publish
from tests.support.auth import Auth
from tests.support.ballots import cast_ballot, selected_ids
from tests.support.pabulib import pb_text

ANA = "GOMA850101MNLRRN09"
LUIS = "PELU900215HNLRPS03"
COSTS = (400, 300, 300, 200)


# --- helpers ----------------------------------------------------------------------------


def snapshot() -> dict[str, int]:
    """The row count of every table of the schema."""
    db.session.expire_all()
    with db.engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in db.metadata.sorted_tables
        }


def ballot_rows() -> list[tuple]:
    """Every stored ballot item, with its ballot's receipt: a refusal must not touch them."""
    with db.engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT b.id, b.user_id, b.receipt_hash, i.project_id, i.points, i.rank "
                "FROM ballots b LEFT JOIN ballot_items i ON i.ballot_id = b.id "
                "ORDER BY b.id, i.project_id"
            )
        ).all()


class Unchanged:
    """``with Unchanged():`` asserts that the block changed no table and no ballot."""

    def __enter__(self):
        self.before = (snapshot(), ballot_rows())
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            after = (snapshot(), ballot_rows())
            changed = {
                name: (count, after[0][name])
                for name, count in self.before[0].items()
                if after[0][name] != count
            }
            assert not changed, f"rows changed: {changed}"
            assert after[1] == self.before[1], "ballots changed"


def body(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def refused(response, status: int, *messages: str) -> str:
    """Assert a refusal: ``status``, an HTML page, and every message in it."""
    page = body(response)
    assert response.status_code == status, (response.status_code, page[:2000])
    assert response.mimetype == "text/html"
    for message in messages:
        assert message in page, (message, page[:3000])
    return page


ROW_RE = re.compile(r'<(?:th scope="row"|td) class="num">(\d+)</(?:th|td)>\s*<td>(.*?)</td>', re.S)


def reported_lines(page: str) -> dict[int, str]:
    """The problems of a refused file by line number, as the page shows them (a table of
    lines and reasons, or sentences "Línea N: ...")."""
    lines: dict[int, str] = {}
    for number, reason in ROW_RE.findall(page):
        lines[int(number)] = lines.get(int(number), "") + " " + reason
    for number, reason in re.findall(r"Línea (\d+): ([^<]*)", page):
        lines[int(number)] = lines.get(int(number), "") + " " + reason
    return lines


def refused_file(response, expected: list[tuple[int | None, str]]) -> None:
    """A refused upload: 422, and each (line, text) shown, on that line when it has one."""
    page = refused(response, 422)
    lines = reported_lines(page)
    for line, message in expected:
        assert message, "an empty message is in every page: name the words to look for"
        if line is None:
            assert message in page, (message, lines or page[:3000])
        else:
            assert message in lines.get(line, ""), (line, message, lines or page[:3000])


def voting_budget(ballot_type: str = BallotType.KNAPSACK, *, process=None, **rules) -> Budget:
    process = process or f.process(now_allows=("allows_vote",))
    budget = f.budget(process, amount=1000, costs=COSTS, ballot_type=ballot_type, **rules)
    db.session.commit()
    return budget


def url(budget: Budget, step: str = "") -> str:
    return f"/procesos/{budget.process.slug}/presupuestos/{budget.id}/boleta{step}"


# --- ballots ------------------------------------------------------------------------------


def rule_cases(budget_of, ids_of) -> list[tuple[Budget, dict, str]]:
    """(budget, form data, message) of ballots that break a rule of their budget."""
    knapsack = budget_of(BallotType.KNAPSACK)
    k = ids_of(knapsack)
    min_spend = budget_of(BallotType.KNAPSACK, min_spend_percent=50)
    ms = ids_of(min_spend)
    approval = budget_of(BallotType.APPROVAL, min_projects=2, max_projects=3)
    a = ids_of(approval)
    choose = budget_of(BallotType.CHOOSE_1)
    c = ids_of(choose)
    points = budget_of(BallotType.CUMULATIVE, max_points=5, max_total_points=6)
    p = ids_of(points)
    ranked = budget_of(BallotType.ORDINAL, max_projects=3)
    r = ids_of(ranked)
    foreign = ids_of(budget_of(BallotType.APPROVAL))[0]
    return [
        (knapsack, {"project": k}, "Tu selección suma $1,200 y el presupuesto es de $1,000."),
        (min_spend, {"project": [ms[3]]}, "debe sumar al menos $500"),
        (approval, {"project": a[:1]}, "Elige al menos 2 proyectos (llevas 1)."),
        (approval, {"project": a}, "Puedes elegir como máximo 3 proyectos (llevas 4)."),
        (choose, {"project": c[:2]}, "Elige exactamente un proyecto."),
        (points, {f"points-{p[0]}": "4", f"points-{p[1]}": "3"}, "Repartiste 7 puntos"),
        (points, {f"points-{p[0]}": "6"}, "como máximo 5 puntos"),
        (ranked, {f"rank-{r[0]}": "1", f"rank-{r[1]}": "1"}, "Varios proyectos tienen el lugar 1"),
        (ranked, {f"rank-{r[0]}": "2"}, "Falta el lugar 1"),
        (knapsack, {"project": [k[0], foreign]}, "no están en este presupuesto"),
        (approval, {"project": [a[0], a[1], a[0]]}, "Un proyecto aparece más de una vez"),
        (knapsack, {"project": [str(k[0]), f"00{k[0]}"]}, "Un proyecto aparece más de una vez"),
        (knapsack, {}, "Elige al menos un proyecto."),
        (knapsack, {"project": ""}, "La boleta contiene un proyecto no válido."),
        (knapsack, {"project": "-1"}, "La boleta contiene un proyecto no válido."),
        (knapsack, {"project": "1.5"}, "La boleta contiene un proyecto no válido."),
        (knapsack, {"project": "9" * 30}, "La boleta contiene un proyecto no válido."),
        (knapsack, {"project": "uno"}, "La boleta contiene un proyecto no válido."),
        (knapsack, {"project": "999999999"}, "no están en este presupuesto"),
        (points, {f"points-{p[0]}": "-2"}, "número entero de 0 a 5"),
        (points, {f"points-{p[0]}": "2.5"}, "número entero de 0 a 5"),
        (ranked, {f"rank-{r[0]}": "1e9"}, "El lugar de cada proyecto debe ser un número"),
    ]


@pytest.mark.parametrize("step", ["/revisar", "/confirmar"])
def test_ballots_that_break_a_rule_are_422_and_store_nothing(client, step):
    process = f.process(now_allows=("allows_vote",))
    cases = rule_cases(
        lambda kind, **rules: voting_budget(kind, process=process, **rules), f.project_ids
    )
    voter = Auth(client).login_as()
    # the voter already has a ballot in one budget: a refused change must leave it alone
    kept = cases[0][0]
    cast_ballot(kept, voter, f.project_ids(kept)[:1])
    db.session.commit()
    for budget, data, message in cases:
        with Unchanged():
            response = client.post(url(budget, step), data=MultiDict(_pairs(data)))
            page = refused(response, 422, message, "Tu voto no se guardó")
            assert 'data-testid="ballot-error"' in page


def _pairs(data: dict) -> list[tuple[str, str]]:
    pairs = []
    for name, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, str(item)))
    return pairs


def voting_phase_process(*, opens_in: timedelta) -> Process:
    """A process whose only voting phase starts ``opens_in`` from now (negative: it closed),
    with a proposals phase or a results phase now."""
    now = utcnow()
    process = processes.create_process(
        title="Proceso",
        slug=f"p-{abs(opens_in.days)}",
        description="",
        municipality="Santa Lucía",
        district_id=None,
        published=True,
    )
    if opens_in > timedelta(0):
        processes.add_phase(
            process,
            title="Propuestas",
            reason="Datos de prueba con historia",
            starts_at=now - timedelta(days=5),
            ends_at=now + opens_in,
            allows_propose=True,
        )
        processes.add_phase(
            process,
            title="Votación",
            reason="Datos de prueba con historia",
            starts_at=now + opens_in,
            ends_at=now + opens_in * 2,
            allows_vote=True,
        )
    else:
        processes.add_phase(
            process,
            title="Votación",
            reason="Datos de prueba con historia",
            starts_at=now + opens_in * 2,
            ends_at=now + opens_in,
            allows_vote=True,
        )
        processes.add_phase(
            process,
            title="Resultados",
            reason="Datos de prueba con historia",
            starts_at=now + opens_in,
            ends_at=now + timedelta(days=30),
            shows_results=True,
        )
    return process


@pytest.mark.parametrize(
    "opens_in", [timedelta(days=3), timedelta(days=-3)], ids=["before", "after"]
)
def test_ballots_outside_the_voting_phase_are_403(client, opens_in):
    budget = voting_budget(process=voting_phase_process(opens_in=opens_in))
    Auth(client).login_as()
    ids = f.project_ids(budget)
    for step in ("/revisar", "/confirmar"):
        with Unchanged():
            response = client.post(url(budget, step), data={"project": ids[:1]})
            refused(response, 403, "La votación no está abierta.")
    page = client.get(url(budget))  # the ballot page sends back to the budget, saying why
    assert page.status_code == 302
    assert "La votación no está abierta." in body(client.get(page.headers["Location"]))


def test_a_proposal_sent_outside_the_proposal_phase_is_403(client):
    process = f.process(now_allows=("allows_support",))
    Auth(client).login_as()
    form = {
        "title": "Una banca nueva para la plaza",
        "category": "espacio-publico",
        "body": "Una banca a la sombra para las personas mayores que esperan el camión.",
        "district_id": 0,
    }
    with Unchanged():
        response = client.post(f"/procesos/{process.slug}/propuestas/nueva", data=form)
    refused(response, 403, "Este proceso no recibe propuestas en esta fase.")


def test_a_budget_of_another_district_is_refused_when_the_scope_forbids_it(client):
    centro, norte = District(name="Centro"), District(name="Norte")
    db.session.add_all([centro, norte])
    db.session.flush()
    own = f.process(now_allows=("allows_vote",))
    own.vote_scope = VoteScope.OWN
    north_budget = voting_budget(process=own, district_id=norte.id)
    one = f.process(now_allows=("allows_vote",))
    one.vote_scope = VoteScope.ONE
    first = voting_budget(process=one, district_id=centro.id)
    second = voting_budget(process=one, district_id=norte.id)
    voter = Auth(client).login_as(district_id=centro.id)
    with Unchanged():
        response = client.post(
            url(north_budget, "/confirmar"), data={"project": f.project_ids(north_budget)[:1]}
        )
        refused(response, 403, "Solo puedes votar en los presupuestos de tu distrito (Centro).")
    assert (
        client.post(
            url(first, "/confirmar"), data={"project": f.project_ids(first)[:1]}
        ).status_code
        == 303
    )
    with Unchanged():
        response = client.post(
            url(second, "/confirmar"), data={"project": f.project_ids(second)[:1]}
        )
        refused(response, 403, f"Ya votaste en «{first.title}»")
    voted_in = db.session.scalars(select(Ballot.budget_id).where(Ballot.user_id == voter.id))
    assert voted_in.all() == [first.id]  # the one accepted confirmation, in its own district


def test_a_second_confirmation_replaces_the_ballot_never_adds_one(client):
    budget = voting_budget(BallotType.APPROVAL)
    p1, p2, *_ = f.project_ids(budget)
    voter = Auth(client).login_as()
    for selection in ([p1], [p1], [p2]):
        assert (
            client.post(url(budget, "/confirmar"), data={"project": selection}).status_code == 303
        )
    (ballot,) = db.session.scalars(select(Ballot).where(Ballot.user_id == voter.id)).all()
    assert selected_ids(ballot) == [p2]
    assert snapshot()["ballot_items"] == 1


def test_an_online_ballot_after_a_paper_one_is_409(client):
    db.session.add(District(name="Centro"))
    db.session.flush()
    importing.import_census(f"{ANA},1985-01-01,Centro\n")
    process = f.with_booths(f.process(now_allows=("allows_vote",)))
    budget = voting_budget(BallotType.APPROVAL, process=process)
    voter = Auth(client).login_as()
    verification.verify(voter, ANA, date(1985, 1, 1))
    officing.record_paper_ballot(f.user(Role.OFFICER), budget, ANA, f.project_ids(budget)[:1])
    db.session.commit()
    with Unchanged():
        response = client.post(
            url(budget, "/confirmar"), data={"project": f.project_ids(budget)[1:2]}
        )
        refused(response, 409, "Ya votaste en persona en este presupuesto.")


def test_a_budget_under_another_process_is_404(client):
    budget = voting_budget()
    other = f.process(now_allows=("allows_vote",))
    db.session.commit()
    Auth(client).login_as()
    with Unchanged():
        for step in ("/revisar", "/confirmar"):
            response = client.post(
                f"/procesos/{other.slug}/presupuestos/{budget.id}/boleta{step}",
                data={"project": f.project_ids(budget)[:1]},
            )
            refused(response, 404, "No encontramos esta página")


def test_a_post_without_its_csrf_token_is_400(app, client):
    budget = voting_budget()
    Auth(client).login_as()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        with Unchanged():
            response = client.post(
                url(budget, "/confirmar"), data={"project": f.project_ids(budget)[:1]}
            )
            refused(response, 400, "La solicitud no es válida")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# --- ids in URLs ----------------------------------------------------------------------------

BAD_URL_IDS = [
    "abc",
    "-1",
    "1.5",
    "0",
    "2147483647",
    "2147483648",
    "9" * 30,
    "%C2%B2",
    "1e3",
    "0x1f",
]


def _routes_with_ids(app: Flask) -> list[tuple[str, str, list[str]]]:
    routes = []
    for rule in app.url_map.iter_rules():
        ints = [
            name for name, conv in rule._converters.items() if type(conv).__name__ == "BoundedInt"
        ]
        if not ints or rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((rule.rule, method, ints))
    return routes


def test_every_route_answers_a_malformed_id_with_a_4xx(app, client):
    """Every route with an ``<int:...>`` part, as an administrator (who may reach them
    all), with each bad id: a 404 (or the route's own 4xx), never a 500, nothing stored."""
    process = f.process(now_allows=("allows_vote",))
    voting_budget(process=process)
    Auth(client).login_as(Role.ADMIN)
    routes = _routes_with_ids(app)
    assert len(routes) > 20
    with Unchanged():
        for rule, method, ints in routes:
            for bad in BAD_URL_IDS:
                path = rule
                for conv, args, name in re.findall(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>", rule):
                    if name in ints:
                        value = bad
                    elif conv == "any":
                        value = args.split(",")[0].strip()
                    else:
                        value = process.slug if name == "slug" else "x.png"
                    path = re.sub(rf"<[^>]*\b{name}>", value, path, count=1)
                assert "<" not in path, path
                response = client.open(path, method=method, data={})
                assert 400 <= response.status_code < 500, (method, path, response.status_code)


def test_html_405_says_which_methods_are_allowed(client):
    response = client.delete("/")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert "Esta acción no está disponible así" in body(response)


# --- NUL characters (PostgreSQL cannot store them) -------------------------------------------

NUL_MESSAGE = "contiene un carácter nulo, que no es texto"


def test_a_nul_character_anywhere_is_a_400_that_says_so(client):
    item, process = execution_item()
    Auth(client).login_as(Role.ADMIN)
    base = f"/admin/procesos/{process.id}/seguimiento/{item.id}"
    status_id = str(execution_statuses.statuses(process)[0].id)
    requests = [
        ("GET", f"/procesos/{process.slug}/propuestas/?q=a%00b", None),
        ("GET", "/procesos/a%00b", None),
        ("POST", base, {"status_id": status_id, "office": "Obras\x00", "code": "A1"}),
        ("POST", base, {"status_id": status_id, "office": "Obras", "code": "A\x00"}),
        ("POST", f"{base}/hitos", {"happened_on": "2026-01-01", "text": "Avance\x00 de obra"}),
        ("POST", f"{base}/partes", {"title": "Parte\x00", "budgeted": "1"}),
        ("POST", f"{base}/partes", {"title\x00": "Parte", "budgeted": "1"}),
        ("POST", "/entrar", {"email": "a\x00@b.c", "password": "x"}),
    ]
    with Unchanged():
        for method, path, data in requests:
            response = client.open(path, method=method, data=data)
            refused(response, 400, NUL_MESSAGE, "La solicitud no es válida")
    # the API answers its own way: a documented 422 in JSON
    api = client.get(f"/api/v1/processes/{process.slug}/proposals?q=a%00")
    assert api.status_code == 422 and api.is_json


# --- bodies above the request limit ---------------------------------------------------------

TOO_BIG = 3 * 1024 * 1024  # the site-wide limit is 2 MB


def too_big(status_page) -> None:
    refused(status_page, 413, "El envío es demasiado grande")


def test_a_ballot_larger_than_the_request_limit_is_413(client):
    budget = voting_budget()
    Auth(client).login_as()
    with Unchanged():
        for step in ("/revisar", "/confirmar"):
            data = {"project": [str(f.project_ids(budget)[0])], "relleno": "x" * TOO_BIG}
            too_big(client.post(url(budget, step), data=data))


def test_uploads_larger_than_their_limit_are_413(client):
    budget = voting_budget()
    process = budget.process
    Auth(client).login_as(Role.ADMIN)
    big_csv = b"documento,fecha_nacimiento,distrito\n" + b"A" * TOO_BIG
    with Unchanged():
        too_big(
            client.post(
                "/admin/padron",
                data={"file": (io.BytesIO(big_csv), "padron.csv")},
                content_type="multipart/form-data",
            )
        )
        too_big(
            client.post(
                f"/casilla/{budget.id}/lote",
                data={"file": (io.BytesIO(big_csv), "lote.csv")},
                content_type="multipart/form-data",
            )
        )
        too_big(client.post(f"/casilla/{budget.id}/lote", data={"text": "x" * TOO_BIG}))
        too_big(
            client.post(
                f"/admin/procesos/{process.id}/seguimiento/csv",
                data={"file": (io.BytesIO(big_csv), "avance.csv")},
                content_type="multipart/form-data",
            )
        )
        too_big(client.post("/entrar", data={"email": "a@b.c", "password": "x" * TOO_BIG}))


def test_a_milestone_photo_above_its_limits(client):
    item, process = execution_item()
    Auth(client).login_as(Role.ADMIN)
    target = f"/admin/procesos/{process.id}/seguimiento/{item.id}/hitos"

    def post(photo: bytes, name: str = "f.png"):
        return client.post(
            target,
            data={
                "happened_on": "2026-03-03",
                "text": "Avance",
                "photo": (io.BytesIO(photo), name),
            },
            content_type="multipart/form-data",
        )

    def photos() -> set[str]:
        return set(storage().keys(milestones.PHOTO_DIR))

    stored_photos = photos()
    with Unchanged():
        too_big(post(PNG + bytes(6 * 1024 * 1024)))  # above the form's own request limit
        refused(post(PNG + bytes(milestones.MAX_PHOTO_BYTES)), 422, "como máximo 5 MB")
        refused(post(b"GIF89a" + bytes(100)), 422, "no es una imagen JPG, PNG o WebP")
        refused(post(PNG, "f.gif"), 422, "La foto debe ser JPG, PNG o WebP.")
        refused(post(JPEG, "f.png"), 422, "no es una imagen JPG, PNG o WebP válida")
    assert photos() == stored_photos


def execution_item() -> tuple[ExecutionItem, Process]:
    process = f.process(slug="obras")
    budget = f.budget(process, amount=1000, costs=(600, 400))
    publish(budget, f.projects(budget))
    items = execution_items.items_from_results(process, f.admin())
    db.session.commit()
    return items[0], process


# --- malformed CSV files ----------------------------------------------------------------------

BINARY = PNG + bytes(range(256)) * 4
CENSUS_HEADER = "documento,fecha_nacimiento,distrito\n"
CONTROL = f"{CENSUS_HEADER}{ANA},1985-01-01,Cen\x1btro\n"  # an escape: not text
NOT_TEXT = (None, "no es un archivo CSV de texto")


def upload(client, target: str, data: bytes, name: str = "archivo.csv"):
    return client.post(
        target, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


CENSUS_CASES = [
    # (file content, [(line or None, what the page says about it)])
    (f"curp,nacimiento,colonia\n{ANA},1985-01-01,Centro\n".encode(), [(1, "encabezado")]),
    (
        f"documento|fecha_nacimiento|distrito\n{ANA}|1985-01-01|Centro\n".encode(),
        [(1, "Separa las columnas con comas")],
    ),
    (
        f"{ANA}|1985-01-01|Centro\n{LUIS}|1990-02-15|Centro\n".encode(),
        [(1, "Separa las columnas con comas"), (2, "Separa las columnas con comas")],
    ),
    (BINARY, [NOT_TEXT]),
    (CONTROL.encode(), [(2, "caracteres de control")]),
    (b"", [(None, "vacío")]),
    (b"\n\n  \n", [(None, "vacío")]),
    (CENSUS_HEADER.encode(), [(None, "no tiene filas")]),
    (f"{CENSUS_HEADER}{ANA},1985-01-01,Centro,extra\n".encode(), [(2, "Tiene 4 columnas")]),
    (f"{CENSUS_HEADER}{ANA},1985-01-01,{'Centro' * 400}\n".encode(), [(2, "demasiado larga")]),
    (f'{CENSUS_HEADER}{ANA},"1985-01-01,Centro\n'.encode(), [(2, "comillas sin cerrar")]),
    (f"{CENSUS_HEADER}{ANA},01/01/1985,Centro\n".encode(), [(2, "AAAA-MM-DD")]),
    (f"{CENSUS_HEADER}{ANA},1985-01-01,Atlántida\n".encode(), [(2, "no existe")]),
    (
        f"{CENSUS_HEADER}{ANA},1985-01-01,Centro\n{ANA},1985-01-01,Centro\n".encode(),
        [(3, "línea 2")],
    ),
]


@pytest.mark.parametrize(("data", "expected"), CENSUS_CASES)
def test_malformed_census_files_are_422_and_import_nothing(client, data, expected):
    db.session.add(District(name="Centro"))
    Auth(client).login_as(Role.ADMIN)
    with Unchanged():
        refused_file(upload(client, "/admin/padron", data), expected)


def test_census_pasted_with_a_control_character_is_refused(client):
    db.session.add(District(name="Centro"))
    Auth(client).login_as(Role.ADMIN)
    with Unchanged():
        response = client.post("/admin/padron", data={"text": CONTROL})
        refused_file(response, [(2, "caracteres de control")])
        response = client.post("/admin/padron", data={"text": CONTROL.replace("\x1b", "\x00")})
        refused(response, 400, NUL_MESSAGE)


def test_census_in_latin_1_or_with_a_bom_is_read_and_says_so(client):
    db.session.add(District(name="Peñasco"))
    Auth(client).login_as(Role.ADMIN)
    latin = f"{CENSUS_HEADER}{ANA},1985-01-01,Peñasco\n".encode("latin-1")
    response = upload(client, "/admin/padron", latin)
    assert response.status_code == 303, body(response)[:2000]
    page = body(client.get(response.headers["Location"]))
    assert "no estaba en UTF-8" in page and "1 documentos nuevos" in page
    bom = "\ufeff" + f"{CENSUS_HEADER}{LUIS},1990-02-15,Peñasco\n"
    response = upload(client, "/admin/padron", bom.encode("utf-8"))
    assert response.status_code == 303
    page = body(client.get(response.headers["Location"]))
    assert "no estaba en UTF-8" not in page and "1 documentos nuevos" in page
    assert snapshot()["census_entries"] == 2
    district = db.session.scalar(select(District.id).where(District.name == "Peñasco"))
    assert verification.census_entry(ANA).district_id == district


def booth(client):
    db.session.add(District(name="Centro"))
    db.session.flush()
    importing.import_census(f"{ANA},1985-01-01,Centro\n{LUIS},1990-02-15,Centro\n")
    process = f.with_booths(f.process(now_allows=("allows_vote",)))
    budget = voting_budget(BallotType.APPROVAL, process=process)
    Auth(client).login_as(Role.OFFICER)
    return budget, f.project_ids(budget)


def booth_cases(p: list[int]) -> list[tuple[bytes, list[tuple[int | None, str]]]]:
    return [
        (f"curp,votos\n{ANA},{p[0]}\n".encode(), [(1, "encabezado")]),
        (f"documento;proyectos\n{ANA};{p[0]}\n".encode(), [(1, "encabezado")]),
        (
            f"{ANA};{p[0]}\n{LUIS};{p[1]}\n".encode(),
            [(1, "Separa el documento y los proyectos con una coma"), (2, "con una coma")],
        ),
        (BINARY, [NOT_TEXT]),
        (f"{ANA},{p[0]}\x07\n".encode(), [(1, "caracteres de control")]),
        (f"{ANA},{p[0]}\x00\n".encode(), [NOT_TEXT]),
        (b"", [(None, "No hay boletas")]),
        (f"{ANA},{p[0]},1,extra\n".encode(), [(1, "Tiene 4 columnas")]),
        (f"{ANA},{' '.join([str(p[0])] * 1000)}\n".encode(), [(1, "demasiado larga")]),
        (f"{ANA},{p[0]} uno\n".encode(), [(1, "«uno» no es un número de proyecto")]),
        (f"{ANA},{p[0]} 999999999\n".encode(), [(1, "no están en este presupuesto")]),
        (f"{ANA},{p[0]} {p[0]}\n".encode(), [(1, "más de una vez")]),
        (f"{ANA},{p[0]},2\n".encode(), [(1, "no lleva puntos")]),
    ]


def test_malformed_booth_bulk_files_are_422_and_record_nothing(client):
    budget, ids = booth(client)
    target = f"/casilla/{budget.id}/lote"
    for data, expected in booth_cases(ids):
        with Unchanged():
            refused_file(upload(client, target, data), expected)
    with Unchanged():  # pasted, not uploaded
        response = client.post(target, data={"text": f"curp,votos\n{ANA},{ids[0]}\n"})
        refused_file(response, [(1, "encabezado")])


def test_booth_bulk_in_latin_1_or_with_a_bom_is_read_and_says_so(client):
    budget, ids = booth(client)
    bom = b"\xef\xbb\xbf" + f"documento,proyectos\n{ANA},{ids[0]}\n".encode()
    response = upload(client, f"/casilla/{budget.id}/lote", bom)
    assert response.status_code == 200 and "Se registraron 1 boletas" in body(response)
    assert "no estaba en UTF-8" not in body(response)
    latin = f"documento,proyectos\n{LUIS},{ids[1]}\n# año\n".encode("cp1252")
    response = upload(client, f"/casilla/{budget.id}/lote", latin)
    assert "no estaba en UTF-8" in body(response)
    assert snapshot()["ballots"] == 2


def test_malformed_follow_up_csv_is_422_and_changes_nothing(client):
    item, process = execution_item()
    Auth(client).login_as(Role.ADMIN)
    target = f"/admin/procesos/{process.id}/seguimiento/csv"
    cases = [
        (b"clave_municipal,avance\nA1,50\n", [(1, "columna desconocida")]),
        (f"id|progress\n{item.id}|50\n".encode(), [(1, "Separa las columnas con comas")]),
        (BINARY, [NOT_TEXT]),
        (f"id,office\n{item.id},Obras\x0c\n".encode(), [(2, "caracteres de control")]),
        (f"id,office\n{item.id},Obras\x00\n".encode(), [NOT_TEXT]),
        (b"", [(None, "vacío")]),
        (b"id,progress\n", [(None, "no tiene filas")]),
        (f"id,progress\n{item.id},50,extra\n".encode(), [(2, "más celdas")]),
        (f"id,office\n{item.id},{'Obras' * 300}\n".encode(), [(2, "demasiado larga")]),
        (f"id,progress\n{item.id},150\n".encode(), [(2, "fuera de 0 a 100")]),
        (f"id,progress\n{item.id},-5\n".encode(), [(2, "no es un número entero")]),
        (f"id,progress\n{item.id},50\n{item.id},60\n".encode(), [(3, "ya aparece")]),
        (b"id,progress\n999999999999999999999,5\n", [(2, "no hay un elemento")]),
    ]
    for data, expected in cases:
        with Unchanged():
            refused_file(upload(client, target, data), expected)
    latin = f"id,office\n{item.id},Obras Públicas\n".encode("latin-1")
    response = upload(client, target, latin)
    assert response.status_code == 303
    assert "no estaba en UTF-8" in body(client.get(response.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(ExecutionItem, item.id).office == "Obras Públicas"


# --- malformed Pabulib files ------------------------------------------------------------------


def session_counts() -> dict[str, int]:
    """Row counts as the session sees them (pending changes flushed)."""
    return {
        table.name: db.session.execute(select(func.count()).select_from(table)).scalar_one()
        for table in db.metadata.sorted_tables
    }


def import_file(tmp_path, content: str | bytes):
    path = tmp_path / "archivo.pb"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return import_pb(read(path))


def test_a_good_pb_file_imports(ctx, tmp_path):
    """The base of the malformed files below is itself good, so each refusal is due to
    its one change."""
    report = import_file(tmp_path, pb_text())
    assert report.ballots == 3 and len(report.budget.projects) == 3
    cumulative = import_file(tmp_path, pb_text(cumulative=True, extra="max_sum_points;5\n"))
    assert cumulative.ballots == 3


def _lines(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if line.startswith(start))


GOOD = pb_text()
PARSE_CASES = [
    # (file content, line, words of the message)
    (GOOD[: GOOD.index("VOTES")], _lines(GOOD, "c;200"), "ends before the VOTES section"),
    (GOOD[: GOOD.index("v2;")] + "v2;b,", _lines(GOOD, "v2;"), "empty item"),
    (
        GOOD.replace("PROJECTS\n", "COMENTARIOS\nnota;x\nPROJECTS\n"),
        _lines(GOOD, "PROJECTS"),
        "META row has 1 field, the header has 2",
    ),
    (GOOD.replace("b;300;", "b;3OO;"), _lines(GOOD, "b;300"), "cost must be a whole number"),
    (GOOD.replace("budget;1000", "budget;mil"), _lines(GOOD, "budget;"), "budget must be"),
    (GOOD.replace("b;300;", "b;-300;"), _lines(GOOD, "b;300"), "must not be negative"),
    (GOOD.replace("v2;b,c", "v2;b,z"), _lines(GOOD, "v2;"), "unknown project 'z'"),
    (GOOD.replace("c;200;", "a;200;"), _lines(GOOD, "c;200"), "duplicate project_id 'a'"),
    (GOOD.replace("v3;", "v1;"), _lines(GOOD, "v3;"), "duplicate voter_id 'v1'"),
    (
        GOOD.replace("vote_type;approval", "vote_type;quadratic"),
        _lines(GOOD, "vote_type"),
        "unknown vote_type 'quadratic'",
    ),
    (GOOD.replace("a;400;Parque", 'a;400;"Parque'), _lines(GOOD, "a;400"), "quoting"),
    ("", 1, "empty file"),
]


@pytest.mark.parametrize(("content", "line", "words"), PARSE_CASES)
def test_malformed_pb_files_are_refused_with_their_line(ctx, tmp_path, content, line, words):
    before = session_counts()
    with pytest.raises(PbError) as refusal:
        import_file(tmp_path, content)
    assert refusal.value.line == line, str(refusal.value)
    assert words and words in str(refusal.value) and str(refusal.value).startswith(f"line {line}: ")
    assert session_counts() == before


def test_a_pb_file_that_is_not_utf8_names_its_line(ctx, tmp_path):
    before = session_counts()
    with pytest.raises(PbError) as refusal:
        import_file(tmp_path, GOOD.encode("latin-1"))  # "Santa Lucía" in Latin-1
    assert refusal.value.line == _lines(GOOD, "unit;") and "not UTF-8" in str(refusal.value)
    assert session_counts() == before


IMPORT_CASES = [
    (pb_text(cost_a="1500"), "project 'a' costs 1500, more than the whole budget 1000"),
    (pb_text(cost_a="0"), "project 'a' costs 0"),
    (pb_text(cost_a="99999999999999999999"), "cost of project 'a' must be a whole number"),
    (GOOD.replace("budget;1000", "budget;0"), "more than the whole budget 0"),
    (pb_text(extra="max_length;0\n"), "máximo de proyectos"),
    (pb_text(extra="min_length;dos\n"), "min_length must be a whole number"),
    (pb_text(extra="max_length;1e99\n"), "max_length must be a whole number"),
    (pb_text(cumulative=True).replace("type;cumulative", "type;scoring"), "cannot be imported"),
    (GOOD.replace("date_end;15.03.2026", "date_end;mañana"), "unreadable date"),
    (
        GOOD.replace("\na;", "\n" + "a" * 70 + ";").replace("v1;a,", "v1;" + "a" * 70 + ","),
        "longer",
    ),
    (GOOD.replace("v1;", "v" * 70 + ";"), "voter_id"),
    (pb_text(cumulative=True, extra="max_sum_points;5\n", points=("2,-1", "1,1", "3")), "points"),
]


@pytest.mark.parametrize(("content", "words"), IMPORT_CASES)
def test_pb_files_the_platform_cannot_hold_are_refused_whole(ctx, tmp_path, content, words):
    before = session_counts()
    with pytest.raises(DomainError) as refusal:
        import_file(tmp_path, content)
    assert words in refusal.value.message
    assert session_counts() == before  # nothing left in the session: not even the process


def test_pb_import_command_reports_the_line_and_stores_nothing(ctx, tmp_path):
    path = tmp_path / "roto.pb"
    path.write_text(GOOD.replace("v2;b,c", "v2;b,z"), encoding="utf-8")
    before = snapshot()
    result = ctx.test_cli_runner().invoke(args=["pb", "import", str(path)])
    assert result.exit_code == 1
    assert f"line {_lines(GOOD, 'v2;')}: vote names unknown project 'z'" in result.output
    path.write_text(pb_text(cost_a="1500"), encoding="utf-8")
    result = ctx.test_cli_runner().invoke(args=["pb", "import", str(path)])
    assert result.exit_code == 1 and "more than the whole budget" in result.output
    assert snapshot() == before


# --- the ballot service writes nothing before it refuses ----------------------------------------


@pytest.fixture
def refusals(ctx):
    """A voter with a confirmed ballot, and budgets of every type in an open process."""
    process = f.process(now_allows=("allows_vote",))
    kinds = {
        BallotType.APPROVAL: {"min_projects": 2, "max_projects": 3},
        BallotType.KNAPSACK: {"min_spend_percent": 30},
        BallotType.CHOOSE_1: {},
        BallotType.CUMULATIVE: {"max_points": 4, "max_total_points": 6, "min_points": 2},
        BallotType.ORDINAL: {"max_projects": 3},
    }
    budgets_by_kind = {k: voting_budget(k, process=process, **rules) for k, rules in kinds.items()}
    voter = f.user()
    for budget in budgets_by_kind.values():
        first = f.project_ids(budget)[:2] if budget.ballot_type == "approval" else None
        points = [2] if budget.ballot_type == "cumulative" else None
        cast_ballot(budget, voter, first or f.project_ids(budget)[:1], points)
    db.session.commit()
    return voter, budgets_by_kind


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_refused_ballot_writes_nothing(refusals, data):
    """Any selection (ids of the budget, of another budget, of none; repeated; points
    anywhere): either the service stores exactly it, or it refuses and the session holds
    the same rows as before (checked before any rollback)."""
    voter, budgets_by_kind = refusals
    budget = budgets_by_kind[data.draw(st.sampled_from(sorted(budgets_by_kind)))]
    other = next(b for b in budgets_by_kind.values() if b.id != budget.id)
    pool = [*f.project_ids(budget), f.project_ids(other)[0], 0, 2**31 - 1]
    selection = data.draw(st.lists(st.sampled_from(pool), max_size=5))
    points = data.draw(
        st.none() | st.lists(st.integers(-1, 7), min_size=len(selection), max_size=len(selection))
    )
    before = (session_counts(), ballot_rows_in_session())
    try:
        cast_ballot(budget, voter, selection, points)
    except DomainError as error:
        assert error.message.strip()
        assert (session_counts(), ballot_rows_in_session()) == before
    else:
        (ballot,) = [b for b in voter_ballots(voter) if b.budget_id == budget.id]
        assert sorted(selected_ids(ballot)) == sorted(selection)
    finally:
        db.session.rollback()


def ballot_rows_in_session() -> list[tuple]:
    return db.session.execute(
        select(
            Ballot.id,
            Ballot.receipt_hash,
            BallotItem.project_id,
            BallotItem.points,
            BallotItem.rank,
        )
        .join(BallotItem, BallotItem.ballot_id == Ballot.id, isouter=True)
        .order_by(Ballot.id, BallotItem.project_id)
    ).all()


def voter_ballots(voter) -> list[Ballot]:
    return db.session.scalars(select(Ballot).where(Ballot.user_id == voter.id)).all()
