"""The sections of a process's administration, each at its own address and each loading
only what it shows: overview and settings, phases, budgets, proposals, review, results
(and follow-up, :mod:`participa.accountability.admin_views`). The tab bar lists them.

A form posted from a section and refused is drawn again in that section
(:func:`render_section`), with what was typed and the reason beside its field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from participa.admin.forms import (
    AnswerForm,
    BudgetForm,
    ConfirmForm,
    PhaseForm,
    SettingsForm,
)
from participa.budgets.models import Ballot, Budget, Project
from participa.extensions import db
from participa.processes.models import Process
from participa.proposals.models import Proposal, ProposalState
from participa.results.models import TallyRun
from participa.views_common import district_choices


@dataclass(frozen=True)
class Tab:
    key: str
    endpoint: str
    label: Any  # a lazy string


TABS = (
    Tab("resumen", "admin.process", _l("Resumen y ajustes")),
    Tab("fases", "admin.process_phases", _l("Fases")),
    Tab("presupuestos", "admin.process_budgets", _l("Presupuestos")),
    Tab("propuestas", "admin.process_proposals", _l("Propuestas")),
    Tab("revision", "admin.process_review", _l("Revisión")),
    Tab("resultados", "admin.process_results", _l("Resultados")),
    Tab("seguimiento", "accountability.admin_index", _l("Seguimiento")),
    # The team of a process (its evaluators and moderators): shown once its page exists.
    Tab("equipo", "admin.process_team", _l("Equipo")),
)

# Anchors of the former one-page process administration, and the section now holding each
# (static/js/admin-tabs.js follows them from the overview; "propuesta-<id>": proposals).
FORMER_ANCHORS = {
    "ajustes": "resumen",
    "fases": "fases",
    "presupuestos": "presupuestos",
    "propuestas": "propuestas",
    "umbral-de-apoyos": "revision",
    "respuestas-retenidas": "revision",
}


def tabs() -> list[Tab]:
    """The tabs whose page exists in this application."""
    return [tab for tab in TABS if tab.endpoint in current_app.view_functions]


def budget_form(obj: Budget | None = None) -> BudgetForm:
    form = BudgetForm(obj=obj)
    form.district_id.choices = district_choices(_("Todo el municipio"))
    return form


# --- what each section loads -------------------------------------------------------------


def _overview(process: Process, forms: dict) -> dict:
    counts = db.session.execute(
        select(
            select(func.count(Budget.id))
            .where(Budget.process_id == process.id, Budget.archived_at.is_(None))
            .scalar_subquery(),
            select(func.count(Proposal.id))
            .where(Proposal.process_id == process.id)
            .scalar_subquery(),
            select(func.count(Ballot.id))
            .join(Budget, Budget.id == Ballot.budget_id)
            .where(Budget.process_id == process.id)
            .scalar_subquery(),
        )
    ).one()
    phases = process.phases
    return {
        "settings_form": forms.get("settings_form") or SettingsForm(obj=process),
        "current_phase": process.current_phase(),
        "next_phase": next((p for p in phases if p.status() == "future"), None),
        "counts": {"budgets": counts[0], "proposals": counts[1], "ballots": counts[2]},
    }


def _phases(process: Process, forms: dict) -> dict:
    return {
        "phase_form": forms.get("phase_form") or PhaseForm(formdata=None),
        "voting_closed": process.voting_closed(),
    }


def _budgets(process: Process, forms: dict) -> dict:
    budgets = db.session.scalars(
        select(Budget)
        .where(Budget.process_id == process.id)
        .options(joinedload(Budget.district))
        .order_by(Budget.position, Budget.id)
    ).all()
    project_counts = dict(
        db.session.execute(
            select(Project.budget_id, func.count(Project.id))
            .join(Budget, Budget.id == Project.budget_id)
            .where(Budget.process_id == process.id, Project.archived_at.is_(None))
            .group_by(Project.budget_id)
        ).all()
    )
    form = forms.get("budget_form")
    if form is None:
        form = BudgetForm(formdata=None)
        form.district_id.choices = district_choices(_("Todo el municipio"))
    return {"budgets": budgets, "project_counts": project_counts, "budget_form": form}


def _proposals(process: Process, forms: dict) -> dict:
    proposals = db.session.scalars(
        select(Proposal)
        .where(Proposal.process_id == process.id)
        .options(joinedload(Proposal.district))
        .order_by(Proposal.supports_count.desc(), Proposal.id)
    ).all()
    return {
        "proposals": proposals,
        "states": ProposalState,
        "answer_form": AnswerForm(formdata=None),
        "answered": forms.get("answered"),  # (proposal id, its refused form)
    }


def _review(process: Process, forms: dict) -> dict:
    waiting = db.session.scalars(
        select(Proposal)
        .where(
            Proposal.process_id == process.id,
            Proposal.state.in_([ProposalState.SUBMITTED, ProposalState.EVALUATING]),
        )
        .order_by(Proposal.supports_count.desc(), Proposal.id)
    ).all()
    return {
        "waiting": waiting,
        "threshold_form": forms.get("threshold_form"),
        "publish_error": forms.get("publish_error"),
        "publish_chosen": forms.get("publish_chosen"),  # refused: the answers ticked, kept
        "assign_error": forms.get("assign_error"),  # (proposal id, message)
    }


def _results(process: Process, forms: dict) -> dict:
    budgets = db.session.scalars(
        select(Budget).where(Budget.process_id == process.id).order_by(Budget.position, Budget.id)
    ).all()
    ballots = dict(
        db.session.execute(
            select(Ballot.budget_id, func.count(Ballot.id))
            .join(Budget, Budget.id == Ballot.budget_id)
            .where(Budget.process_id == process.id)
            .group_by(Ballot.budget_id)
        ).all()
    )
    latest = (
        select(func.max(TallyRun.id))
        .join(Budget, Budget.id == TallyRun.budget_id)
        .where(Budget.process_id == process.id, TallyRun.preview.is_(False))
        .group_by(TallyRun.budget_id)
    )
    runs = {
        run.budget_id: run
        for run in db.session.scalars(select(TallyRun).where(TallyRun.id.in_(latest)))
    }
    return {
        "budgets": budgets,
        "ballots": ballots,
        "runs": runs,
        "voting_closed": process.voting_closed(),
        "results_visible": process.results_visible(),
    }


SECTIONS = {
    "resumen": ("admin/process.html", _overview),
    "fases": ("admin/process_phases.html", _phases),
    "presupuestos": ("admin/process_budgets.html", _budgets),
    "propuestas": ("admin/process_proposals.html", _proposals),
    "revision": ("admin/process_review.html", _review),
    "resultados": ("admin/process_results.html", _results),
}


def render_section(process: Process, key: str, status: int = 200, **forms: Any):
    """The section ``key`` of ``process``'s administration; ``forms`` are the refused forms
    to draw again (with what was typed and their errors) instead of blank ones."""
    template, load = SECTIONS[key]
    return render_template(
        template,
        process=process,
        section=key,
        confirm=ConfirmForm(),
        notice=forms.get("notice"),  # a refused action without a form of its own
        **load(process, forms),
    ), status
