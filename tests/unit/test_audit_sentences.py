# ruff: noqa: E501 - the expected sentences, one a line
"""Each kind of action in the log reads as one sentence, in Spanish and in English, built at
display time from what was stored; a kind without a sentence of its own still reads well."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from participa.audit.labels import KIND_LABELS, kind_label
from participa.audit.models import ActionLog
from participa.audit.names import Names
from participa.audit.phrasebook import SENTENCES
from participa.audit.sentences import actor_label, changes, sentence

NAMES = Names(
    titles={
        ("users", 1): "María López",
        ("users", 2): "Juan Pérez",
        ("users", 3): "Rosa Díaz",
        ("phases", 10): "Votación",
        ("budgets", 20): "Obras del Centro",
        ("proposals", 30): "Bancas en la plaza",
        ("execution_items", 40): "Parque lineal",
        ("execution_statuses", 50): "En obra",
        ("processes", 60): "Presupuesto 2026",
    },
    currencies={20: "MXN"},
)


def entry(
    action: str,
    target_type: str,
    target_id: int | None = None,
    *,
    actor_id=1,
    origin=None,
    before=None,
    after=None,
) -> ActionLog:
    return ActionLog(
        action=action,
        target_type=target_type,
        target_id=target_id,
        actor_id=actor_id,
        origin=origin,
        before=before,
        after=after,
    )


def in_process(logged: ActionLog, process_id: int) -> ActionLog:
    logged.process_id = process_id
    return logged


PHASE = {
    "title": "Votación",
    "starts_at": "2026-12-01T06:00:00",
    "ends_at": "2026-12-20T06:00:00",
    "allows_propose": False,
    "allows_support": False,
    "allows_comment": True,
    "allows_vote": True,
    "shows_vote_counts": False,
    "shows_results": False,
}
BUDGET = {
    "title": "Obras del Centro",
    "amount": 1_500_000,
    "currency": "MXN",
    "district_id": None,
    "ballot_type": "knapsack",
    "min_projects": 0,
    "max_projects": None,
    "min_spend_percent": 0,
    "min_points": 0,
    "max_points": None,
    "max_total_points": None,
    "rule": "greedy",
    "min_score": None,
}
SETTINGS = {
    "vote_scope": "all",
    "verification_to_vote": False,
    "verification_to_propose": False,
    "in_person_voting": False,
}

#: kind -> the entry as the code logs it
CASES: dict[str, ActionLog] = {
    "process.created": entry(
        "process.created",
        "processes",
        60,
        after={
            "title": "Presupuesto 2026",
            "slug": "p-2026",
            "municipality": "Santa Lucía",
            "district_id": None,
        },
    ),
    "process.settings": entry(
        "process.settings",
        "processes",
        60,
        before=SETTINGS,
        after={**SETTINGS, "vote_scope": "own", "verification_to_vote": True},
    ),
    "process.support_threshold": entry(
        "process.support_threshold",
        "processes",
        60,
        before={"support_threshold": None},
        after={"support_threshold": 25},
    ),
    "phase.added": entry("phase.added", "phases", 10, after=PHASE),
    "phase.deleted": entry("phase.deleted", "phases", 11, before={**PHASE, "title": "Apoyos"}),
    "phase.opened": entry(
        "phase.opened",
        "phases",
        10,
        actor_id=None,
        after={"title": "Votación", "at": "2026-12-01T06:00:00"},
    ),
    "phase.closed": entry(
        "phase.closed",
        "phases",
        10,
        actor_id=None,
        after={"title": "Votación", "at": "2026-12-20T06:00:00"},
    ),
    "phase.opened_by_hand": entry(
        "phase.opened_by_hand",
        "phases",
        10,
        before={"starts_at": "2026-12-05T06:00:00", "ends_at": "2026-12-20T06:00:00"},
        after={"starts_at": "2026-12-02T18:00:00", "ends_at": "2026-12-20T06:00:00"},
    ),
    "phase.closed_by_hand": entry(
        "phase.closed_by_hand",
        "phases",
        10,
        before={"starts_at": "2026-12-01T06:00:00", "ends_at": "2026-12-20T06:00:00"},
        after={"starts_at": "2026-12-01T06:00:00", "ends_at": "2026-12-10T18:00:00"},
    ),
    "voting.reopened": entry(
        "voting.reopened",
        "processes",
        60,
        after={"starts_at": "2026-12-22T06:00:00", "reason": "Falla del servidor"},
    ),
    "budget.created": entry("budget.created", "budgets", 20, after=BUDGET),
    "budget.updated": entry(
        "budget.updated", "budgets", 20, before=BUDGET, after={**BUDGET, "amount": 2_000_000}
    ),
    "budget.archived": entry(
        "budget.archived",
        "budgets",
        20,
        before={"title": "Obras del Centro", "archived_at": None},
        after={"title": "Obras del Centro", "archived_at": "2026-11-02T17:00:00"},
    ),
    "budget.restored": entry(
        "budget.restored",
        "budgets",
        20,
        before={"title": "Obras del Centro", "archived_at": "2026-11-02T17:00:00"},
        after={"title": "Obras del Centro", "archived_at": None},
    ),
    "project.withdrawn": entry(
        "project.withdrawn",
        "projects",
        70,
        before={"title": "Luminarias", "archived_at": None},
        after={"title": "Luminarias", "archived_at": "2026-11-02T17:00:00"},
    ),
    "project.restored": entry(
        "project.restored",
        "projects",
        70,
        before={"title": "Luminarias", "archived_at": "2026-11-02T17:00:00"},
        after={"title": "Luminarias", "archived_at": None},
    ),
    "project.created": entry(
        "project.created",
        "projects",
        70,
        after={"title": "Luminarias", "cost": 250_000, "budget_id": 20, "proposal_id": None},
    ),
    "budget.projects_from_proposals": entry(
        "budget.projects_from_proposals",
        "budgets",
        20,
        after={
            "projects": [
                {
                    "project_id": 71,
                    "proposal_id": 30,
                    "title": "Bancas en la plaza",
                    "cost": 90_000,
                },
                {"project_id": 72, "proposal_id": 31, "title": "Huertos", "cost": 40_000},
            ]
        },
    ),
    "proposal.assign": entry(
        "proposal.assign", "proposals", 30, before={"evaluator_id": None}, after={"evaluator_id": 2}
    ),
    "proposal.evaluation_started": entry(
        "proposal.evaluation_started",
        "proposals",
        30,
        actor_id=2,
        before={"state": "submitted", "evaluator_id": None},
        after={"state": "evaluating", "evaluator_id": 2},
    ),
    "proposal.evaluation_recorded": entry(
        "proposal.evaluation_recorded",
        "proposals",
        30,
        actor_id=2,
        after={
            "evaluator_id": 2,
            "feasible": True,
            "pending_state": "accepted",
            "pending_answer": "Viable",
            "pending_cost": 90_000,
        },
    ),
    "proposal.answer_published": entry(
        "proposal.answer_published",
        "proposals",
        30,
        before={"state": "evaluating", "answer": None, "cost_estimate": None, "answered_at": None},
        after={
            "state": "accepted",
            "answer": "Viable",
            "cost_estimate": 90_000,
            "answered_at": "2026-12-03T17:00:00",
        },
    ),
    "user.role": entry(
        "user.role", "users", 2, before={"role": "resident"}, after={"role": "evaluator"}
    ),
    "process_role.assigned": in_process(
        entry(
            "process_role.assigned", "users", 2, before={"role": None}, after={"role": "evaluator"}
        ),
        60,
    ),
    "process_role.removed": in_process(
        entry(
            "process_role.removed", "users", 2, before={"role": "moderator"}, after={"role": None}
        ),
        60,
    ),
    "user.reset_link_sent": entry("user.reset_link_sent", "users", 2),
    "accounts.blocked": entry(
        "accounts.blocked",
        "users",
        3,
        actor_id=2,
        before={"blocked_at": None},
        after={"blocked_at": "2026-12-03T17:00:00", "sessions_ended": 2},
    ),
    "accounts.deleted": entry("accounts.deleted", "users", 3, actor_id=3, after={"account": 3}),
    "accounts.unblocked": entry(
        "accounts.unblocked",
        "users",
        3,
        actor_id=2,
        before={"blocked_at": "2026-12-03T17:00:00"},
        after={"blocked_at": None},
    ),
    "census.verify_failed": entry("census.verify_failed", "users", 3, actor_id=3),
    "census.import": entry(
        "census.import",
        "census_entries",
        None,
        after={"rows": 1200, "added": 1000, "updated": 200, "identities_moved": 0},
    ),
    "ballot.duplicate_after_close": entry(
        "ballot.duplicate_after_close",
        "ballots",
        5,
        actor_id=3,
        after={
            "budget_id": 20,
            "kept_ballot": "ab12",
            "kept_channel": "booth",
            "duplicate_ballot": "cd34",
            "duplicate_channel": "online",
        },
    ),
    "ballot.annulled": entry(
        "ballot.annulled",
        "annulled_ballots",
        6,
        actor_id=3,
        after={
            "budget_id": 20,
            "kept_ballot": "ab12",
            "kept_channel": "booth",
            "duplicate_ballot": "cd34",
            "duplicate_channel": "online",
            "reason": "paper_ballot_counts",
        },
    ),
    "officing.paper_ballot": entry(
        "officing.paper_ballot",
        "ballots",
        7,
        actor_id=2,
        after={"budget_id": 20, "channel": "booth"},
    ),
    "officing.bulk_paper_ballots": entry(
        "officing.bulk_paper_ballots",
        "budgets",
        20,
        actor_id=2,
        after={"lines": 12, "accepted": 10, "rejected": [4, 9]},
    ),
    "district.created": entry(
        "district.created",
        "districts",
        80,
        after={"name": "Centro", "parent_id": None, "level": "sector"},
    ),
    "execution_item.created": entry(
        "execution_item.created",
        "execution_items",
        40,
        after={
            "project_id": 71,
            "title": "Parque lineal",
            "budgeted": 500_000,
            "status_id": 50,
            "progress": 0,
        },
    ),
    "execution_item.updated": entry(
        "execution_item.updated",
        "execution_items",
        40,
        before={
            "status_id": None,
            "progress": 0,
            "office": None,
            "spent": 0,
            "code": None,
            "starts_on": None,
            "ends_on": None,
        },
        after={
            "status_id": 50,
            "progress": 40,
            "office": None,
            "spent": 0,
            "code": None,
            "starts_on": None,
            "ends_on": None,
        },
    ),
    "execution.bulk_update": entry(
        "execution.bulk_update", "processes", 60, after={"rows": 8, "changed": 5}
    ),
    "milestone.added": entry(
        "milestone.added",
        "execution_items",
        40,
        after={"milestone_id": 3, "happened_on": "2026-11-15", "photo": None},
    ),
    "execution_status.added": entry(
        "execution_status.added",
        "execution_statuses",
        51,
        after={"key": "licitacion", "name": "En licitación", "position": 2, "progress": 10},
    ),
    "execution_status.renamed": entry(
        "execution_status.renamed",
        "execution_statuses",
        50,
        before={"name": "Obra", "progress": 50},
        after={"name": "En obra", "progress": 50},
    ),
    "moderation.hidden": entry(
        "moderation.hidden",
        "proposals",
        30,
        actor_id=2,
        before={"hidden_at": None, "reports_count": 1},
        after={"hidden_at": "2026-12-03T17:00:00", "reports_count": 0, "reports_resolved": 1},
    ),
    "moderation.hide_confirmed": entry(
        "moderation.hide_confirmed",
        "comments",
        90,
        actor_id=2,
        before={"hidden_at": "2026-12-03T17:00:00", "reports_count": 3},
        after={"hidden_at": "2026-12-03T17:00:00", "reports_count": 0, "reports_resolved": 3},
    ),
    "moderation.restored": entry(
        "moderation.restored",
        "proposals",
        30,
        actor_id=2,
        before={"hidden_at": "2026-12-03T17:00:00", "reports_count": 0},
        after={"hidden_at": None, "reports_count": 0, "reports_resolved": 0},
    ),
    "moderation.hidden_by_reports": entry(
        "moderation.hidden_by_reports",
        "comments",
        90,
        actor_id=None,
        before={"hidden_at": None, "reports_count": 2},
        after={"hidden_at": "2026-12-03T17:00:00", "reports_count": 3},
    ),
    "legal_document.published": entry(
        "legal_document.published", "legal_documents", 7, after={"kind": "privacy", "version": 2}
    ),
    "data_request.created": entry(
        "data_request.created",
        "data_requests",
        5,
        actor_id=3,
        after={"kind": "rectify_census", "processing": None},
    ),
    "data_request.answered": entry(
        "data_request.answered", "data_requests", 5, after={"kind": "oppose", "status": "refused"}
    ),
}


#: kind -> (Spanish, English), as an administrator reads them
EXPECTED = {
    "process.created": (
        "María López creó el proceso «Presupuesto 2026».",
        "María López created the process “Presupuesto 2026”.",
    ),
    "process.settings": (
        "María López cambió los ajustes de votación: Presupuestos de distrito en que vota cada residente, Votar pide residencia verificada.",
        "María López changed the voting settings: District budgets each resident votes in, Voting needs a verified residency.",
    ),
    "process.support_threshold": (
        "María López fijó en 25 el mínimo de apoyos para pasar a revisión.",
        "María López set the minimum supports to reach review to 25.",
    ),
    "phase.added": (
        "María López agregó la fase «Votación», del 1 dic 2026 al 20 dic 2026.",
        "María López added the phase “Votación”, from Dec 1, 2026 to Dec 20, 2026.",
    ),
    "phase.deleted": (
        "María López eliminó la fase «Apoyos».",
        "María López deleted the phase “Apoyos”.",
    ),
    "phase.opened": (
        "El calendario automático abrió la fase «Votación».",
        "The automatic calendar opened the phase “Votación”.",
    ),
    "phase.closed": (
        "El calendario automático cerró la fase «Votación».",
        "The automatic calendar closed the phase “Votación”.",
    ),
    "phase.opened_by_hand": (
        "María López abrió la fase «Votación» antes de su fecha; termina el 20 dic 2026.",
        "María López opened the phase “Votación” before its date; it ends on Dec 20, 2026.",
    ),
    "phase.closed_by_hand": (
        "María López cerró la fase «Votación» antes de su fecha.",
        "María López closed the phase “Votación” before its date.",
    ),
    "voting.reopened": (
        "María López reabrió la votación a partir del 22 dic 2026. Motivo: Falla del servidor",
        "María López reopened voting from Dec 22, 2026. Reason: Falla del servidor",
    ),
    "budget.created": (
        "María López creó el presupuesto «Obras del Centro» de $1,500,000, con la regla Más votados, saltando lo que ya no cabe (greedy).",
        "María López created the budget “Obras del Centro” of MX$1,500,000, with the rule Most voted, skipping what no longer fits (greedy).",
    ),
    "budget.updated": (
        "María López cambió el presupuesto «Obras del Centro»: Monto.",
        "María López changed the budget “Obras del Centro”: Amount.",
    ),
    "budget.archived": (
        "María López archivó el presupuesto «Obras del Centro»: salió de la boleta y de las listas públicas.",
        "María López archived the budget “Obras del Centro”: it left the ballot and the public lists.",
    ),
    "budget.restored": (
        "María López restauró el presupuesto archivado «Obras del Centro»: volvió a la boleta.",
        "María López restored the archived budget “Obras del Centro”: it is back on the ballot.",
    ),
    "project.withdrawn": (
        "María López retiró el proyecto «Luminarias» de la boleta.",
        "María López withdrew the project “Luminarias” from the ballot.",
    ),
    "project.restored": (
        "María López restauró el proyecto «Luminarias»: volvió a la boleta.",
        "María López restored the project “Luminarias”: it is back on the ballot.",
    ),
    "project.created": (
        "María López agregó el proyecto «Luminarias» ($250,000) a la boleta de «Obras del Centro».",
        "María López added the project “Luminarias” (MX$250,000) to the ballot of “Obras del Centro”.",
    ),
    "budget.projects_from_proposals": (
        "María López pasó 2 propuestas aceptadas a la boleta de «Obras del Centro».",
        "María López moved 2 accepted proposals to the ballot of “Obras del Centro”.",
    ),
    "proposal.assign": (
        "María López asignó la propuesta «Bancas en la plaza» a Juan Pérez.",
        "María López assigned the proposal “Bancas en la plaza” to Juan Pérez.",
    ),
    "proposal.evaluation_started": (
        "Juan Pérez empezó a evaluar la propuesta «Bancas en la plaza».",
        "Juan Pérez started evaluating the proposal “Bancas en la plaza”.",
    ),
    "proposal.evaluation_recorded": (
        "Juan Pérez registró la evaluación de la propuesta «Bancas en la plaza»: Aceptada.",
        "Juan Pérez recorded the evaluation of the proposal “Bancas en la plaza”: Accepted.",
    ),
    "proposal.answer_published": (
        "María López publicó la respuesta a la propuesta «Bancas en la plaza»: Aceptada.",
        "María López published the answer to the proposal “Bancas en la plaza”: Accepted.",
    ),
    "user.role": (
        "María López cambió el rol de Juan Pérez: de Residente a Evaluación de propuestas.",
        "María López changed the role of Juan Pérez from Resident to Proposal review.",
    ),
    "process_role.assigned": (
        "María López dio a Juan Pérez el rol «Evaluación de propuestas» en el proceso "
        "«Presupuesto 2026».",
        "María López gave Juan Pérez the role “Proposal review” in the process “Presupuesto 2026”.",
    ),
    "process_role.removed": (
        "María López quitó a Juan Pérez el rol «Moderación» en el proceso «Presupuesto 2026».",
        "María López removed the role “Moderation” of Juan Pérez in the process "
        "“Presupuesto 2026”.",
    ),
    "user.reset_link_sent": (
        "María López envió a Juan Pérez un enlace para crear una contraseña nueva.",
        "María López sent Juan Pérez a link to create a new password.",
    ),
    "accounts.blocked": (
        "Juan Pérez bloqueó la cuenta de Rosa Díaz y cerró 2 sesiones.",
        "Juan Pérez blocked the account of Rosa Díaz and ended 2 sessions.",
    ),
    "accounts.deleted": (  # never the person's name, even while the row still had it
        "Una persona eliminó su cuenta (n.º 3).",
        "A person deleted their account (no. 3).",
    ),
    "accounts.unblocked": (
        "Juan Pérez desbloqueó la cuenta de Rosa Díaz.",
        "Juan Pérez unblocked the account of Rosa Díaz.",
    ),
    "census.verify_failed": (
        "Rosa Díaz intentó verificar su residencia sin éxito.",
        "Rosa Díaz tried to verify their residency and failed.",
    ),
    "census.import": (
        "María López cargó el padrón: 1,200 filas, 1,000 nuevas, 200 actualizadas.",
        "María López uploaded the census: 1,200 rows, 1,000 new, 200 updated.",
    ),
    "ballot.duplicate_after_close": (
        "Rosa Díaz verificó su residencia con una boleta en línea y otra en papel en «Obras del Centro» después del cierre de la votación: queda para revisión.",
        "Rosa Díaz verified their residency with an online and a paper ballot in “Obras del Centro” after voting closed: left for review.",
    ),
    "ballot.annulled": (
        "Se anuló la boleta en línea de Rosa Díaz en «Obras del Centro»: cuenta su boleta en papel.",
        "The online ballot of Rosa Díaz in “Obras del Centro” was annulled: their paper ballot counts.",
    ),
    "officing.paper_ballot": (
        "Juan Pérez registró una boleta en papel en «Obras del Centro».",
        "Juan Pérez recorded a paper ballot in “Obras del Centro”.",
    ),
    "officing.bulk_paper_ballots": (
        "Juan Pérez cargó 12 boletas en papel en «Obras del Centro»: 10 aceptadas, 2 rechazadas.",
        "Juan Pérez uploaded 12 paper ballots to “Obras del Centro”: 10 accepted, 2 rejected.",
    ),
    "district.created": (
        "María López creó el distrito «Centro».",
        "María López created the district “Centro”.",
    ),
    "execution_item.created": (
        "María López agregó «Parque lineal» al seguimiento.",
        "María López added “Parque lineal” to the follow-up.",
    ),
    "execution_item.updated": (
        "María López actualizó «Parque lineal» en el seguimiento: Estado de ejecución, Avance (%).",
        "María López updated “Parque lineal” in the follow-up: Execution status, Progress (%).",
    ),
    "execution.bulk_update": (
        "María López actualizó el seguimiento desde un archivo: 8 filas, 5 elementos cambiados.",
        "María López updated the follow-up from a file: 8 rows, 5 items changed.",
    ),
    "milestone.added": (
        "María López agregó un avance del 15 nov 2026 a «Parque lineal».",
        "María López added a milestone of Nov 15, 2026 to “Parque lineal”.",
    ),
    "execution_status.added": (
        "María López agregó el estado «En licitación» al seguimiento.",
        "María López added the status “En licitación” to the follow-up.",
    ),
    "execution_status.renamed": (
        "María López cambió el estado «Obra» a «En obra».",
        "María López renamed the status “Obra” to “En obra”.",
    ),
    "moderation.hidden": (
        "Juan Pérez ocultó la propuesta «Bancas en la plaza».",
        "Juan Pérez hid the proposal “Bancas en la plaza”.",
    ),
    "moderation.hide_confirmed": (
        "Juan Pérez confirmó que el comentario n.º 90 siga oculto.",
        "Juan Pérez confirmed that the comment no. 90 stays hidden.",
    ),
    "moderation.restored": (
        "Juan Pérez restauró la propuesta «Bancas en la plaza».",
        "Juan Pérez restored the proposal “Bancas en la plaza”.",
    ),
    "moderation.hidden_by_reports": (
        "El sistema ocultó el comentario n.º 90 al reunir 3 reportes.",
        "The system hid the comment no. 90 after 3 reports.",
    ),
    "legal_document.published": (
        "María López publicó la versión 2 de «Aviso de privacidad integral».",
        "María López published version 2 of “Complete privacy notice”.",
    ),
    "data_request.created": (
        "Se recibió la solicitud n.º 5 sobre datos personales: rectificación de datos de verificación de residencia.",
        "Request no. 5 about personal data was received: rectification of residency verification data.",
    ),
    "data_request.answered": (
        "María López respondió como improcedente la solicitud n.º 5 (oposición a un uso de los datos).",
        "María López answered request no. 5 as not admissible (objection to a use of the data).",
    ),
}


@pytest.fixture(params=["es", "en"])
def language(request, app: Flask) -> Iterator[str]:
    with app.test_request_context(headers={"Accept-Language": request.param}):
        yield request.param


def test_every_kind_of_action_logged_has_a_sentence_and_a_case_here():
    assert set(CASES) == set(SENTENCES) == set(EXPECTED) == set(KIND_LABELS)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_each_kind_reads_as_a_sentence(language, kind):
    spanish, english = EXPECTED[kind]
    assert sentence(CASES[kind], NAMES) == (spanish if language == "es" else english)


def test_the_public_wording_names_no_person(language):
    said = sentence(CASES["phase.closed_by_hand"], NAMES, public=True)
    assert "María" not in said
    assert said.startswith("La administración" if language == "es" else "The administration")


def test_who_did_it(language):
    es = language == "es"
    demo = entry("budget.created", "budgets", 20, actor_id=1, origin="demo", after=BUDGET)
    assert actor_label(demo, NAMES) == (
        "La carga de datos de demostración" if es else "The demonstration data"
    )
    cli = entry("phase.added", "phases", 10, actor_id=None, origin="cli", after=PHASE)
    assert actor_label(cli, NAMES) == (
        "Un comando de la línea de comandos" if es else "A command-line command"
    )
    nobody = entry("process.created", "processes", 60, actor_id=None)
    assert actor_label(nobody, NAMES) == ("El sistema" if es else "The system")
    gone = entry("process.created", "processes", 60, actor_id=99)
    assert actor_label(gone, NAMES) == ("La persona n.º 99" if es else "Person no. 99")


def test_an_extended_phase_of_a_kind_without_its_own_sentence(language):
    extended = entry(
        "phase.updated",
        "phases",
        10,
        before={"title": "Votación", "ends_at": "2026-12-15T06:00:00"},
        after={"title": "Votación", "ends_at": "2026-12-20T18:00:00"},
    )
    assert sentence(extended, NAMES) == (
        "María López extendió la fase «Votación» hasta el 20 dic 2026."
        if language == "es"
        else "María López extended the phase “Votación” to Dec 20, 2026."
    )
    shortened = entry(
        "phase.edited",
        "phases",
        10,
        before={"title": "Voto", "ends_at": "2026-12-20T18:00:00", "allows_comment": False},
        after={"title": "Votación", "ends_at": "2026-12-15T18:00:00", "allows_comment": True},
    )
    assert sentence(shortened, NAMES) == (
        "María López adelantó el cierre de la fase «Votación» al 15 dic 2026. "
        "Cambió: Nombre, Permite comentar."
        if language == "es"
        else "María López brought the end of the phase “Votación” forward to Dec 15, 2026. "
        "Changed: Name, Allows commenting."
    )


@pytest.mark.parametrize(
    ("kind", "target", "es", "en"),
    [
        (
            "process.published",
            "processes",
            "María López publicó el proceso «Presupuesto 2026».",
            "María López published the process “Presupuesto 2026”.",
        ),
        (
            "project.deleted",
            "projects",
            "María López eliminó el proyecto «Luminarias».",
            "María López deleted the project “Luminarias”.",
        ),
        (
            "category.created",
            "categories",
            "María López creó la categoría «Luminarias».",
            "María López created the category “Luminarias”.",
        ),
        (
            "budget.frobbed",
            "budgets",
            "María López registró «budget.frobbed» sobre el presupuesto «Luminarias».",
            "María López recorded “budget.frobbed” on the budget “Luminarias”.",
        ),
        (
            "widget.created",
            "widgets",
            "María López creó «widgets» Luminarias.",
            "María López created “widgets” Luminarias.",
        ),
    ],
)
def test_kinds_without_a_sentence_read_by_their_verb(language, kind, target, es, en):
    data = {"title": "Luminarias"} if target != "processes" else {}
    e = entry(kind, target, 60 if target == "processes" else 70, after=data)
    assert sentence(e, NAMES) == (es if language == "es" else en)


def test_a_change_of_a_kind_without_a_sentence_lists_its_fields(language):
    e = entry(
        "district.updated",
        "districts",
        80,
        before={"name": "Centro", "level": "sector"},
        after={"name": "Centro Histórico", "level": "sector"},
    )
    assert sentence(e, NAMES) == (
        "María López modificó el distrito «Centro Histórico». Cambió: Nombre."
        if language == "es"
        else "María López changed the district “Centro Histórico”. Changed: Name."
    )


def test_changes_in_words(language):
    es = language == "es"
    updated = {c.key: c for c in changes(CASES["budget.updated"], NAMES)}
    assert list(updated) == ["amount"]  # only what changed
    amount = updated["amount"]
    assert (amount.label, amount.before, amount.after) == (
        ("Monto", "$1,500,000", "$2,000,000") if es else ("Amount", "MX$1,500,000", "MX$2,000,000")
    )
    created = {c.key: c for c in changes(CASES["phase.added"], NAMES)}
    assert len(created) == len(PHASE)  # a creation shows every value
    vote = created["allows_vote"]
    assert (vote.label, vote.before, vote.after) == (
        ("Permite votar", "—", "Sí") if es else ("Allows voting", "—", "Yes")
    )
    assigned = {c.key: c for c in changes(CASES["proposal.assign"], NAMES)}
    assert assigned["evaluator_id"].after == "Juan Pérez"
    settings = {c.key: c for c in changes(CASES["process.settings"], NAMES)}
    assert settings["vote_scope"].after == (
        "Solo en los de su distrito" if es else "Only in those of their district"
    )
    starts = created["starts_at"].after
    assert starts.startswith("1 dic 2026, " if es else "Dec 1, 2026, ")  # 06:00 UTC, local time
    # a phase's start: "Start" in English, not "Home" (the home page's "Inicio")
    assert created["starts_at"].label == ("Inicio" if es else "Start")


def test_kind_labels(language):
    es = language == "es"
    assert kind_label("phase.added") == ("Fase agregada" if es else "Phase added")
    assert kind_label("phase.updated") == ("Fase: cambio" if es else "Phase: change")
    assert kind_label("process.unpublished") == (
        "Proceso: retiro de la publicación" if es else "Process: unpublication"
    )
    assert kind_label("widget.frobbed") == "widget.frobbed"


def test_the_kinds_the_other_administration_pages_log_read_well(language):
    """Kinds logged by the editing, publishing and categories pages (as they log them),
    read by their verb until they get sentences of their own."""
    es = language == "es"
    extended = entry(
        "voting.extended",
        "phases",
        10,
        before={**PHASE, "ends_at": "2026-12-15T18:00:00"},
        after={**PHASE, "ends_at": "2026-12-20T18:00:00"},
    )
    assert sentence(extended, NAMES, public=True) == (
        "La administración extendió la votación «Votación» hasta el 20 dic 2026."
        if es
        else "The administration extended the vote “Votación” to Dec 20, 2026."
    )
    reopened = entry(
        "phase.reopened",
        "phases",
        10,
        before={**PHASE, "ends_at": "2026-11-15T18:00:00"},
        after={**PHASE, "ends_at": "2026-12-20T18:00:00", "reason": "Se cayó el servidor"},
    )
    assert sentence(reopened, NAMES) == (
        "María López reabrió la fase «Votación» hasta el 20 dic 2026. Motivo: Se cayó el servidor"
        if es
        else "María López reopened the phase “Votación” until Dec 20, 2026. "
        "Reason: Se cayó el servidor"
    )
    published = entry(
        "process.published",
        "processes",
        60,
        before={"published_at": None},
        after={"published_at": "2026-12-01T18:00:00"},
    )
    assert sentence(published, NAMES) == (
        "María López publicó el proceso «Presupuesto 2026»."
        if es
        else "María López published the process “Presupuesto 2026”."
    )
    withdrawn = entry(
        "project.withdrawn",
        "projects",
        70,
        before={"title": "Luminarias", "archived_at": None},
        after={"title": "Luminarias", "archived_at": "2026-12-01T18:00:00"},
    )
    assert sentence(withdrawn, NAMES) == (
        "María López retiró el proyecto «Luminarias» de la boleta."  # a sentence of its own
        if es
        else "María López withdrew the project “Luminarias” from the ballot."
    )
    renamed = entry(
        "category.updated",
        "categories",
        5,
        before={"name": "Cultura", "name_en": "Culture", "description": ""},
        after={"name": "Cultura y arte", "name_en": "Culture and art", "description": ""},
    )
    assert sentence(renamed, NAMES) == (
        "María López modificó la categoría «Cultura y arte». Cambió: Nombre, Nombre en inglés."
        if es
        else "María López changed the category “Cultura y arte”. Changed: Name, Name in English."
    )
