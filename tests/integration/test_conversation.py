"""Comments, reports and moderation on the real database."""

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from participa.accounts.models import Role
from participa.audit.models import ActionLog
from participa.conversation import comments, moderation, reports
from participa.conversation.models import Report, ReportState
from participa.db import utcnow
from participa.errors import Invalid, NotAllowed
from participa.extensions import db
from participa.notifications.models import Notification
from participa.proposals import services as proposals
from participa.proposals.models import Proposal
from participa.proposals.services import ProposalFilters
from tests import factories as f
from tests.conftest import need
from tests.support.auth import Auth
from tests.support.parallel import post_together

BODY = "Un parque con juegos y árboles para las familias de la colonia."


def proposal(process=None, author=None, title="Parque para la colonia"):
    process = process or f.process(now_allows=("allows_propose", "allows_comment"))
    return proposals.create_proposal(
        process,
        author or f.user(),
        title=title,
        body=BODY,
        category="espacio-publico",
        district_id=None,
        cost_estimate=None,
    )


def pending(content_type, content_id):
    return db.session.scalar(
        select(func.count(Report.id)).where(
            Report.content_type == content_type,
            Report.content_id == content_id,
            Report.state == ReportState.PENDING,
        )
    )


# Phase x action


@pytest.mark.parametrize(
    ("flags", "allowed"),
    [
        (("allows_comment",), True),
        (("allows_comment", "allows_support"), True),
        (("allows_propose",), False),
        (("allows_support",), False),
        (("allows_vote",), False),
        ((), False),
    ],
)
def test_commenting_on_a_proposal_follows_the_phase(ctx, flags, allowed):
    process = f.process(now_allows=flags)
    # stored directly: proposing may be closed in this phase
    target = Proposal(
        process_id=process.id,
        author_id=f.user().id,
        title="Parque para la colonia",
        body=BODY,
        category="espacio-publico",
    )
    db.session.add(target)
    db.session.flush()
    if allowed:
        comment = comments.add_comment(target, f.user(), "  Me parece muy buena idea.  ")
        assert comment.body == "Me parece muy buena idea."
        assert (comment.target_type, comment.target_id) == ("proposal", target.id)
    else:
        with pytest.raises(NotAllowed):
            comments.add_comment(target, f.user(), "Me parece muy buena idea.")


@pytest.mark.parametrize(
    ("flags", "allowed"), [(("allows_comment",), True), (("allows_vote",), False)]
)
def test_commenting_on_a_project_follows_its_budgets_process(ctx, flags, allowed):
    budget = f.budget(f.process(now_allows=flags))
    project = f.projects(budget)[0]
    if allowed:
        comment = comments.add_comment(project, f.user(), "¿Cuándo empezaría la obra?")
        assert (comment.target_type, comment.target_id) == ("project", project.id)
    else:
        with pytest.raises(NotAllowed):
            comments.add_comment(project, f.user(), "¿Cuándo empezaría la obra?")


def test_body_length_is_checked(ctx):
    target = proposal()
    author = f.user()
    for body in ("", "  ", "x", "x" * 2001):
        with pytest.raises(Invalid):
            comments.add_comment(target, author, body)
    assert comments.add_comment(target, author, "ok").body == "ok"
    assert len(comments.add_comment(target, author, "y" * 2000).body) == 2000


def test_hidden_or_withdrawn_proposals_refuse_comments(ctx):
    author = f.user()
    withdrawn = proposal(author=author)
    proposals.withdraw(withdrawn, author)
    with pytest.raises(NotAllowed):
        comments.add_comment(withdrawn, f.user(), "Qué lástima.")
    hidden = proposal()
    moderation.hide(hidden, f.user(Role.MODERATOR))
    with pytest.raises(NotAllowed):
        comments.add_comment(hidden, f.user(), "¿Y esto?")


# Replies


def test_replies_stay_on_the_same_target(ctx):
    process = f.process(now_allows=("allows_propose", "allows_comment"))
    first, second = proposal(process), proposal(process, title="Otra propuesta de parque")
    root = comments.add_comment(first, f.user(), "Buena idea.")
    reply = comments.add_comment(first, f.user(), "Coincido.", parent=root)
    assert reply.parent_id == root.id
    with pytest.raises(Invalid):
        comments.add_comment(second, f.user(), "Respuesta fuera de lugar.", parent=root)
    budget = f.budget(process)
    project = f.projects(budget)[0]
    with pytest.raises(Invalid):
        comments.add_comment(project, f.user(), "Tampoco aquí.", parent=root)


def test_no_reply_to_a_hidden_comment(ctx):
    target = proposal()
    root = comments.add_comment(target, f.user(), "Algo ofensivo.")
    moderation.hide(root, f.user(Role.MODERATOR))
    with pytest.raises(NotAllowed):
        comments.add_comment(target, f.user(), "Respuesta.", parent=root)


def test_thread_nests_replies_and_keeps_hidden_comments_in_place(ctx):
    target = proposal()
    a = comments.add_comment(target, f.user(), "Primero.")
    b = comments.add_comment(target, f.user(), "Segundo.")
    a1 = comments.add_comment(target, f.user(), "Respuesta a primero.", parent=a)
    a11 = comments.add_comment(target, f.user(), "Respuesta a la respuesta.", parent=a1)
    deep = comments.add_comment(target, f.user(), "Más hondo.", parent=a11)
    moderation.hide(a, f.user(Role.MODERATOR))
    thread = comments.thread(target)
    assert [n.comment.id for n in thread.nodes] == [a.id, b.id]
    assert [n.comment.id for n in thread.nodes[0].replies] == [a1.id]
    level2 = thread.nodes[0].replies[0].replies
    assert [n.comment.id for n in level2] == [a11.id, deep.id]  # deeper replies listed beside
    assert thread.visible_count == 4
    assert thread.can_comment


# Reports


def test_report_needs_a_reason(ctx):
    target = proposal()
    with pytest.raises(Invalid):
        reports.report("proposal", target.id, f.trusted_user(), "   ")
    with pytest.raises(Invalid):
        reports.report("proposal", target.id, f.trusted_user(), "x" * 501)
    with pytest.raises(Invalid):
        reports.report("proposal", 999_999, f.trusted_user(), "No existe")


def test_duplicate_report_is_a_friendly_no_op(ctx):
    target = proposal()
    reporter = f.trusted_user()
    assert reports.report("proposal", target.id, reporter, "Publicidad") is True
    assert reports.report("proposal", target.id, reporter, "Otra vez") is False
    db.session.commit()
    assert target.reports_count == 1
    assert pending("proposal", target.id) == 1
    assert reports.has_reported(target, reporter)


def test_database_refuses_duplicate_reports(ctx):
    target = proposal()
    reporter = f.trusted_user()
    for _ in range(2):
        db.session.add(
            Report(
                content_type="proposal", content_id=target.id, reporter_id=reporter.id, reason="x"
            )
        )
    with pytest.raises(IntegrityError):
        db.session.commit()


@pytest.mark.parametrize("kind", ["proposal", "comment"])
def test_reports_reaching_the_threshold_hide_the_content(ctx, kind):
    assert ctx.config["MODERATION_HIDE_AFTER"] == 3
    target = proposal()
    content = target if kind == "proposal" else comments.add_comment(target, f.user(), "Hola.")
    for n in (1, 2):
        reports.report(kind, content.id, f.trusted_user(), f"Motivo {n}")
        assert content.reports_count == n and content.hidden_at is None
    reports.report(kind, content.id, f.trusted_user(), "Motivo 3")
    assert content.reports_count == 3 and content.hidden_at is not None
    assert pending(kind, content.id) == 3  # still waiting for a moderator
    entry = db.session.scalar(
        select(ActionLog).where(ActionLog.action == "moderation.hidden_by_reports")
    )
    assert entry.target_id == content.id and entry.actor_id is None
    queue = reports.moderator_queue()
    assert [(i.content_type, i.content.id, i.is_hidden) for i in queue] == [
        (kind, content.id, True)
    ]
    if kind == "proposal":
        listed = db.session.scalars(proposals.proposals_query(target.process, ProposalFilters()))
        assert target not in listed.all()


def test_throwaway_accounts_cannot_hide_content_by_themselves(ctx):
    """New or unverified accounts report to the moderators, but their reports never hide
    anything: three fresh accounts used to take any proposal down."""
    assert ctx.config["MODERATION_HIDE_AFTER"] == 3
    target = proposal()
    for n in range(5):
        assert reports.report("proposal", target.id, f.user(), f"Spam {n}")
    old_unverified = f.user()
    old_unverified.created_at = utcnow() - timedelta(days=30)
    new_verified = f.trusted_user()
    new_verified.created_at = utcnow() - timedelta(hours=23)
    for reporter in (old_unverified, new_verified):
        reports.report("proposal", target.id, reporter, "Spam")
    assert not target.is_hidden and target.reports_count == 0
    assert pending("proposal", target.id) == 7  # all of them wait for a moderator
    assert not any(db.session.scalars(select(Report.counts)))
    [item] = reports.moderator_queue()
    assert item.content.id == target.id and not item.is_hidden
    listed = db.session.scalars(proposals.proposals_query(target.process, ProposalFilters()))
    assert target in listed.all()
    for n in range(3):  # trusted accounts still hide it
        reports.report("proposal", target.id, f.trusted_user(), f"Insultos {n}")
    assert target.is_hidden and target.reports_count == 3


def test_who_counts_towards_hiding_comes_from_the_config(ctx, monkeypatch):
    fresh, old = f.user(), f.user()
    old.created_at = utcnow() - timedelta(hours=25)
    assert not reports.counts_towards_hiding(old)  # unverified
    assert reports.counts_towards_hiding(f.trusted_user())
    monkeypatch.setitem(ctx.config, "MODERATION_REPORTER_MUST_BE_VERIFIED", False)
    assert reports.counts_towards_hiding(old)
    assert not reports.counts_towards_hiding(fresh)  # younger than 24 hours
    monkeypatch.setitem(ctx.config, "MODERATION_REPORTER_MIN_AGE_HOURS", 0)
    assert reports.counts_towards_hiding(fresh)


def test_threshold_comes_from_the_config(ctx):
    ctx.config["MODERATION_HIDE_AFTER"] = 1
    try:
        target = proposal()
        reports.report("proposal", target.id, f.trusted_user(), "Insultos")
        assert target.is_hidden
    finally:
        ctx.config["MODERATION_HIDE_AFTER"] = 3


def test_projects_can_be_reported_but_not_hidden(ctx):
    budget = f.budget(f.process(now_allows=("allows_comment",)))
    project = f.projects(budget)[0]
    for n in range(3):
        assert reports.report("project", project.id, f.trusted_user(), f"Costo dudoso {n}")
    assert pending("project", project.id) == 3
    moderator = f.user(Role.MODERATOR)
    with pytest.raises(NotAllowed):
        moderation.hide(project, moderator)
    assert moderation.restore(project, moderator) == 3
    assert pending("project", project.id) == 0
    assert reports.moderator_queue() == []


# Moderators


def test_only_moderators_and_admins_decide(ctx):
    target = proposal()
    for role in (Role.RESIDENT, Role.EVALUATOR, Role.OFFICER):
        with pytest.raises(NotAllowed):
            moderation.hide(target, f.user(role))
        with pytest.raises(NotAllowed):
            moderation.restore(target, f.user(role))
    moderation.hide(target, f.admin())
    assert target.is_hidden


def test_moderator_hide_resolves_reports_logs_and_tells_the_author(ctx):
    author = f.user()
    target = proposal(author=author)
    comment = comments.add_comment(target, author, "Comentario reportado.")
    reporters = [f.trusted_user(), f.trusted_user()]
    for r in reporters:
        reports.report("comment", comment.id, r, "Ofensivo")
    moderator = f.user(Role.MODERATOR)
    assert moderation.hide(comment, moderator) == 2
    db.session.commit()
    assert comment.is_hidden and comment.reports_count == 0
    states = db.session.scalars(
        select(Report.state).where(
            Report.content_type == "comment", Report.content_id == comment.id
        )
    ).all()
    assert states == [ReportState.HIDDEN, ReportState.HIDDEN]
    report = db.session.scalar(select(Report).where(Report.content_id == comment.id))
    assert report.resolved_by_id == moderator.id and report.resolved_at is not None
    entry = db.session.scalar(select(ActionLog).where(ActionLog.action == "moderation.hidden"))
    assert entry.actor_id == moderator.id
    assert entry.target_type == "comments" and entry.target_id == comment.id
    assert entry.process_id == target.process_id
    assert entry.before == {"hidden_at": None, "reports_count": 2}
    assert entry.after["hidden_at"] is not None and entry.after["reports_resolved"] == 2
    note = db.session.scalar(select(Notification).where(Notification.user_id == author.id))
    assert note.kind == "content_hidden"
    assert reports.moderator_queue() == []


def test_moderator_restore_after_automatic_hiding(ctx):
    target = proposal()
    for n in range(3):
        reports.report("proposal", target.id, f.trusted_user(), f"Motivo {n}")
    assert target.is_hidden
    hidden_at = target.hidden_at
    moderator = f.user(Role.MODERATOR)
    assert moderation.restore(target, moderator) == 3
    db.session.commit()
    assert not target.is_hidden and target.reports_count == 0
    assert pending("proposal", target.id) == 0
    entry = db.session.scalar(select(ActionLog).where(ActionLog.action == "moderation.restored"))
    assert entry.actor_id == moderator.id
    assert entry.before == {"hidden_at": hidden_at.isoformat(), "reports_count": 3}
    assert entry.after == {"hidden_at": None, "reports_count": 0, "reports_resolved": 3}
    assert reports.moderator_queue() == []
    listed = db.session.scalars(proposals.proposals_query(target.process, ProposalFilters()))
    assert target in listed.all()
    # once restored, it takes a full threshold of new reports to hide it again
    reports.report("proposal", target.id, f.trusted_user(), "Nuevo motivo")
    assert not target.is_hidden and target.reports_count == 1


def test_queue_lists_longest_waiting_first(ctx):
    target = proposal()
    comment = comments.add_comment(target, f.user(), "Comentario.")
    reports.report("comment", comment.id, f.trusted_user(), "Primero en llegar")
    reports.report("proposal", target.id, f.trusted_user(), "Segundo")
    reports.report("comment", comment.id, f.trusted_user(), "Tercero")
    queue = reports.moderator_queue()
    assert [(i.content_type, len(i.reports)) for i in queue] == [("comment", 2), ("proposal", 1)]
    assert reports.pending_count() == 2


# Races (PostgreSQL)

THREADS = 12


def _logged_in(ctx, user):
    client = ctx.test_client()
    Auth(client).login(user)
    return client


def test_parallel_reports_by_one_person_make_one_report(ctx, is_postgres):
    need(is_postgres, "concurrency is tested on PostgreSQL (PARTICIPA_TEST_DATABASE_URL)")
    target = proposal()
    reporter = f.trusted_user()
    db.session.commit()
    url = f"/contenido/propuesta/{target.id}/reportar"
    clients = [_logged_in(ctx, reporter) for _ in range(THREADS)]
    statuses = post_together([(c, url, {"reason": "Publicidad"}) for c in clients])
    assert statuses == [303] * THREADS
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Report.id))) == 1
    assert db.session.get(Proposal, target.id).reports_count == 1


def test_parallel_reports_hide_once_and_count_every_report(ctx, is_postgres):
    need(is_postgres, "concurrency is tested on PostgreSQL (PARTICIPA_TEST_DATABASE_URL)")
    target = proposal()
    reporters = [f.trusted_user() for _ in range(THREADS)]
    db.session.commit()
    url = f"/contenido/propuesta/{target.id}/reportar"
    requests = [(_logged_in(ctx, r), url, {"reason": "Spam"}) for r in reporters]
    statuses = post_together(requests)
    # A report is counted (303) unless its request reads the proposal after the reports
    # before it hid it: hidden content is "not found" to residents (404), counted nowhere.
    # Which requests come too late depends on the scheduling, not how many are counted.
    assert set(statuses) <= {303, 404}, statuses
    accepted = statuses.count(303)
    assert accepted >= current_app.config["MODERATION_HIDE_AFTER"], statuses
    db.session.expire_all()
    stored = db.session.get(Proposal, target.id)
    assert stored.reports_count == accepted and stored.is_hidden
    assert db.session.scalar(select(func.count(Report.id))) == accepted
    hidings = db.session.scalar(
        select(func.count(ActionLog.id)).where(ActionLog.action == "moderation.hidden_by_reports")
    )
    assert hidings == 1
