"""Execution follow-up administration pages: statuses, items, milestones and the bulk CSV.

Registered on the public pages' blueprint (``views.bp``), so the endpoint names are
``accountability.admin_*``; the module is imported where the blueprints are registered, for
its routes. Views parse the form, call a service, commit once (notifications are sent after
the commit) and redirect.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from participa.accountability import bulk, milestones, rollup
from participa.accountability import items as execution_items
from participa.accountability import statuses as execution_statuses
from participa.accountability.forms import (
    BulkForm,
    ChildForm,
    ItemForm,
    MilestoneForm,
    PlainForm,
    StatusForm,
)
from participa.accountability.models import ExecutionItem, ExecutionStatus
from participa.accountability.views import _all_items, _currency, bp
from participa.admin.edit_forms import show_error
from participa.csvfiles import read_upload
from participa.errors import DomainError
from participa.extensions import db
from participa.guards import is_admin, staff_only
from participa.processes.models import Process
from participa.request_limits import body_limit

# Milestone uploads carry a photo of up to 5 MB: more than the site-wide request limit.
MILESTONE_REQUEST_LIMIT = milestones.MAX_PHOTO_BYTES + 512 * 1024


admin_required = staff_only(is_admin)


def _admin_process(process_id: int) -> Process:
    return db.get_or_404(Process, process_id)


def _admin_item(process_id: int, item_id: int) -> ExecutionItem:
    item = db.get_or_404(ExecutionItem, item_id)
    if item.process_id != process_id:
        abort(404)
    return item


def _admin_page(process: Process, status: int = 200, **context):
    items = _all_items(process)
    context.setdefault("bulk_form", BulkForm())
    context.setdefault("status_form", StatusForm())
    return render_template(
        "accountability/admin.html",
        process=process,
        items=items,
        roll=rollup.rollup(items),
        statuses=execution_statuses.statuses(process),
        plain=PlainForm(),
        csv_columns=csv_columns(),
        currency=_currency(process),
        section="seguimiento",  # its tab in the process's administration
        **context,
    ), status


def csv_columns() -> list[tuple[str, str]]:
    """The columns of the bulk-update CSV, as documented on the page."""
    return [
        ("id", _("Número del elemento en Participa (se ve en la tabla). Usa id o code.")),
        ("code", _("Clave del municipio del elemento, si no das el id.")),
        ("status", _("Estado: su clave o su nombre, como aparecen en la lista de estados.")),
        ("progress", _("Avance de 0 a 100, entero (se acepta «45%»).")),
        ("spent", _("Dinero ejercido en pesos enteros, sin centavos (se acepta «12,500»).")),
        ("office", _("Dependencia responsable (hasta 120 caracteres).")),
    ]


@bp.get("/admin/procesos/<int:process_id>/seguimiento")
@admin_required
def admin_index(process_id: int):
    return _admin_page(_admin_process(process_id))


@bp.post("/admin/procesos/<int:process_id>/seguimiento/desde-resultados")
@admin_required
def admin_from_results(process_id: int):
    process = _admin_process(process_id)
    if not PlainForm().validate():
        abort(400)
    try:
        created = execution_items.items_from_results(process, current_user)
    except DomainError as error:
        db.session.rollback()
        return _admin_page(_admin_process(process_id), error.status_code, from_results_error=error)
    db.session.commit()
    if created:
        flash(
            ngettext(
                "Se creó %(num)d elemento de seguimiento a partir de los resultados.",
                "Se crearon %(num)d elementos de seguimiento a partir de los resultados.",
                len(created),
            ),
            "success",
        )
    else:
        flash(_("No había proyectos ganadores nuevos: todos ya tienen su seguimiento."))
    return redirect(url_for("accountability.admin_index", process_id=process_id), code=303)


@bp.post("/admin/procesos/<int:process_id>/seguimiento/estados")
@admin_required
def admin_add_status(process_id: int):
    process = _admin_process(process_id)
    form = StatusForm()
    if not form.validate():
        db.session.rollback()
        return _admin_page(process, 422, status_form=form)
    try:
        execution_statuses.add_status(
            process, current_user, form.name.data, form.progress.data or 0
        )
    except DomainError as error:
        db.session.rollback()
        show_error(form, error)
        return _admin_page(_admin_process(process_id), error.status_code, status_form=form)
    db.session.commit()
    flash(_("Estado agregado."), "success")
    return redirect(
        url_for("accountability.admin_index", process_id=process_id) + "#estados", code=303
    )


@bp.post("/admin/procesos/<int:process_id>/seguimiento/estados/<int:status_id>")
@admin_required
def admin_rename_status(process_id: int, status_id: int):
    status = db.get_or_404(ExecutionStatus, status_id)
    if status.process_id != process_id:
        abort(404)
    form = StatusForm()
    if not form.validate():  # drawn again in its row, with what was typed
        db.session.rollback()
        return _admin_page(_admin_process(process_id), 400, renamed=(status_id, form))
    try:
        execution_statuses.rename_status(status, current_user, form.name.data, form.progress.data)
    except DomainError as error:
        db.session.rollback()
        show_error(form, error)
        return _admin_page(_admin_process(process_id), error.status_code, renamed=(status_id, form))
    db.session.commit()
    flash(_("Estado actualizado."), "success")
    return redirect(
        url_for("accountability.admin_index", process_id=process_id) + "#estados", code=303
    )


@bp.post("/admin/procesos/<int:process_id>/seguimiento/csv")
@admin_required
def admin_bulk(process_id: int):
    process = _admin_process(process_id)
    form = BulkForm()
    if not form.validate():
        db.session.rollback()
        return _admin_page(process, 422, bulk_form=form)
    try:
        upload = form.file.data
        text, note = read_upload(upload.read()) if upload else (form.text.data, None)
        changed = bulk.bulk_update_csv(process, current_user, text)
    except bulk.BulkErrors as error:
        db.session.rollback()
        return _admin_page(process, error.status_code, bulk_form=form, bulk_error=error)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _admin_page(process, error.status_code, bulk_form=form)
    db.session.commit()
    flash(_("Archivo aplicado: %(n)d elementos cambiaron.", n=changed), "success")
    if note:
        flash(note, "info")
    return redirect(url_for("accountability.admin_index", process_id=process_id), code=303)


def _item_form(item: ExecutionItem, formdata=True) -> ItemForm:
    form = ItemForm(obj=item) if formdata else ItemForm(formdata=None, obj=item)
    form.status_id.choices = [(s.id, s.name) for s in execution_statuses.statuses(item.process)]
    return form


def _item_page(item: ExecutionItem, status: int = 200, **context):
    if "form" not in context:
        context["form"] = _item_form(item, formdata=False)
    context.setdefault("milestone_form", MilestoneForm(formdata=None))
    context.setdefault("child_form", ChildForm(formdata=None))
    return render_template(
        "accountability/admin_item.html",
        item=item,
        process=item.process,
        progress=rollup.effective_progress(item),
        spent=rollup.effective_spent(item),
        children_progress={c.id: rollup.effective_progress(c) for c in item.children},
        currency=_currency(item.process),
        **context,
    ), status


@bp.route("/admin/procesos/<int:process_id>/seguimiento/<int:item_id>", methods=["GET", "POST"])
@admin_required
def admin_item(process_id: int, item_id: int):
    item = _admin_item(process_id, item_id)
    if request.method == "GET":  # reads only (an item is created with the statuses)
        return _item_page(item)
    execution_statuses.ensure_statuses(item.process)  # the defaults, if it has none yet
    form = _item_form(item)
    if not form.validate():
        db.session.rollback()
        return _item_page(item, 422, form=form)
    status = db.session.get(ExecutionStatus, form.status_id.data)
    values = {
        "status": status,
        "office": form.office.data,
        "code": form.code.data,
        "starts_on": form.starts_on.data,
        "ends_on": form.ends_on.data,
    }
    if not item.children:
        values["progress"] = form.progress.data
        values["spent"] = form.spent.data
    try:
        execution_items.update_item(item, current_user, **values)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _item_page(_admin_item(process_id, item_id), error.status_code, form=form)
    db.session.commit()
    flash(_("Seguimiento actualizado."), "success")
    return redirect(
        url_for("accountability.admin_item", process_id=process_id, item_id=item_id), code=303
    )


@bp.post("/admin/procesos/<int:process_id>/seguimiento/<int:item_id>/hitos")
@admin_required
@body_limit(MILESTONE_REQUEST_LIMIT)  # a photo: more than the site-wide limit
def admin_add_milestone(process_id: int, item_id: int):
    item = _admin_item(process_id, item_id)
    form = MilestoneForm()
    if not form.validate():
        db.session.rollback()
        return _item_page(item, 422, milestone_form=form)
    try:
        milestones.add_milestone(
            item, current_user, form.happened_on.data, form.text.data, form.photo.data or None
        )
    except milestones.InvalidPhoto as error:  # said beside the photo field
        db.session.rollback()
        form.photo.errors = [*form.photo.errors, error.message]
        return _item_page(_admin_item(process_id, item_id), error.status_code, milestone_form=form)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _item_page(_admin_item(process_id, item_id), error.status_code, milestone_form=form)
    db.session.commit()
    flash(_("Avance agregado."), "success")
    return redirect(
        url_for("accountability.admin_item", process_id=process_id, item_id=item_id) + "#hitos",
        code=303,
    )


@bp.post("/admin/procesos/<int:process_id>/seguimiento/<int:item_id>/partes")
@admin_required
def admin_add_child(process_id: int, item_id: int):
    item = _admin_item(process_id, item_id)
    form = ChildForm()
    if not form.validate():
        db.session.rollback()
        return _item_page(item, 422, child_form=form)
    try:
        execution_items.add_item(
            item.process,
            current_user,
            form.title.data,
            parent=item,
            budgeted=form.budgeted.data or 0,
            code=form.code.data,
        )
    except DomainError as error:
        db.session.rollback()
        show_error(form, error)
        return _item_page(_admin_item(process_id, item_id), error.status_code, child_form=form)
    db.session.commit()
    flash(_("Parte agregada."), "success")
    return redirect(
        url_for("accountability.admin_item", process_id=process_id, item_id=item_id) + "#partes",
        code=303,
    )
