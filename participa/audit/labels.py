"""Readable names for what the action log stores: fields, coded values, kinds of action and
kinds of thing acted on (Spanish source strings, translated at display time)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from participa.budgets.rules_text import BALLOT_TYPE_LABELS, RULE_LABELS

FIELD_LABELS = {
    "title": _l("Nombre"),
    "name": _l("Nombre"),
    "slug": _l("Dirección"),
    "municipality": _l("Municipio"),
    "description": _l("Descripción"),
    "district_id": _l("Distrito"),
    "parent_id": _l("Dentro de"),
    "level": _l("Nivel"),
    "starts_at": lazy_pgettext("fecha", "Inicio"),  # a start, not the home page
    "ends_at": _l("Fin"),
    "at": _l("Momento"),
    "reason": _l("Motivo"),
    "allows_propose": _l("Permite proponer"),
    "allows_support": _l("Permite apoyar"),
    "allows_comment": _l("Permite comentar"),
    "allows_vote": _l("Permite votar"),
    "shows_vote_counts": _l("Muestra los conteos de votos"),
    "shows_results": _l("Muestra los resultados"),
    "vote_scope": _l("Presupuestos de distrito en que vota cada residente"),
    "verification_to_vote": _l("Votar pide residencia verificada"),
    "verification_to_propose": _l("Proponer pide residencia verificada"),
    "in_person_voting": _l("Votación en casilla"),
    "support_threshold": _l("Mínimo de apoyos para pasar a revisión"),
    "amount": _l("Monto"),
    "currency": _l("Moneda"),
    "ballot_type": _l("Tipo de boleta"),
    "min_projects": _l("Mínimo de proyectos"),
    "max_projects": _l("Máximo de proyectos"),
    "min_spend_percent": _l("Porcentaje mínimo del presupuesto"),
    "min_points": _l("Mínimo de puntos por proyecto"),
    "max_points": _l("Máximo de puntos por proyecto"),
    "max_total_points": _l("Total de puntos"),
    "rule": _l("Regla de conteo"),
    "min_score": _l("Mínimo de votos"),
    "cost": _l("Costo"),
    "budget_id": _l("Presupuesto"),
    "proposal_id": _l("Propuesta"),
    "project_id": _l("Proyecto"),
    "projects": _l("Proyectos"),
    "evaluator_id": _l("Evaluación a cargo de"),
    "feasible": _l("Viable"),
    "state": _l("Estado"),
    "pending_state": _l("Respuesta retenida"),
    "pending_answer": _l("Texto de la respuesta retenida"),
    "pending_cost": _l("Costo estimado retenido"),
    "answer": _l("Respuesta"),
    "cost_estimate": _l("Costo estimado"),
    "answered_at": _l("Fecha de la respuesta"),
    "role": _l("Rol"),
    "blocked_at": _l("Bloqueada desde"),
    "sessions_ended": _l("Sesiones cerradas"),
    "hidden_at": _l("Oculto desde"),
    "reports_count": _l("Reportes"),
    "reports_resolved": _l("Reportes atendidos"),
    "pending_reports": _l("Reportes pendientes"),
    "rows": _l("Filas"),
    "added": _l("Nuevas"),
    "updated": _l("Actualizadas"),
    "identities_moved": _l("Identidades movidas"),
    "lines": _l("Líneas"),
    "accepted": _l("Aceptadas"),
    "rejected": _l("Líneas rechazadas"),
    "channel": _l("Canal"),
    "kept_ballot": _l("Boleta que cuenta"),
    "kept_channel": _l("Canal de la boleta que cuenta"),
    "duplicate_ballot": _l("Boleta duplicada"),
    "duplicate_channel": _l("Canal de la boleta duplicada"),
    "key": _l("Clave"),
    "position": _l("Posición"),
    "progress": _l("Avance (%)"),
    "status_id": _l("Estado de ejecución"),
    "budgeted": _l("Presupuestado"),
    "spent": _l("Gastado"),
    "office": _l("Oficina responsable"),
    "code": _l("Clave del elemento"),
    "starts_on": _l("Fecha de inicio"),
    "ends_on": _l("Fecha de término"),
    "milestone_id": _l("Avance"),
    "happened_on": _l("Fecha del avance"),
    "photo": _l("Foto"),
    "changed": _l("Elementos cambiados"),
    "published_at": _l("Publicado desde"),
    "archived_at": _l("Archivado desde"),
    "name_en": _l("Nombre en inglés"),
    "category": _l("Categoría"),
}

VALUE_LABELS = {
    "vote_scope": {
        "all": _l("En todos"),
        "own": _l("Solo en los de su distrito"),
        "one": _l("En uno de su elección"),
    },
    "level": {
        "municipality": _l("Municipio"),
        "sector": _l("Sector"),
        "neighbourhood": _l("Colonia"),
    },
    "state": {
        "submitted": _l("Enviada"),
        "evaluating": _l("En evaluación"),
        "accepted": _l("Aceptada"),
        "rejected": _l("Rechazada"),
        "withdrawn": _l("Retirada"),
    },
    "role": {
        "resident": _l("Residente"),
        "evaluator": _l("Evaluación de propuestas"),
        "moderator": _l("Moderación"),
        "officer": _l("Mesa presencial"),
        "admin": _l("Administración"),
    },
    "channel": {"online": _l("En línea"), "booth": _l("En casilla"), "import": _l("Importada")},
    "reason": {"paper_ballot_counts": _l("cuenta la boleta en papel")},
    "rule": dict(RULE_LABELS),
    "ballot_type": dict(BALLOT_TYPE_LABELS),
}
VALUE_LABELS["pending_state"] = VALUE_LABELS["state"]
VALUE_LABELS["kept_channel"] = VALUE_LABELS["duplicate_channel"] = VALUE_LABELS["channel"]


def field_label(key: str) -> str:
    """A stored field's name in words (the key itself when unknown)."""
    label = FIELD_LABELS.get(key)
    return str(label) if label is not None else key


#: Kinds of action in words, for the log's filter (the sentence says the rest).
KIND_LABELS = {
    "process.created": _l("Proceso creado"),
    "process.settings": _l("Ajustes de votación"),
    "process.support_threshold": _l("Mínimo de apoyos"),
    "phase.added": _l("Fase agregada"),
    "phase.deleted": _l("Fase eliminada"),
    "phase.opened": _l("Fase abierta por el calendario"),
    "phase.closed": _l("Fase cerrada por el calendario"),
    "phase.opened_by_hand": _l("Fase abierta a mano"),
    "phase.closed_by_hand": _l("Fase cerrada a mano"),
    "voting.reopened": _l("Votación reabierta"),
    "budget.created": _l("Presupuesto creado"),
    "budget.updated": _l("Presupuesto cambiado"),
    "budget.archived": _l("Presupuesto archivado"),
    "budget.restored": _l("Presupuesto restaurado"),
    "project.created": _l("Proyecto agregado"),
    "project.withdrawn": _l("Proyecto retirado de la boleta"),
    "project.restored": _l("Proyecto restaurado a la boleta"),
    "budget.projects_from_proposals": _l("Propuestas pasadas a la boleta"),
    "proposal.assign": _l("Propuesta asignada"),
    "proposal.evaluation_started": _l("Evaluación empezada"),
    "proposal.evaluation_recorded": _l("Evaluación registrada"),
    "proposal.answer_published": _l("Respuesta publicada"),
    "user.role": _l("Rol cambiado"),
    "process_role.assigned": _l("Rol en un proceso asignado"),
    "process_role.removed": _l("Rol en un proceso quitado"),
    "user.reset_link_sent": _l("Enlace para crear contraseña enviado"),
    "accounts.blocked": _l("Cuenta bloqueada"),
    "accounts.unblocked": _l("Cuenta desbloqueada"),
    "accounts.deleted": _l("Cuenta eliminada por su titular"),
    "census.verify_failed": _l("Verificación fallida"),
    "census.import": _l("Padrón cargado"),
    "ballot.duplicate_after_close": _l("Boleta duplicada tras el cierre"),
    "ballot.annulled": _l("Boleta en línea anulada"),
    "officing.paper_ballot": _l("Boleta en papel"),
    "officing.bulk_paper_ballots": _l("Boletas en papel en lote"),
    "district.created": _l("Distrito creado"),
    "execution_item.created": _l("Elemento de seguimiento agregado"),
    "execution_item.updated": _l("Seguimiento actualizado"),
    "execution.bulk_update": _l("Seguimiento actualizado desde archivo"),
    "milestone.added": _l("Avance agregado"),
    "execution_status.added": _l("Estado de ejecución agregado"),
    "execution_status.renamed": _l("Estado de ejecución renombrado"),
    "moderation.hidden": _l("Contenido ocultado"),
    "moderation.hide_confirmed": _l("Ocultamiento confirmado"),
    "moderation.restored": _l("Contenido restaurado"),
    "moderation.hidden_by_reports": _l("Ocultado por reportes"),
    "legal_document.published": _l("Aviso legal publicado"),
    "data_request.created": _l("Solicitud sobre datos recibida"),
    "data_request.answered": _l("Solicitud sobre datos respondida"),
}


#: For kinds without a label: the thing (first part of the kind) and the act (last part).
THINGS = {
    "process": _l("Proceso"),
    "phase": _l("Fase"),
    "budget": _l("Presupuesto"),
    "project": _l("Proyecto"),
    "proposal": _l("Propuesta"),
    "district": _l("Distrito"),
    "category": _l("Categoría"),
    "execution_item": _l("Elemento de seguimiento"),
    "execution_status": _l("Estado de ejecución"),
    "voting": _l("Votación"),
}
ACTS = {
    "created": _l("creación"),
    "added": _l("alta"),
    "updated": _l("cambio"),
    "edited": _l("cambio"),
    "changed": _l("cambio"),
    "deleted": _l("eliminación"),
    "removed": _l("eliminación"),
    "archived": _l("archivo"),
    "unarchived": _l("salida del archivo"),
    "published": _l("publicación"),
    "unpublished": _l("retiro de la publicación"),
    "restored": _l("restauración"),
    "renamed": _l("cambio de nombre"),
    "moved": _l("movimiento"),
    "withdrawn": _l("retiro"),
    "extended": _l("extensión"),
    "shortened": _l("acortamiento"),
    "reopened": _l("reapertura"),
}


def kind_label(action: str) -> str:
    """A kind of action in words: its label, else its thing and act ("Fase: cambio"), else
    the kind as it is stored."""
    label = KIND_LABELS.get(action)
    if label is not None:
        return str(label)
    thing, _dot, act = action.partition(".")
    if thing in THINGS and act in ACTS:
        return f"{THINGS[thing]}: {ACTS[act]}"
    return action
