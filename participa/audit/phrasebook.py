"""One sentence per kind of action (Spanish source strings with the actor first), given
what :class:`~participa.audit.values.Say` offers."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import ngettext

from participa import formatting
from participa.audit.phrasebook_legal import LEGAL_SENTENCES
from participa.audit.values import NOTHING, Say, changed_labels, number, value_text, with_reason

# Processes, phases, budgets and projects: the public configuration changes.


def _process_created(s: Say) -> str:
    return _("%(actor)s creó el proceso «%(t)s».", actor=s.actor, t=s.title())


def _process_settings(s: Say) -> str:
    changed = changed_labels(s.entry)
    if not changed:
        return _("%(actor)s guardó los ajustes de votación sin cambios.", actor=s.actor)
    return _("%(actor)s cambió los ajustes de votación: %(fields)s.", actor=s.actor, fields=changed)


def _support_threshold(s: Say) -> str:
    if s.data.get("support_threshold") is None:
        return _("%(actor)s quitó el mínimo de apoyos para pasar a revisión.", actor=s.actor)
    return _(
        "%(actor)s fijó en %(n)s el mínimo de apoyos para pasar a revisión.",
        actor=s.actor,
        n=s.value("support_threshold"),
    )


def _phase_added(s: Say) -> str:
    text = _(
        "%(actor)s agregó la fase «%(t)s», del %(start)s al %(end)s.",
        actor=s.actor,
        t=s.title(),
        start=s.day("starts_at"),
        end=s.day("ends_at"),
    )
    return with_reason(text, s)


def _phase_deleted(s: Say) -> str:
    return _("%(actor)s eliminó la fase «%(t)s».", actor=s.actor, t=s.title())


def _phase_opened(s: Say) -> str:
    return _("%(actor)s abrió la fase «%(t)s».", actor=s.actor, t=s.title())


def _phase_closed(s: Say) -> str:
    return _("%(actor)s cerró la fase «%(t)s».", actor=s.actor, t=s.title())


def _phase_opened_by_hand(s: Say) -> str:
    return _(
        "%(actor)s abrió la fase «%(t)s» antes de su fecha; termina el %(end)s.",
        actor=s.actor,
        t=s.title(),
        end=s.day("ends_at"),
    )


def _phase_closed_by_hand(s: Say) -> str:
    return _("%(actor)s cerró la fase «%(t)s» antes de su fecha.", actor=s.actor, t=s.title())


def _voting_reopened(s: Say) -> str:
    text = _(
        "%(actor)s reabrió la votación a partir del %(start)s.",
        actor=s.actor,
        start=s.day("starts_at"),
    )
    return with_reason(text, s)


def _budget_created(s: Say) -> str:
    return _(
        "%(actor)s creó el presupuesto «%(t)s» de %(amount)s, con la regla %(rule)s.",
        actor=s.actor,
        t=s.title(),
        amount=s.value("amount"),
        rule=s.value("rule"),
    )


def _budget_updated(s: Say) -> str:
    changed = changed_labels(s.entry)
    if not changed:
        return _("%(actor)s guardó el presupuesto «%(t)s» sin cambios.", actor=s.actor, t=s.title())
    return _(
        "%(actor)s cambió el presupuesto «%(t)s»: %(fields)s.",
        actor=s.actor,
        t=s.title(),
        fields=changed,
    )


def _project_created(s: Say) -> str:
    return _(
        "%(actor)s agregó el proyecto «%(t)s» (%(cost)s) a la boleta de «%(budget)s».",
        actor=s.actor,
        t=s.title(),
        cost=s.value("cost"),
        budget=s.budget(),
    )


def _budget_archived(s: Say) -> str:
    return _(
        "%(actor)s archivó el presupuesto «%(t)s»: salió de la boleta y de las listas públicas.",
        actor=s.actor,
        t=s.title(),
    )


def _budget_restored(s: Say) -> str:
    return _(
        "%(actor)s restauró el presupuesto archivado «%(t)s»: volvió a la boleta.",
        actor=s.actor,
        t=s.title(),
    )


def _project_withdrawn(s: Say) -> str:
    return _("%(actor)s retiró el proyecto «%(t)s» de la boleta.", actor=s.actor, t=s.title())


def _project_restored(s: Say) -> str:
    return _(
        "%(actor)s restauró el proyecto «%(t)s»: volvió a la boleta.", actor=s.actor, t=s.title()
    )


def _projects_from_proposals(s: Say) -> str:
    n = s.count("projects")
    return ngettext(
        "%(actor)s pasó %(num)d propuesta aceptada a la boleta de «%(t)s».",
        "%(actor)s pasó %(num)d propuestas aceptadas a la boleta de «%(t)s».",
        n,
        actor=s.actor,
        t=s.title(),
    )


# Review of proposals.


def _proposal_assign(s: Say) -> str:
    if s.data.get("evaluator_id") is None:
        return _("%(actor)s dejó sin asignar la propuesta «%(t)s».", actor=s.actor, t=s.title())
    return _(
        "%(actor)s asignó la propuesta «%(t)s» a %(who)s.",
        actor=s.actor,
        t=s.title(),
        who=s.value("evaluator_id"),
    )


def _evaluation_started(s: Say) -> str:
    return _("%(actor)s empezó a evaluar la propuesta «%(t)s».", actor=s.actor, t=s.title())


def _evaluation_recorded(s: Say) -> str:
    return _(
        "%(actor)s registró la evaluación de la propuesta «%(t)s»: %(state)s.",
        actor=s.actor,
        t=s.title(),
        state=s.value("pending_state"),
    )


def _answer_published(s: Say) -> str:
    return _(
        "%(actor)s publicó la respuesta a la propuesta «%(t)s»: %(state)s.",
        actor=s.actor,
        t=s.title(),
        state=s.value("state"),
    )


# Accounts, census, booths.


def _user_role(s: Say) -> str:
    before = (s.entry.before or {}).get("role")
    return _(
        "%(actor)s cambió el rol de %(who)s: de %(before)s a %(after)s.",
        actor=s.actor,
        who=s.title(),
        before=value_text("role", before, s.entry, s.names),
        after=s.value("role"),
    )


def _process_of(s: Say) -> str:
    return s.names.get("processes", s.entry.process_id) or number(s.entry.process_id)


def _process_role_assigned(s: Say) -> str:
    role = (s.entry.after or {}).get("role")
    return _(
        "%(actor)s dio a %(who)s el rol «%(role)s» en el proceso «%(process)s».",
        actor=s.actor,
        who=s.title(),
        role=value_text("role", role, s.entry, s.names),
        process=_process_of(s),
    )


def _process_role_removed(s: Say) -> str:
    role = (s.entry.before or {}).get("role")
    return _(
        "%(actor)s quitó a %(who)s el rol «%(role)s» en el proceso «%(process)s».",
        actor=s.actor,
        who=s.title(),
        role=value_text("role", role, s.entry, s.names),
        process=_process_of(s),
    )


def _blocked(s: Say) -> str:
    n = s.count("sessions_ended")
    return ngettext(
        "%(actor)s bloqueó la cuenta de %(who)s y cerró %(num)d sesión.",
        "%(actor)s bloqueó la cuenta de %(who)s y cerró %(num)d sesiones.",
        n,
        actor=s.actor,
        who=s.title(),
    )


def _reset_link_sent(s: Say) -> str:
    return _(
        "%(actor)s envió a %(who)s un enlace para crear una contraseña nueva.",
        actor=s.actor,
        who=s.title(),
    )


def _account_deleted(s: Say) -> str:
    # never the person: the account's number only (its name and e-mail are erased)
    return _("Una persona eliminó su cuenta (%(num)s).", num=number(s.entry.target_id))


def _unblocked(s: Say) -> str:
    return _("%(actor)s desbloqueó la cuenta de %(who)s.", actor=s.actor, who=s.title())


def _verify_failed(s: Say) -> str:
    return _("%(actor)s intentó verificar su residencia sin éxito.", actor=s.actor)


def _census_import(s: Say) -> str:
    return _(
        "%(actor)s cargó el padrón: %(rows)s filas, %(added)s nuevas, %(updated)s actualizadas.",
        actor=s.actor,
        rows=s.value("rows"),
        added=s.value("added"),
        updated=s.value("updated"),
    )


def _duplicate_after_close(s: Say) -> str:
    return _(
        "%(actor)s verificó su residencia con una boleta en línea y otra en papel en "
        "«%(budget)s» después del cierre de la votación: queda para revisión.",
        actor=s.actor,
        budget=s.budget(),
    )


def _ballot_annulled(s: Say) -> str:
    return _(
        "Se anuló la boleta en línea de %(actor)s en «%(budget)s»: cuenta su boleta en papel.",
        actor=s.actor,
        budget=s.budget(),
    )


def _paper_ballot(s: Say) -> str:
    return _(
        "%(actor)s registró una boleta en papel en «%(budget)s».",
        actor=s.actor,
        budget=s.budget(),
    )


def _bulk_paper_ballots(s: Say) -> str:
    return _(
        "%(actor)s cargó %(lines)s boletas en papel en «%(t)s»: %(accepted)s aceptadas, "
        "%(rejected)s rechazadas.",
        actor=s.actor,
        t=s.title(),
        lines=s.value("lines"),
        accepted=s.value("accepted"),
        rejected=formatting.number(s.count("rejected")),
    )


def _district_created(s: Say) -> str:
    return _("%(actor)s creó el distrito «%(t)s».", actor=s.actor, t=s.title())


# Follow-up of execution.


def _item_created(s: Say) -> str:
    return _("%(actor)s agregó «%(t)s» al seguimiento.", actor=s.actor, t=s.title())


def _item_updated(s: Say) -> str:
    return _(
        "%(actor)s actualizó «%(t)s» en el seguimiento: %(fields)s.",
        actor=s.actor,
        t=s.title(),
        fields=changed_labels(s.entry) or NOTHING,
    )


def _bulk_update(s: Say) -> str:
    return _(
        "%(actor)s actualizó el seguimiento desde un archivo: %(rows)s filas, %(changed)s "
        "elementos cambiados.",
        actor=s.actor,
        rows=s.value("rows"),
        changed=s.value("changed"),
    )


def _milestone_added(s: Say) -> str:
    return _(
        "%(actor)s agregó un avance del %(day)s a «%(t)s».",
        actor=s.actor,
        day=s.value("happened_on"),
        t=s.title(),
    )


def _status_added(s: Say) -> str:
    return _("%(actor)s agregó el estado «%(t)s» al seguimiento.", actor=s.actor, t=s.title())


def _status_renamed(s: Say) -> str:
    before = (s.entry.before or {}).get("name") or s.title()
    return _(
        "%(actor)s cambió el estado «%(before)s» a «%(t)s».",
        actor=s.actor,
        before=before,
        t=s.title(),
    )


# Moderation.


def _content(s: Say) -> str:
    entry = s.entry
    if entry.target_type == "proposals":
        return _("la propuesta «%(t)s»", t=s.title())
    if entry.target_type == "projects":
        return _("los comentarios del proyecto «%(t)s»", t=s.title())
    return _("el comentario %(n)s", n=number(entry.target_id))


def _hidden(s: Say) -> str:
    return _("%(actor)s ocultó %(content)s.", actor=s.actor, content=_content(s))


def _hide_confirmed(s: Say) -> str:
    return _("%(actor)s confirmó que %(content)s siga oculto.", actor=s.actor, content=_content(s))


def _restored(s: Say) -> str:
    return _("%(actor)s restauró %(content)s.", actor=s.actor, content=_content(s))


def _hidden_by_reports(s: Say) -> str:
    return _(
        "%(actor)s ocultó %(content)s al reunir %(n)s reportes.",
        actor=s.actor,
        content=_content(s),
        n=s.value("reports_count"),
    )


SENTENCES: dict[str, Callable[[Say], str]] = {
    "process.created": _process_created,
    "process.settings": _process_settings,
    "process.support_threshold": _support_threshold,
    "phase.added": _phase_added,
    "phase.deleted": _phase_deleted,
    "phase.opened": _phase_opened,
    "phase.closed": _phase_closed,
    "phase.opened_by_hand": _phase_opened_by_hand,
    "phase.closed_by_hand": _phase_closed_by_hand,
    "voting.reopened": _voting_reopened,
    "budget.created": _budget_created,
    "budget.updated": _budget_updated,
    "budget.archived": _budget_archived,
    "budget.restored": _budget_restored,
    "project.created": _project_created,
    "project.withdrawn": _project_withdrawn,
    "project.restored": _project_restored,
    "budget.projects_from_proposals": _projects_from_proposals,
    "proposal.assign": _proposal_assign,
    "proposal.evaluation_started": _evaluation_started,
    "proposal.evaluation_recorded": _evaluation_recorded,
    "proposal.answer_published": _answer_published,
    "user.role": _user_role,
    "process_role.assigned": _process_role_assigned,
    "process_role.removed": _process_role_removed,
    "user.reset_link_sent": _reset_link_sent,
    "accounts.blocked": _blocked,
    "accounts.unblocked": _unblocked,
    "accounts.deleted": _account_deleted,
    "census.verify_failed": _verify_failed,
    "census.import": _census_import,
    "ballot.duplicate_after_close": _duplicate_after_close,
    "ballot.annulled": _ballot_annulled,
    "officing.paper_ballot": _paper_ballot,
    "officing.bulk_paper_ballots": _bulk_paper_ballots,
    "district.created": _district_created,
    "execution_item.created": _item_created,
    "execution_item.updated": _item_updated,
    "execution.bulk_update": _bulk_update,
    "milestone.added": _milestone_added,
    "execution_status.added": _status_added,
    "execution_status.renamed": _status_renamed,
    "moderation.hidden": _hidden,
    "moderation.hide_confirmed": _hide_confirmed,
    "moderation.restored": _restored,
    "moderation.hidden_by_reports": _hidden_by_reports,
    **LEGAL_SENTENCES,
}
