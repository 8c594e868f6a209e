"""The action log reads as sentences: administrators filter it by process, person, kind
and dates, search it, page through it, download it as CSV and unfold each entry's changes;
the process page shows its latest configuration changes, crediting the right actor."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import datetime, timedelta

import pytest
from flask import current_app
from sqlalchemy import update

from participa import formatting
from participa.accounts.models import Role
from participa.audit.models import ActionLog
from participa.audit.services import acting_as, log
from participa.budgets import services as budget_services
from participa.db import utcnow
from participa.extensions import db
from participa.processes import services as process_services
from tests import factories as f

EN = {"Accept-Language": "en"}


@pytest.fixture
def admin(client, auth):
    person = f.admin()
    person.name = "María López"
    db.session.commit()
    auth.login(person)
    return person


def _extend(phase, actor, days: int) -> ActionLog:
    """An extension as the editing of phases logs it (before/after of its dates)."""
    before = {"title": phase.title, "ends_at": phase.ends_at.isoformat()}
    phase.ends_at = phase.ends_at + timedelta(days=days)
    after = {"title": phase.title, "ends_at": phase.ends_at.isoformat()}
    return log(
        "phase.updated",
        phase,
        actor=actor,
        process_id=phase.process_id,
        before=before,
        after=after,
        public=True,
    )


def _rows(page: str) -> int:
    return page.count('data-testid="log-entry"')


def test_the_log_reads_as_sentences_in_both_languages(client, admin):
    process = f.process()
    vote = process.phases[1]
    vote.title = "Votación"
    _extend(vote, admin, 5)
    db.session.commit()
    with current_app.test_request_context(headers=EN):
        day = formatting.date(vote.ends_at)  # in the municipality's time zone

    page = client.get("/admin/registro").text
    assert "María López extendió la fase «Votación» hasta el" in page
    assert f"creó el proceso «{process.title}»" in page
    assert "&#34;ends_at&#34;" not in page and '{"' not in page  # no raw JSON any more
    english = client.get("/admin/registro", headers=EN).text
    assert f"María López extended the phase “Votación” to {day}." in english


def test_the_changes_unfold_field_by_field(client, admin):
    process = f.process()
    budget = f.budget(process, amount=1000, costs=())
    budget_services.update_budget(
        budget, admin, title=budget.title, district_id=None, **_rules(budget, amount=2500)
    )
    db.session.commit()

    page = client.get("/admin/registro", query_string={"accion": "budget.updated"}).text
    assert _rows(page) == 1
    assert '<details class="log-diff"' in page
    assert '<tr data-testid="diff-row" data-field="amount">' in page
    diff = page[page.index('data-field="amount"') :]
    diff = diff[: diff.index("</tr>")]
    assert "Monto" in diff and "$1,000" in diff and "$2,500" in diff
    assert 'data-field="title"' not in page  # unchanged fields are left out


def _rules(budget, **changes):
    rules = {
        name: getattr(budget, name)
        for name in (
            "amount",
            "ballot_type",
            "min_projects",
            "max_projects",
            "min_spend_percent",
            "rule",
            "min_score",
            "min_points",
            "max_points",
            "max_total_points",
        )
    }
    return rules | changes


def test_filters_by_process_person_kind_and_dates(client, admin):
    one, two = f.process(), f.process()
    other = f.user(Role.MODERATOR)
    log("budget.updated", one, actor=other, process_id=one.id, after={"title": "Obras"})
    old = log("process.settings", two, actor=admin, process_id=two.id)
    db.session.flush()
    db.session.execute(
        update(ActionLog).where(ActionLog.id == old.id).values(created_at=datetime(2026, 1, 15, 18))
    )
    db.session.commit()
    total = db.session.query(ActionLog).count()

    assert _rows(client.get("/admin/registro").text) == total
    by_process = client.get("/admin/registro", query_string={"proceso": one.id}).text
    assert _rows(by_process) == 5 and f"«{one.title}»" in by_process  # created, 3 phases, budget
    assert f"«{two.title}»" not in by_process
    by_person = client.get("/admin/registro", query_string={"persona": other.id}).text
    assert _rows(by_person) == 1 and other.name in by_person
    system = client.get("/admin/registro", query_string={"persona": "sistema"}).text
    assert _rows(system) == total - 2  # the factories act as nobody
    by_kind = client.get("/admin/registro", query_string={"accion": "process.settings"}).text
    assert _rows(by_kind) == 1
    in_january = {"desde": "2026-01-15", "hasta": "2026-01-15"}
    assert _rows(client.get("/admin/registro", query_string=in_january).text) == 1
    assert _rows(client.get("/admin/registro", query_string={"hasta": "2026-01-14"}).text) == 0
    nothing = client.get("/admin/registro", query_string={"accion": "no.such"}).text
    assert "Ninguna acción coincide con el filtro." in nothing


def test_the_search_finds_people_kinds_and_values_with_accents(client, admin):
    process = f.process()
    process.phases[0].title = "Votación"
    log(
        "phase.deleted",
        process.phases[0],
        actor=admin,
        process_id=process.id,
        before={"title": "Votación", "ends_at": None},
    )
    log("census.import", "census_entries", actor=admin, after={"rows": 3})
    db.session.commit()

    assert _rows(client.get("/admin/registro?q=Votación").text) == 1
    assert _rows(client.get("/admin/registro?q=census").text) == 1
    assert _rows(client.get("/admin/registro?q=maría").text) == 2
    assert _rows(client.get("/admin/registro?q=100%25").text) == 0  # % is literal


def test_a_bad_date_is_shown_beside_its_field_and_kept(client, admin):
    response = client.get("/admin/registro?desde=2026-02-31&hasta=2026-01-01&q=fase")
    assert response.status_code == 422
    page = response.text
    assert 'data-testid="desde-error"' in page and "2026-12-20" in page
    assert 'value="2026-02-31"' in page and 'value="fase"' in page
    backwards = client.get("/admin/registro?desde=2026-02-01&hasta=2026-01-01")
    assert backwards.status_code == 422
    assert "no puede ser anterior a su inicio" in backwards.text
    assert client.get("/admin/registro?desde=1800-01-01").status_code == 422


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=100001",
        "page=abc",
        "proceso=abc",
        "proceso=-1",
        "persona=x",
        "persona=9999999999",
        "accion=" + "x" * 61,
    ],
)
def test_query_arguments_are_bounded(client, admin, query):
    assert client.get(f"/admin/registro?{query}").status_code == 400
    assert client.get(f"/admin/registro.csv?{query}").status_code in (200, 400)


def test_pagination(client, admin):
    process = f.process()
    for _ in range(55):
        log("process.settings", process, actor=admin, process_id=process.id)
    db.session.commit()
    total = db.session.query(ActionLog).count()
    first = client.get("/admin/registro").text
    assert _rows(first) == 50 and 'rel="next"' in first
    second = client.get("/admin/registro?page=2").text
    assert _rows(second) == total - 50
    assert _rows(client.get("/admin/registro?page=9").text) == 0


def test_csv_export_of_the_filtered_log(client, admin):
    process = f.process()
    trickster = f.user(Role.ADMIN)
    trickster.name = '=HYPERLINK("http://evil.example")'
    log(
        "process.settings",
        process,
        actor=trickster,
        process_id=process.id,
        before={"vote_scope": "all"},
        after={"vote_scope": "own"},
    )
    log("census.import", "census_entries", actor=admin, after={"rows": 3})
    db.session.commit()

    response = client.get("/admin/registro.csv", query_string={"proceso": process.id})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "registro-de-acciones.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8"))))
    assert len(rows) == 5  # created, three phases, settings; not the census
    settings = rows[0]
    assert settings["action"] == "process.settings"
    assert settings["actor"].startswith("'=HYPERLINK")  # a spreadsheet shows it as text
    assert settings["description"].startswith("'=HYPERLINK")
    assert "cambió los ajustes de votación" in settings["description"]
    assert settings["after"] == '{"vote_scope": "own"}'
    assert settings["actor_email"] == trickster.email
    assert settings["process"] == process.title
    assert rows[-1]["action"] == "process.created" and rows[-1]["actor"] == "El sistema"
    english = client.get("/admin/registro.csv", query_string={"proceso": process.id}, headers=EN)
    assert "changed the voting settings" in english.data.decode("utf-8")
    excel = client.get("/admin/registro.csv", query_string={"proceso": process.id, "excel": 1})
    assert excel.data == codecs.BOM_UTF8 + response.data


def test_the_csv_holds_every_batch(client, admin, monkeypatch):
    from participa.admin import action_log

    monkeypatch.setattr(action_log, "CSV_BATCH", 4)
    process = f.process()
    for _ in range(6):
        log("process.settings", process, actor=admin, process_id=process.id)
    db.session.commit()
    body = client.get("/admin/registro.csv").data.decode("utf-8")
    ids = [int(row["id"]) for row in csv.DictReader(io.StringIO(body))]
    assert len(ids) == db.session.query(ActionLog).count() == len(set(ids))
    assert ids == sorted(ids, reverse=True)


# ── the process page ────────────────────────────────────────────────────────────────────


def test_the_process_page_shows_the_latest_changes_and_links_to_all(client, auth):
    admin = f.admin()
    admin.name = "María López"
    process = f.process()  # created and three phases, by nobody (the system)
    vote = process.phases[1]
    vote.title = "Votación"
    for days in (1, 2, 3):
        _extend(vote, admin, days)
    process_services.close_phase_now(vote, admin)
    log("census.import", "census_entries", actor=admin, after={"rows": 3})  # not public
    db.session.commit()

    page = client.get(f"/procesos/{process.slug}").text
    assert page.count('data-testid="public-log-entry"') == 5
    assert "La administración cerró la fase «Votación» antes de su fecha." in page
    assert "La administración extendió la fase «Votación» hasta el" in page
    assert "María López" not in page  # no person is named in public
    assert f'href="/procesos/{process.slug}/cambios"' in page
    assert "Ver todos los cambios (8)" in page

    everything = client.get(f"/procesos/{process.slug}/cambios").text
    assert everything.count('data-testid="public-log-entry"') == 8
    assert f"El sistema creó el proceso «{process.title}»." in everything
    assert "padrón" not in everything
    english = client.get(f"/procesos/{process.slug}/cambios", headers=EN).text
    assert "The administration closed the phase “Votación” before its date." in english
    assert client.get(f"/procesos/{process.slug}/cambios?page=0").status_code == 400
    assert client.get("/procesos/no-such/cambios").status_code == 404


def test_a_short_history_has_no_link_to_more(client):
    process = process_services.create_process(
        title="Corto",
        slug="corto",
        description="",
        municipality="X",
        district_id=None,
        published=True,
    )
    db.session.commit()
    page = client.get(f"/procesos/{process.slug}").text
    assert page.count('data-testid="public-log-entry"') == 1
    assert "/cambios" not in page


def test_seeding_and_commands_are_credited_to_them_not_to_an_administrator(client, auth):
    admin = f.admin()
    admin.name = "Dirección de Participación"
    with acting_as("demo"):
        process = process_services.create_process(
            title="Demo",
            slug="demo",
            description="",
            municipality="X",
            district_id=None,
            published=True,
        )
        budget_services.create_budget(process, title="Fondo", amount=1000, actor=admin)
    with acting_as("cli"):
        process_services.add_phase(
            process,
            title="Ideas",
            starts_at=utcnow() + timedelta(days=1),
            ends_at=utcnow() + timedelta(days=5),
        )
    db.session.commit()
    assert {e.origin for e in db.session.query(ActionLog)} == {"demo", "cli"}

    page = client.get("/procesos/demo").text
    assert "La carga de datos de demostración creó el proceso «Demo»." in page
    assert "La carga de datos de demostración creó el presupuesto «Fondo»" in page
    assert "Un comando de la línea de comandos agregó la fase «Ideas»" in page
    auth.login(admin)
    staff = client.get("/admin/registro").text
    assert "Dirección de Participación creó" not in staff
    assert "La carga de datos de demostración creó el presupuesto «Fondo»" in staff
    with pytest.raises(ValueError), acting_as("someone"):
        pass


def test_the_calendar_is_credited_with_the_phases_it_opens(client):
    process = f.process()
    log(
        "phase.opened",
        process.phases[1],
        process_id=process.id,
        public=True,
        after={"title": "Ahora", "at": utcnow().isoformat()},
    )
    db.session.commit()
    page = client.get(f"/procesos/{process.slug}").text
    assert "El calendario automático abrió la fase «Ahora»." in page


def test_a_process_imported_from_the_command_line_is_credited_to_it(ctx, client, tmp_path):
    from tests.support.pabulib import pb_text

    path = tmp_path / "eleccion.pb"
    path.write_text(pb_text(), encoding="utf-8")
    result = ctx.test_cli_runner().invoke(args=["pb", "import", str(path), "--slug", "pb"])
    assert result.exit_code == 0, result.output
    entries = db.session.query(ActionLog).all()
    assert entries and {e.origin for e in entries} == {"cli"}
    page = client.get("/procesos/pb").text
    assert "Un comando de la línea de comandos creó el proceso" in page


def test_a_phase_opened_or_closed_by_hand_keeps_the_name_it_had(client):
    admin = f.admin()
    process = f.process()
    now, future = process.phases[1], process.phases[2]
    now.title = "Votación"
    process_services.close_phase_now(now, admin)
    process_services.open_phase_now(future, admin)
    db.session.flush()
    now.title, future.title = "Otro nombre", "Tampoco"  # renamed later
    db.session.commit()
    page = client.get(f"/procesos/{process.slug}").text
    assert "La administración cerró la fase «Votación» antes de su fecha." in page
    assert "La administración abrió la fase «Después» antes de su fecha" in page
