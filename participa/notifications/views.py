"""A person's notifications in the application (``/notificaciones``, the bell of the header)
and their preferences per topic and channel (``/cuenta/notificaciones``)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from participa.accounts.forms import EmptyForm
from participa.extensions import db
from participa.notifications import inbox, preferences
from participa.notifications.forms import PreferencesForm, field_name
from participa.notifications.kinds import TOPICS, Channel, Policy
from participa.views_common import page_arg, safe_next

bp = Blueprint("notifications", __name__)
PER_PAGE = 20


@bp.before_app_request
def forget_the_previous_count() -> None:
    """Each request counts for itself (the test client's requests share a context)."""
    inbox.forget_count()


@bp.app_context_processor
def bell() -> dict:
    """``unread_notifications()`` for the header: counted at most once per request."""
    return {"unread_notifications": inbox.bell_count}


@bp.get("/notificaciones")
@login_required
def index():
    page = db.paginate(
        inbox.listing(current_user.id), page=page_arg(), per_page=PER_PAGE, error_out=False
    )
    return render_template(
        "notifications/index.html", page=page, text=inbox.in_app_text, form=EmptyForm()
    )


@bp.get("/notificaciones/<int:notification_id>")
@login_required
def open_notification(notification_id: int):
    """Opening a notification marks it read and goes to what it is about (else back to
    the list, where it is shown whole)."""
    note = inbox.mark_read(current_user.id, notification_id)
    if note is None:
        abort(404)
    db.session.commit()
    fallback = url_for("notifications.index", _anchor=f"notificacion-{note.id}")
    return redirect(safe_next(note.link, fallback) if note.link else fallback, 303)


@bp.post("/notificaciones/<int:notification_id>/leida")
@login_required
def mark_read(notification_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    if inbox.mark_read(current_user.id, notification_id) is None:
        abort(404)
    db.session.commit()
    flash(_("Marcaste la notificación como leída."), "success")
    return redirect(url_for("notifications.index"), 303)


@bp.post("/notificaciones/leidas")
@login_required
def mark_all_read():
    if not EmptyForm().validate_on_submit():
        abort(400)
    marked = inbox.mark_all_read(current_user.id)
    db.session.commit()
    flash(
        ngettext(
            "Marcaste %(num)d notificación como leída.",
            "Marcaste %(num)d notificaciones como leídas.",
            marked,
        ),
        "success",
    )
    return redirect(url_for("notifications.index"), 303)


def _rows(form: PreferencesForm) -> list[dict]:
    """The rows of the preferences grid: per topic, per channel, its field or its policy."""
    return [
        {
            "key": key,
            "topic": topic,
            "cells": [
                {
                    "channel": channel,
                    "policy": topic.policy(channel),
                    "field": form[field_name(key, channel)]
                    if topic.policy(channel) == Policy.OPTIONAL
                    else None,
                }
                for channel in Channel
            ],
        }
        for key, topic in TOPICS.items()
    ]


@bp.route("/cuenta/notificaciones", methods=["GET", "POST"])
@login_required
def settings():
    form = PreferencesForm()
    if form.validate_on_submit():
        preferences.save_preferences(current_user.id, form.chosen())
        db.session.commit()
        flash(_("Guardamos tus preferencias de notificaciones."), "success")
        return redirect(url_for("notifications.settings"), 303)
    if form.is_submitted():  # only the CSRF token can be wrong
        return render_template("notifications/settings.html", form=form, rows=_rows(form)), 400
    off = preferences.opted_out(current_user.id)
    for key, channel in form.chosen():
        form[field_name(key, channel)].data = (key, channel) not in off
    return render_template("notifications/settings.html", form=form, rows=_rows(form))
