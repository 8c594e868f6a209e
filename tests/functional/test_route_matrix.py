"""Every route of the URL map, with every method, requested as every role: the visitor, a
resident and each staff role. ``ROUTES`` says who may use each route; a route that is not in
it fails the test, so every new route gets classified.

- allowed: not refused (no 401/403, no trip to the login page), never a 5xx; a GET answers
  200 (or the statuses its entry names) and a POST is handled (2xx, 3xx or a 4xx about the
  empty form, never 404/405 unless its entry says so);
- a visitor on a private route: sent to the login page (302 to ``/entrar?next=...``);
- a signed-in person without the role: 403.

Each role gets a fresh seeded world (processes open and finished, a tallied budget, open
data, follow-up with a photo, comments, census...) and POSTs carry an empty body, so the
actions that do something act on spare objects (a spare phase, a spare comment, the
person's own proposal) and logging out (everywhere, then here) comes last.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from flask import Flask

from participa.accounts.models import Role
from participa.budgets.models import Budget
from participa.extensions import db
from participa.processes.models import Process
from tests import factories as f
from tests.support.routes import World, build_world, methods_of

PUBLIC = "public"
SIGNED_IN = "signed in"
ADMIN = frozenset({Role.ADMIN})
EVALUATORS = frozenset({Role.EVALUATOR, Role.ADMIN})
MODERATORS = frozenset({Role.MODERATOR, Role.ADMIN})
OFFICERS = frozenset({Role.OFFICER, Role.ADMIN})
HANDLED = (200, 302, 303, 400, 409, 422)  # an empty POST that was let in


@dataclass(frozen=True)
class Access:
    who: str | frozenset[Role]
    get: tuple[int, ...] = (200,)
    post: tuple[int, ...] = HANDLED


ROUTES: dict[str, Access] = {
    # public pages and downloads
    "static": Access(PUBLIC),
    "processes.index": Access(PUBLIC),
    "processes.show": Access(PUBLIC),
    "processes.changes": Access(PUBLIC),
    "proposals.index": Access(PUBLIC),
    "proposals.show": Access(PUBLIC),
    "budgets.show": Access(PUBLIC),
    "results.show": Access(PUBLIC),
    "results.results_csv": Access(PUBLIC),
    "results.ballots_csv": Access(PUBLIC),
    "conversation.project": Access(PUBLIC),
    "accountability.index": Access(PUBLIC),
    "accountability.item": Access(PUBLIC),
    "accountability.photo": Access(PUBLIC),
    "opendata.portal": Access(PUBLIC),
    "opendata.process_data": Access(PUBLIC),
    "opendata.download": Access(PUBLIC),
    "opendata.latest": Access(PUBLIC, get=(302,)),  # to the permanent URL of the version
    "opendata.receipt": Access(PUBLIC),
    # operations: probes for everyone; the metrics are off in the tests (404) and, when on,
    # limited by address and token (tests/ops/test_metrics.py)
    "ops.healthz": Access(PUBLIC),
    "ops.readyz": Access(PUBLIC),
    "ops_metrics.metrics": Access(PUBLIC, get=(404,)),
    "accounts.login": Access(PUBLIC, post=(422,)),
    "accounts.register": Access(PUBLIC, post=(422,)),
    "accounts.set_language": Access(PUBLIC, post=(302,)),
    "accounts.check_your_mail": Access(PUBLIC),
    # a mailed link: its token to the session, then the page without it
    "accounts.open_confirmation": Access(PUBLIC, get=(303,)),
    "accounts.open_reset": Access(PUBLIC, get=(303,)),
    "profile.open_email_change": Access(PUBLIC, get=(303,)),
    # no (valid) token in the session: "this link no longer works", 400
    "accounts.confirmation": Access(PUBLIC, get=(400,), post=(400,)),
    "accounts.reset_password": Access(PUBLIC, get=(400,), post=(400,)),
    "accounts.forgot_password": Access(PUBLIC, post=(422,)),
    "accounts.forgot_password_sent": Access(PUBLIC),
    # the privacy notice, complete and simplified, the terms of use and their versions
    "legal.privacy": Access(PUBLIC),
    "legal.privacy_short": Access(PUBLIC),
    "legal.terms": Access(PUBLIC),
    "legal.versions": Access(PUBLIC),
    "legal.old_version": Access(PUBLIC),
    # the read API: JSON, GET only
    "api-docs.openapi_json": Access(PUBLIC),
    "api.list_processes": Access(PUBLIC),
    "api.get_process": Access(PUBLIC),
    "api.list_phases": Access(PUBLIC),
    "api.list_budgets": Access(PUBLIC),
    "api.list_proposals": Access(PUBLIC),
    "api.get_proposal": Access(PUBLIC),
    "api.get_budget": Access(PUBLIC),
    "api.list_projects": Access(PUBLIC),
    "api.get_results": Access(PUBLIC),
    "api.list_datasets": Access(PUBLIC),
    "api.unknown": Access(PUBLIC, get=(404,)),  # JSON "not found" for unknown API paths
    # anyone signed in
    "accounts.logout": Access(SIGNED_IN, post=(302,)),
    "accounts.account": Access(SIGNED_IN),
    "accounts.logout_everywhere": Access(SIGNED_IN, post=(302,)),
    "accounts.security": Access(SIGNED_IN),
    "accounts.change_password": Access(SIGNED_IN, post=(422,)),
    "accounts.resend_confirmation": Access(SIGNED_IN, post=(303,)),
    "accounts.my_data": Access(SIGNED_IN, post=(303,)),
    "accounts.download_my_data": Access(SIGNED_IN, get=(404,)),  # only the owner's archive
    "accounts.delete_account": Access(SIGNED_IN, post=(422,)),  # no password: nothing deleted
    "notifications.index": Access(SIGNED_IN),
    "notifications.open_notification": Access(SIGNED_IN, get=(303,)),
    "notifications.mark_read": Access(SIGNED_IN, post=(303,)),
    "notifications.mark_all_read": Access(SIGNED_IN, post=(303,)),
    "notifications.settings": Access(SIGNED_IN, post=(303,)),
    "profile.edit": Access(SIGNED_IN, post=(422,)),
    "profile.email": Access(SIGNED_IN, post=(422,)),
    "profile.email_sent": Access(SIGNED_IN),
    # no (valid) e-mail change token in the session: "this link no longer works", 400
    "profile.email_change": Access(SIGNED_IN, get=(400,), post=(400,)),
    "profile.activity_page": Access(SIGNED_IN),
    "processes.follow": Access(SIGNED_IN, post=(303,)),
    "proposals.new": Access(SIGNED_IN, post=(422,)),
    "proposals.support": Access(SIGNED_IN, post=(303,)),
    "proposals.unsupport": Access(SIGNED_IN, post=(303,)),
    "proposals.withdraw": Access(SIGNED_IN, post=(200,)),  # one's own; asks first
    "budgets.ballot": Access(SIGNED_IN),
    "budgets.review": Access(SIGNED_IN, post=(422,)),
    "budgets.confirm": Access(SIGNED_IN, post=(422,)),
    "conversation.comment_proposal": Access(SIGNED_IN, post=(422,)),
    "conversation.comment_project": Access(SIGNED_IN, post=(422,)),
    "conversation.report": Access(SIGNED_IN, post=(422,)),  # a reason is needed
    "accountability.follow": Access(SIGNED_IN, post=(303,)),
    "accountability.unfollow": Access(SIGNED_IN, post=(303,)),
    "accountability.comment": Access(SIGNED_IN, post=(422,)),
    "census.verify": Access(SIGNED_IN, post=(422,)),
    # the factories' accounts accepted nothing: the question, and "tick the box"
    "legal.accept": Access(SIGNED_IN, post=(422,)),
    "legal.my_requests": Access(SIGNED_IN, post=(422,)),
    "legal.my_request": Access(SIGNED_IN),  # one's own (another's is a 404)
    # moderators
    "conversation.queue": Access(MODERATORS),
    "conversation.hide": Access(MODERATORS, post=(200,)),  # asks first
    "conversation.restore": Access(MODERATORS, post=(303,)),
    "conversation.block": Access(MODERATORS, post=(200,)),  # asks first
    "conversation.unblock": Access(MODERATORS, post=(303,)),
    # evaluators
    "review.queue": Access(EVALUATORS),
    "review.evaluate": Access(EVALUATORS, post=(422,)),
    "review.start": Access(EVALUATORS, post=(303,)),
    # booth officers
    "officing.index": Access(OFFICERS),
    "officing.booth": Access(OFFICERS, post=(422,)),
    "officing.record": Access(OFFICERS, post=(422,)),
    "officing.bulk": Access(OFFICERS, post=(422,)),
    # administrators
    "admin.dashboard": Access(ADMIN),
    "admin.districts": Access(ADMIN, post=(422,)),
    "admin.new_process": Access(ADMIN, post=(422,)),
    "admin.process": Access(ADMIN),  # overview and settings; each section at its address
    "admin.process_phases": Access(ADMIN),
    "admin.process_budgets": Access(ADMIN),
    "admin.process_proposals": Access(ADMIN),
    "admin.process_review": Access(ADMIN),
    "admin.process_results": Access(ADMIN),
    "admin.confirm_open_phase": Access(ADMIN),  # what opening a phase now does; asks first
    "admin.process_settings": Access(ADMIN, post=(400,)),
    "admin.add_phase": Access(ADMIN, post=(400,)),
    "admin.delete_phase": Access(ADMIN, post=(200,)),  # asks first
    "admin.move_phase": Access(ADMIN, post=(200,)),  # closing now asks first
    "admin.add_budget": Access(ADMIN, post=(400,)),
    "admin.budget": Access(ADMIN),
    "admin.edit_budget": Access(ADMIN, post=(422,)),
    "admin.add_project": Access(ADMIN, post=(400,)),
    "admin.projects_from_proposals": Access(ADMIN, post=(422,)),
    "admin.tally": Access(ADMIN, post=(303,)),
    "admin.compare": Access(ADMIN),
    "admin.tally_progress": Access(ADMIN),
    "admin.answer_proposal": Access(ADMIN, post=(400,)),
    "admin.action_log": Access(ADMIN),
    "admin.action_log_csv": Access(ADMIN),
    "admin.legal_documents": Access(ADMIN),
    "admin.edit_legal_document": Access(ADMIN, post=(422,)),  # an empty text
    "admin.data_requests_list": Access(ADMIN),
    "admin.data_request": Access(ADMIN, post=(422,)),  # a verdict and an answer are needed
    # administrators correcting what they created (participa.admin.editing, ballot_editing)
    # an empty POST of an edit form keeps the stored values: nothing changes
    "admin.edit_process": Access(ADMIN, post=(303,)),
    "admin.edit_phase": Access(ADMIN, post=(303,)),  # the spare process's past phase
    "admin.confirm_delete_phase": Access(ADMIN),
    "admin.confirm_close_phase": Access(ADMIN),
    "admin.edit_district": Access(ADMIN, post=(303,)),
    "admin.delete_district": Access(ADMIN, post=(200,)),  # asks first (empty POST)
    "admin.delete_status": Access(ADMIN, post=(200,)),  # asks first
    "admin.archive_budget": Access(ADMIN, post=(200,)),  # asks first
    "admin.delete_budget": Access(ADMIN, post=(200,)),  # asks first
    "admin.edit_project": Access(ADMIN, post=(422,)),
    "admin.remove_project": Access(ADMIN, post=(200,)),  # asks first
    "admin.archived": Access(ADMIN),
    "admin.restore_budget": Access(ADMIN, post=(409,)),  # it is not archived
    "admin.restore_project": Access(ADMIN, post=(409,)),  # it is on the ballot
    "admin.confirm_publication": Access(ADMIN),  # "¿Despublicar…?" and why it cannot
    "admin.change_publication": Access(ADMIN, post=(200,)),  # asks (and says why it cannot)
    "admin.confirm_open_data": Access(ADMIN),
    "admin.publish_open_data": Access(ADMIN, post=(200,)),  # asks first
    "admin.categories": Access(ADMIN, post=(422,)),
    "admin.edit_category": Access(ADMIN, post=(303,)),  # empty: its stored values, saved
    "admin.move_category": Access(ADMIN, post=(303,)),
    "admin.archive_category": Access(ADMIN, post=(303,)),
    "admin.delete_category": Access(ADMIN, post=(200,)),  # asks first
    "admin.process_team": Access(ADMIN, post=(422,)),  # an e-mail and a role are needed
    "admin.remove_process_role": Access(ADMIN, post=(200,)),  # asks first
    "census.admin_census": Access(ADMIN, post=(422,)),
    "review.assign": Access(ADMIN, post=(400,)),
    "review.publish": Access(ADMIN, post=(422,)),
    "review.threshold": Access(ADMIN, post=(303,)),
    "review.users": Access(ADMIN),
    "review.set_role": Access(ADMIN, post=(422,)),
    "review.send_reset_link": Access(ADMIN, post=(303,)),  # mailed to the person, logged
    "accountability.admin_index": Access(ADMIN),
    "accountability.admin_from_results": Access(ADMIN, post=(303,)),
    "accountability.admin_add_status": Access(ADMIN, post=(422,)),
    "accountability.admin_rename_status": Access(ADMIN, post=(400,)),  # the form again
    "accountability.admin_bulk": Access(ADMIN, post=(422,)),
    "accountability.admin_item": Access(ADMIN, post=(303,)),  # empty: its own values
    "accountability.admin_add_milestone": Access(ADMIN, post=(422,)),
    "accountability.admin_add_child": Access(ADMIN, post=(422,)),
}


def test_every_route_is_classified(app):
    """A new route fails here until ``ROUTES`` says who may use it."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(endpoints - set(ROUTES)) == [], "classify the new routes in ROUTES"
    assert sorted(set(ROUTES) - endpoints) == [], "ROUTES names routes that no longer exist"
    for rule in app.url_map.iter_rules():
        assert set(methods_of(rule)) <= {"GET", "POST"}, rule  # PUT/DELETE: add them here
        if rule.endpoint.startswith("api"):
            assert methods_of(rule) == ["GET"], rule  # the read API stays read-only


def requests_in_order(app: Flask, world: World) -> list[tuple[str, str, str]]:
    """(endpoint, method, url): every GET, then every POST, logging out last."""
    pending = []
    for rule in app.url_map.iter_rules():
        for method in methods_of(rule):
            pending.append((rule.endpoint, method, world.url(app, rule)))
    last = ["accounts.logout_everywhere", "accounts.logout"]  # they end the session
    return sorted(
        pending, key=lambda r: (r[0] in last and 1 + last.index(r[0]), r[1] == "POST", r[0], r[2])
    )


def to_login(response) -> bool:
    return response.status_code in (301, 302, 303) and (
        urlsplit(response.headers.get("Location", "")).path == "/entrar"
    )


def allowed(access: Access, role: Role | None) -> bool:
    if access.who == PUBLIC:
        return True
    if role is None:
        return False
    return access.who == SIGNED_IN or role in access.who


def verdict(access: Access, role: Role | None, method: str, response) -> str | None:
    """What is wrong with ``response``, or None."""
    return judged(access, allowed(access, role), role is None, method, response)


def judged(access: Access, may: bool, visitor: bool, method: str, response) -> str | None:
    """What is wrong with ``response`` to someone who ``may`` use the route, or None."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if may:
        if status in (401, 403) or to_login(response):
            return f"refused ({status}) though allowed"
        expected = access.get if method == "GET" else access.post
        if status not in expected:
            return f"status {status}, expected one of {expected}"
        return None
    if visitor:
        return None if to_login(response) else f"visitor got {status}, not the login page"
    return None if status == 403 else f"status {status}, expected 403"


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r or "visitor")
def test_route_matrix(app, client, auth, role):
    person = f.user(role) if role else None
    world = build_world(person)
    if person:
        auth.login(person)
    wrong = []
    for endpoint, method, url in requests_in_order(app, world):
        if endpoint == "accounts.logout" and person:
            auth.login(person)  # logging out everywhere, just before, ended the session
        response = client.open(url, method=method, data={} if method == "POST" else None)
        problem = verdict(ROUTES[endpoint], role, method, response)
        if problem:
            wrong.append(f"{method} {url} ({endpoint}): {problem}")
        db.session.rollback()
    assert not wrong, "\n".join(wrong)


# Staff of one process: a resident assigned a role on the process the world's routes name
# ("own") or on another one ("other"). Their screen (the list) opens either way, showing
# only their processes; the routes that act on one process's content are theirs on their
# own process only (403 elsewhere); blocking accounts stays with global moderators; every
# other route answers as it does for a resident.
STAFF_LISTS = {"review.queue", "conversation.queue", "officing.index"}
GLOBAL_ONLY = {"conversation.block", "conversation.unblock"}


def process_staff_may(endpoint: str, access: Access, role: Role, own: bool) -> bool:
    if access.who in (PUBLIC, SIGNED_IN):
        return True
    if endpoint in GLOBAL_ONLY or access.who == ADMIN or role not in access.who:
        return False
    return own or endpoint in STAFF_LISTS


@pytest.mark.parametrize("own", [True, False], ids=["own process", "other process"])
@pytest.mark.parametrize("role", [Role.EVALUATOR, Role.MODERATOR, Role.OFFICER])
def test_route_matrix_of_process_staff(app, client, auth, role, own):
    person = f.user()
    world = build_world(person)
    if role == Role.OFFICER:  # the booths' process
        process_id = db.session.get(
            Budget, world.overrides["officing.booth"]["budget_id"]
        ).process_id
    else:  # the open process: its proposal and comments
        process_id = world.values["process_id"]
    if not own:
        process_id = f.process().id
    f.process_role(person, db.session.get(Process, process_id), role)
    db.session.commit()
    auth.login(person)
    wrong = []
    for endpoint, method, url in requests_in_order(app, world):
        if endpoint == "accounts.logout":
            auth.login(person)  # logging out everywhere, just before, ended the session
        response = client.open(url, method=method, data={} if method == "POST" else None)
        may = process_staff_may(endpoint, ROUTES[endpoint], role, own)
        problem = judged(ROUTES[endpoint], may, False, method, response)
        if problem:
            wrong.append(f"{method} {url} ({endpoint}): {problem}")
        db.session.rollback()
    assert not wrong, "\n".join(wrong)
