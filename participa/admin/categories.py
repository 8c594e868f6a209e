"""Administration of the categories of proposals and projects: list, create, edit,
reorder, archive and unarchive, and delete (with a confirmation page; refused, with the
reason, while proposals or projects use the category).

Registered on the administration blueprint (``admin.views.bp``, whose guard admits only
administrators); the module is imported where the blueprints are registered.
"""

from functools import partial

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from participa.admin.forms import ConfirmForm
from participa.admin.views import bp
from participa.categories import queries, services
from participa.categories.forms import CategoryForm, NewCategoryForm
from participa.categories.models import Category
from participa.confirmation import Question, carry_out, confirm_first
from participa.errors import DomainError
from participa.extensions import db


def _category(category_id: int) -> Category:
    return db.get_or_404(Category, category_id)


def _beside_field(form, error: DomainError) -> int:
    """Show a service's refusal beside the field it is about (else above the form); the
    status of a form error."""
    db.session.rollback()
    field = getattr(form, getattr(error, "field", ""), None)
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
    return 422


def _list_page(form: NewCategoryForm, status: int = 200):
    return render_template(
        "admin/categories.html",
        form=form,
        categories=queries.all_categories(),
        usage=queries.usage(),
        confirm=ConfirmForm(),
    ), status


@bp.route("/categorias", methods=["GET", "POST"])
def categories():
    """Every category in order, with its use, and the form to add one."""
    form = NewCategoryForm()
    if not form.validate_on_submit():
        return _list_page(form, 422 if form.errors else 200)
    try:
        category = services.create_category(
            name=form.name.data,
            name_en=form.name_en.data,
            description=form.description.data,
            slug=form.slug.data,
            actor=current_user,
        )
    except DomainError as error:
        return _list_page(form, _beside_field(form, error))
    db.session.commit()
    flash(_("Categoría «%(name)s» creada.", name=category.name), "success")
    return redirect(url_for("admin.categories"), code=303)


@bp.route("/categorias/<int:category_id>/editar", methods=["GET", "POST"])
def edit_category(category_id: int):
    category = _category(category_id)
    form = CategoryForm(obj=category)
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            services.update_category(
                category,
                name=form.name.data,
                name_en=form.name_en.data or "",
                description=form.description.data,
                actor=current_user,
            )
        except DomainError as error:
            status = _beside_field(form, error)
        else:
            db.session.commit()
            flash(_("Categoría «%(name)s» guardada.", name=category.name), "success")
            return redirect(url_for("admin.categories"), code=303)
    return render_template("admin/category_form.html", form=form, category=category), status


@bp.post("/categorias/<int:category_id>/<any(subir, bajar):move>")
def move_category(category_id: int, move: str):
    category = _category(category_id)
    if not ConfirmForm().validate():
        abort(400)
    services.move_category(category, -1 if move == "subir" else 1, actor=current_user)
    db.session.commit()
    return redirect(url_for("admin.categories", _anchor=f"categoria-{category.id}"), code=303)


@bp.post("/categorias/<int:category_id>/<any(archivar, restaurar):what>")
def archive_category(category_id: int, what: str):
    category = _category(category_id)
    if not ConfirmForm().validate():
        abort(400)
    services.set_archived(category, what == "archivar", actor=current_user)
    db.session.commit()
    if what == "archivar":
        flash(
            _(
                "Categoría «%(name)s» archivada: ya no se ofrece, y lo que la tiene la conserva.",
                name=category.name,
            ),
            "success",
        )
    else:
        flash(_("Categoría «%(name)s» disponible de nuevo.", name=category.name), "success")
    return redirect(url_for("admin.categories"), code=303)


def _ask_delete_category(category_id: int) -> Question:
    category = _category(category_id)
    proposals, projects = queries.usage_of(category)
    refusal = None
    if proposals or projects:
        refusal = _(
            "No se puede eliminar: la usan %(proposals)d propuestas y %(projects)d proyectos.",
            proposals=proposals,
            projects=projects,
        )
    return Question(
        _("¿Eliminar la categoría «%(name)s»?", name=category.name),
        _("Sí, eliminar la categoría"),
        url_for("admin.categories"),
        details=_("Ninguna propuesta ni proyecto la usa.") if refusal is None else "",
        refusal=refusal,
        crumbs=(
            (url_for("admin.dashboard"), _("Administración")),
            (url_for("admin.categories"), _("Categorías")),
            (None, category.name),
        ),
        template="admin/category_delete.html",
        context={"category": category, "form": ConfirmForm()},
    )


@bp.route("/categorias/<int:category_id>/eliminar", methods=["GET", "POST"])
@confirm_first(_ask_delete_category)
def delete_category(category_id: int):
    """GET: the confirmation (or, if something uses the category, why it cannot be deleted
    and the offer to archive it). POST, confirmed: delete."""
    category = _category(category_id)
    return carry_out(
        _ask_delete_category(category_id),
        url_for("admin.delete_category", category_id=category_id),
        partial(services.delete_category, category, actor=current_user),
        done=_("Categoría «%(name)s» eliminada.", name=category.name),
        then=url_for("admin.categories"),
    )
