"""The seeded world of the route matrix: something behind every route (shared with the CSRF
test)."""

import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Flask, current_app, url_for
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from participa.accountability import milestones, statuses
from participa.accountability.models import ExecutionItem, ExecutionStatus
from participa.accounts.models import User
from participa.categories import queries as categories
from participa.categories import services as category_services
from participa.census import importing
from participa.conversation import comments
from participa.extensions import db
from participa.legal import requests as data_requests
from participa.notifications.services import notify
from participa.opendata import services as opendata
from participa.processes.models import District
from participa.proposals.models import Proposal
from participa.results import queries
from participa.results import services as results
from participa.results.tasks import run_tally
from participa.staff.models import ProcessRole
from tests import factories as f
from tests.support.accountability import PNG
from tests.support.opendata import tallied_process


@dataclass
class World:
    """The ids a URL can name, by argument name, and per-endpoint exceptions."""

    values: dict[str, Any]
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    query: dict[str, dict[str, Any]] = field(default_factory=dict)

    def url(self, app: Flask, rule) -> str:
        values = {**self.values, **self.overrides.get(rule.endpoint, {})}
        missing = set(rule.arguments) - set(values)
        assert not missing, f"{rule.endpoint}: the world has no {missing}; add it to build_world"
        args = {name: values[name] for name in rule.arguments}
        with app.test_request_context():
            return url_for(rule.endpoint, **args, **self.query.get(rule.endpoint, {}))


def build_world(person: User | None) -> World:
    """A city with something behind every route; ``person`` owns a proposal of its own."""
    admin = f.admin()
    centro = District(name="Centro", level="sector")
    db.session.add(centro)
    db.session.flush()
    importing.import_census("GOMA850101MNLRRN09,1985-01-01,Centro\n")

    # a process open for everything, with a budget on the ballot
    open_ = f.process(
        now_allows=("allows_propose", "allows_support", "allows_comment", "allows_vote")
    )
    budget = f.budget(open_)
    project = f.projects(budget)[0]
    author = f.user()
    proposal = Proposal(
        process_id=open_.id,
        author_id=author.id,
        title="Bancas en la plaza principal",
        body="Bancas a la sombra en la plaza principal, junto a los árboles.",
        category="espacio-publico",
    )
    own = Proposal(
        process_id=open_.id,
        author_id=(person or author).id,
        title="Mi propuesta de alumbrado",
        body="Luminarias nuevas en la calle de mi casa, que está muy oscura.",
        category="movilidad",
    )
    db.session.add_all([proposal, own])
    db.session.flush()
    comments.add_comment(proposal, author, "Buena idea, la apoyo con gusto.")
    spare_comment = comments.add_comment(proposal, author, "Otro comentario más.")
    comments.add_comment(project, author, "Este proyecto me gusta mucho.")

    # a finished process: tallied twice, results public, open data, follow-up with a photo
    done, done_budget, _voters = tallied_process()
    preview = results.request_tally(done_budget, "equalshares")
    db.session.commit()
    run_tally(preview.id)
    official = queries.published_run(done_budget)
    item = db.session.scalar(select(ExecutionItem).where(ExecutionItem.process_id == done.id))
    status = db.session.scalar(select(ExecutionStatus).where(ExecutionStatus.process_id == done.id))
    photo = FileStorage(stream=io.BytesIO(PNG), filename="avance.png", content_type="image/png")
    milestone = milestones.add_milestone(item, admin, date(2026, 1, 15), "Avance", photo)
    publication = opendata.publish(done, "manual")

    # a process voting now with booths (online voting there needs verification)
    booths = f.with_booths(f.process(now_allows=("allows_vote",)))
    booth_budget = f.budget(booths)

    # a process whose phases an administrator may close or delete
    spare = f.process()
    phases = sorted(spare.phases, key=lambda phase: phase.starts_at)
    spare_user = f.user()
    # what an administrator may archive, delete or withdraw: voting has not opened there
    spare_budget, spare_ballot = f.budget(spare), f.budget(spare)
    spare_district = District(name="Sin usar", level="neighbourhood")
    db.session.add(spare_district)
    db.session.flush()
    spare_status = statuses.add_status(done, admin, "Suspendida", 0)
    # a category in use, and a spare one nobody uses (an administrator may delete it)
    used_category = categories.by_slug("espacio-publico")
    spare_category = category_services.create_category(name="Categoría de sobra")
    # a staff assignment an administrator may remove (on the spare process)
    assignment = ProcessRole(user_id=spare_user.id, process_id=spare.id, role="evaluator")
    db.session.add(assignment)
    # a notification in the application: the person's own (or the spare user's)
    (note_id,) = notify(
        [(person or spare_user).id],
        "proposal_answered",
        "Respuesta",
        "Tu propuesta tiene respuesta.",
    )
    # a request about personal data, of the person signed in (an administrator answers it)
    data_request = data_requests.create(
        person or author, kind="rectify_account", processing=None, details="Mi nombre lleva acento."
    )
    db.session.commit()

    return World(
        values={
            "slug": open_.slug,
            "budget_id": budget.id,
            "process_id": open_.id,
            "proposal_id": proposal.id,
            "project_id": project.id,
            "item_id": item.id,
            "status_id": status.id,
            "phase_id": phases[-1].id,
            "district_id": centro.id,
            "user_id": spare_user.id,
            "export_id": 1,  # no archive of this person's: not found for everyone
            "category_id": used_category.id if used_category else 0,
            "kind": "comentario",
            "content_id": spare_comment.id,
            "code": "es_MX",
            "name": milestone.photo,
            "filename": "procesos.csv",
            "version": publication.version,
            "rest": "nada-por-aqui",
            "token": "no-es-un-enlace-valido",
            "move": "cerrar",
            "what": "seguir",
            "action": "despublicar",  # refused (409): the open process has proposals
            "assignment_id": assignment.id,
            "notification_id": note_id,
            "request_id": data_request.id,
            "document": "privacidad",
            "number": 1,
        },
        overrides={
            "static": {"filename": "css/participa.css"},
            "proposals.withdraw": {"proposal_id": own.id},
            "admin.move_phase": {"phase_id": phases[1].id},
            "admin.edit_phase": {"phase_id": phases[0].id},
            "admin.archive_budget": {"budget_id": spare_budget.id},
            "admin.delete_budget": {"budget_id": spare_budget.id},
            "admin.remove_project": {
                "project_id": f.projects(spare_ballot)[0].id,
                "what": "retirar",
            },
            "admin.delete_district": {"district_id": spare_district.id},
            "admin.delete_status": {"status_id": spare_status.id},
            "admin.move_category": {"move": "bajar"},
            "admin.archive_category": {"what": "archivar"},
            "admin.delete_category": {"category_id": spare_category.id},
            "admin.remove_process_role": {"process_id": spare.id},
            "admin.compare": {"budget_id": done_budget.id},
            **{
                endpoint: {"budget_id": booth_budget.id}
                for endpoint in ("officing.booth", "officing.record", "officing.bulk")
            },
            "api.get_results": {"budget_id": done_budget.id},
            "opendata.process_data": {"slug": done.slug},
            "opendata.download": {"slug": done.slug},
            "opendata.latest": {"slug": done.slug},
            "accountability.index": {"slug": done.slug},
            **{
                endpoint: {"slug": done.slug, "budget_id": done_budget.id}
                for endpoint in ("results.show", "results.results_csv", "results.ballots_csv")
            },
            **{
                rule.endpoint: {"process_id": done.id}
                for rule in current_app.url_map.iter_rules()
                if rule.endpoint.startswith("accountability.admin_")
            },
        },
        query={"admin.compare": {"a": official.id, "b": preview.id}},
    )


def methods_of(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})
