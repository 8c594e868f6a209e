"""Comments, reports and the moderators' queue through the web pages, with the test client."""

from sqlalchemy import func, select

from participa.accounts.models import Role
from participa.audit.models import ActionLog
from participa.conversation import comments, reports
from participa.conversation.models import Comment, Report, ReportState
from participa.extensions import db
from participa.notifications.models import Notification
from participa.proposals.models import Proposal
from tests import factories as f
from tests.support.auth import Auth

BODY = "Un parque con juegos y árboles para las familias de la colonia."


def make_proposal(flags=("allows_comment",), title="Parque para la colonia"):
    process = f.process(now_allows=flags)
    author = f.user()
    proposal = Proposal(
        process_id=process.id,
        author_id=author.id,
        title=title,
        body=BODY,
        category="espacio-publico",
    )
    db.session.add(proposal)
    db.session.commit()
    return proposal


def proposal_url(p):
    return f"/procesos/{p.process.slug}/propuestas/{p.id}"


def project_url(project):
    budget = project.budget
    return f"/procesos/{budget.process.slug}/presupuestos/{budget.id}/proyectos/{project.id}"


def report_url(kind, content_id):
    return f"/contenido/{kind}/{content_id}/reportar"


def test_comment_and_reply_on_a_proposal(client, auth):
    proposal = make_proposal()
    page = client.get(proposal_url(proposal))
    assert page.status_code == 200
    assert "Todavía no hay comentarios" in page.text
    assert "Entra para comentar" in page.text  # anonymous visitors are invited to log in
    anonymous = client.post(proposal_url(proposal) + "/comentarios", data={"body": "Hola"})
    assert anonymous.status_code == 302 and "/entrar" in anonymous.headers["Location"]

    ana, beto = f.user(), f.user()
    db.session.commit()
    auth.login(ana)
    response = client.post(
        proposal_url(proposal) + "/comentarios", data={"body": "¡Me encanta esta idea!"}
    )
    assert response.status_code == 303
    comment = db.session.scalar(select(Comment))
    assert response.headers["Location"].endswith(
        f"{proposal_url(proposal)}#comentario-{comment.id}"
    )
    assert comment.author_id == ana.id and comment.target_type == "proposal"

    client.post("/salir")
    auth.login(beto)
    response = client.post(
        proposal_url(proposal) + "/comentarios",
        data={"body": "Coincido, hace falta sombra.", "parent_id": str(comment.id)},
    )
    assert response.status_code == 303
    reply = db.session.scalar(select(Comment).where(Comment.parent_id == comment.id))
    assert reply.author_id == beto.id

    page = client.get(proposal_url(proposal))
    assert "¡Me encanta esta idea!" in page.text and "Coincido, hace falta sombra." in page.text
    assert f'id="comentario-{reply.id}"' in page.text
    assert "Responder" in page.text and "Reportar" in page.text

    too_short = client.post(proposal_url(proposal) + "/comentarios", data={"body": "x"})
    assert too_short.status_code == 422
    assert "al menos 2 caracteres" in too_short.text


def test_reply_to_a_comment_of_another_page_is_refused(client, auth):
    first, second = make_proposal(), make_proposal(title="Otra propuesta de parque")
    root = comments.add_comment(first, f.user(), "Primer comentario.")
    user = f.user()
    db.session.commit()
    auth.login(user)
    response = client.post(
        proposal_url(second) + "/comentarios",
        data={"body": "Fuera de lugar.", "parent_id": str(root.id)},
    )
    assert response.status_code == 422
    missing = client.post(
        proposal_url(second) + "/comentarios", data={"body": "Hola.", "parent_id": "999999"}
    )
    assert missing.status_code == 404
    assert db.session.scalar(select(func.count(Comment.id))) == 1


def test_comments_closed_outside_their_phase(client, auth):
    proposal = make_proposal(flags=("allows_support",))
    user = f.user()
    db.session.commit()
    auth.login(user)
    page = client.get(proposal_url(proposal))
    assert "Los comentarios no están abiertos en esta fase." in page.text
    assert 'data-testid="comment-form"' not in page.text
    response = client.post(proposal_url(proposal) + "/comentarios", data={"body": "Hola a todos."})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_project_page_with_comments_and_report(client, auth):
    budget = f.budget(f.process(now_allows=("allows_comment",)))
    project = f.projects(budget)[0]
    user = f.user()
    db.session.commit()
    page = client.get(project_url(project))
    assert page.status_code == 200 and project.title in page.text
    wrong_budget = project_url(project).replace(
        f"/presupuestos/{budget.id}/", f"/presupuestos/{budget.id + 1}/"
    )
    assert client.get(wrong_budget).status_code == 404

    auth.login(user)
    response = client.post(
        project_url(project) + "/comentarios", data={"body": "¿Cuándo empezaría la obra?"}
    )
    assert response.status_code == 303
    assert "¿Cuándo empezaría la obra?" in client.get(project_url(project)).text

    response = client.post(
        report_url("proyecto", project.id),
        data={"reason": "El costo parece inflado", "next": project_url(project)},
    )
    assert response.status_code == 303 and response.headers["Location"] == project_url(project)
    assert "Ya reportaste este contenido." in client.get(project_url(project)).text


def test_report_from_the_page_and_duplicate_is_friendly(client, auth):
    proposal = make_proposal()
    comment = comments.add_comment(proposal, f.user(), "Comentario con insultos.")
    reporter = f.trusted_user()
    db.session.commit()
    anonymous = client.post(report_url("comentario", comment.id), data={"reason": "Insultos"})
    assert anonymous.status_code == 302 and "/entrar" in anonymous.headers["Location"]

    auth.login(reporter)
    no_reason = client.post(report_url("comentario", comment.id), data={"reason": "  "})
    assert no_reason.status_code == 422
    assert "Explica por qué" in no_reason.text

    here = proposal_url(proposal) + f"#comentario-{comment.id}"
    response = client.post(
        report_url("comentario", comment.id), data={"reason": "Insultos", "next": here}
    )
    assert response.status_code == 303 and response.headers["Location"] == here
    again = client.post(
        report_url("comentario", comment.id), data={"reason": "Otra vez"}, follow_redirects=True
    )
    assert "Ya habías reportado este contenido" in again.text
    assert db.session.scalar(select(func.count(Report.id))) == 1
    assert db.session.get(Comment, comment.id).reports_count == 1

    offsite = client.post(
        report_url("propuesta", proposal.id),
        data={"reason": "Publicidad", "next": "https://evil.example/"},
    )
    assert offsite.headers["Location"] == proposal_url(proposal)
    assert client.post(report_url("comentario", 999999), data={"reason": "x"}).status_code == 404
    assert client.post(report_url("otra-cosa", 1), data={"reason": "x"}).status_code == 404


def test_queue_is_for_moderators_only(client, auth):
    anonymous = client.get("/moderacion")
    assert anonymous.status_code == 302 and "/entrar" in anonymous.headers["Location"]
    resident, evaluator = f.user(), f.user(Role.EVALUATOR)
    moderator, admin = f.user(Role.MODERATOR), f.admin()
    db.session.commit()
    for person in (resident, evaluator):
        auth.login(person)
        assert client.get("/moderacion").status_code == 403
        assert client.post("/moderacion/propuesta/1/ocultar").status_code == 403
        assert client.post("/moderacion/propuesta/1/restaurar").status_code == 403
        client.post("/salir")
    assert client.post("/moderacion/propuesta/1/ocultar").status_code == 302
    for person in (moderator, admin):
        auth.login(person)
        page = client.get("/moderacion")
        assert page.status_code == 200 and "No hay reportes pendientes" in page.text
        client.post("/salir")


def test_reports_hide_and_moderator_restores(client, auth):
    proposal = make_proposal()
    reporters = [f.trusted_user() for _ in range(3)]
    moderator = f.user(Role.MODERATOR)
    db.session.commit()
    index = f"/procesos/{proposal.process.slug}/propuestas/"
    for n, reporter in enumerate(reporters):
        auth.login(reporter)
        response = client.post(report_url("propuesta", proposal.id), data={"reason": f"Spam {n}"})
        assert response.status_code == 303
        client.post("/salir")
    # the third report hid it: the reporter is sent to the list, where it no longer is
    assert response.headers["Location"] == index
    assert proposal.title not in client.get(index).text
    assert client.get(proposal_url(proposal)).status_code == 404
    auth.login(reporters[0])
    assert client.get(proposal_url(proposal)).status_code == 404
    assert client.post(proposal_url(proposal) + "/apoyar").status_code == 404
    client.post("/salir")

    auth.login(moderator)
    page = client.get(proposal_url(proposal))
    assert page.status_code == 200
    assert "Esta propuesta está oculta por moderación." in page.text
    queue = client.get("/moderacion")
    assert 'data-testid="queue-item"' in queue.text and "Spam 2" in queue.text
    assert "Oculto al público" in queue.text
    response = client.post(
        f"/moderacion/propuesta/{proposal.id}/restaurar", data={"next": "/moderacion"}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/moderacion"
    assert "No hay reportes pendientes" in client.get("/moderacion").text
    client.post("/salir")

    assert client.get(proposal_url(proposal)).status_code == 200
    assert proposal.title in client.get(index).text
    states = db.session.scalars(select(Report.state)).all()
    assert states == [ReportState.RESTORED] * 3


def test_moderator_hides_a_comment_and_the_public_sees_a_placeholder(client, auth):
    proposal = make_proposal()
    comment = comments.add_comment(proposal, f.user(), "Texto ofensivo aquí.")
    reply = comments.add_comment(proposal, f.user(), "Respuesta amable.", parent=comment)
    reporter, moderator = f.trusted_user(), f.user(Role.MODERATOR)
    db.session.commit()
    auth.login(reporter)
    client.post(report_url("comentario", comment.id), data={"reason": "Ofensivo"})
    client.post("/salir")

    auth.login(moderator)
    queue = client.get("/moderacion")
    assert "Texto ofensivo aquí." in queue.text and "Ofensivo" in queue.text
    response = client.post(f"/moderacion/comentario/{comment.id}/ocultar", data={"confirmado": "1"})
    assert response.status_code == 303
    seen_by_moderator = client.get(proposal_url(proposal))
    assert "Texto ofensivo aquí." in seen_by_moderator.text  # with a notice, to restore it
    assert 'data-testid="hidden-notice"' in seen_by_moderator.text
    client.post("/salir")

    public = client.get(proposal_url(proposal))
    assert "Texto ofensivo aquí." not in public.text
    assert "Comentario oculto por moderación" in public.text
    assert "Respuesta amable." in public.text  # replies keep their place
    assert f'id="comentario-{reply.id}"' in public.text
    auth.login(reporter)
    assert "Texto ofensivo aquí." not in client.get(proposal_url(proposal)).text
    refused = client.post(
        proposal_url(proposal) + "/comentarios",
        data={"body": "Respondo a lo oculto.", "parent_id": str(comment.id)},
    )
    assert refused.status_code == 403
    assert (
        client.post(report_url("comentario", comment.id), data={"reason": "x"}).status_code == 404
    )
    state = db.session.scalar(select(Report.state).where(Report.content_id == comment.id))
    assert state == ReportState.HIDDEN


def test_moderator_hides_a_proposal_directly(client, auth):
    proposal = make_proposal()
    moderator = f.user(Role.MODERATOR)
    db.session.commit()
    auth.login(moderator)
    page = client.get(proposal_url(proposal))
    assert 'data-testid="hide-button"' in page.text
    response = client.post(
        f"/moderacion/propuesta/{proposal.id}/ocultar",
        data={"next": proposal_url(proposal), "confirmado": "1"},
    )
    assert response.status_code == 303
    client.post("/salir")
    assert client.get(proposal_url(proposal)).status_code == 404


def test_projects_are_not_hidden_from_the_queue(client, auth):
    budget = f.budget(f.process(now_allows=("allows_comment",)))
    project = f.projects(budget)[0]
    reports.report("project", project.id, f.trusted_user(), "Costo dudoso")
    moderator = f.user(Role.MODERATOR)
    db.session.commit()
    auth.login(moderator)
    queue = client.get("/moderacion")
    assert "Costo dudoso" in queue.text and 'data-testid="hide-button"' not in queue.text
    hide = client.post(f"/moderacion/proyecto/{project.id}/ocultar", data={"confirmado": "1"})
    assert hide.status_code == 403
    assert client.post(f"/moderacion/proyecto/{project.id}/restaurar").status_code == 303
    assert "No hay reportes pendientes" in client.get("/moderacion").text


def test_moderator_confirms_an_automatic_hiding_and_closes_the_case(client, auth):
    proposal = make_proposal()
    for n in range(3):
        reports.report("proposal", proposal.id, f.trusted_user(), f"Insultos {n}")
    moderator = f.user(Role.MODERATOR)
    db.session.commit()
    assert proposal.is_hidden
    auth.login(moderator)
    queue = client.get("/moderacion").text
    assert 'data-testid="confirm-hide-button"' in queue and 'data-testid="restore-button"' in queue
    response = client.post(
        f"/moderacion/propuesta/{proposal.id}/ocultar", data={"next": "/x", "confirmado": "1"}
    )
    assert response.status_code == 303
    assert "No hay reportes pendientes" in client.get("/moderacion").text  # case closed
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).is_hidden  # and it stays hidden
    assert db.session.scalars(select(Report.state)).all() == [ReportState.HIDDEN] * 3
    entry = db.session.scalar(
        select(ActionLog).where(ActionLog.action == "moderation.hide_confirmed")
    )
    assert entry.actor_id == moderator.id and entry.after["reports_resolved"] == 3
    note = db.session.scalar(select(Notification).where(Notification.kind == "content_hidden"))
    assert note.user_id == proposal.author_id


def test_moderator_blocks_an_account_which_can_no_longer_sign_in_or_act(ctx):
    proposal = make_proposal()
    troll, moderator, evaluator = f.user(), f.user(Role.MODERATOR), f.user(Role.EVALUATOR)
    comments.add_comment(proposal, troll, "Comentario ofensivo.")
    db.session.commit()
    comment = db.session.scalar(select(Comment))
    reports.report("comment", comment.id, f.trusted_user(), "Insultos")
    db.session.commit()
    troll_browser, desk = ctx.test_client(), ctx.test_client()
    Auth(troll_browser).login(troll)
    Auth(desk).login(moderator)
    queue = desk.get("/moderacion").text
    assert 'data-testid="block-button"' in queue
    response = desk.post(
        f"/moderacion/cuentas/{troll.id}/bloquear", data={"next": "/moderacion", "confirmado": "1"}
    )
    assert response.status_code == 303
    assert 'data-testid="account-blocked"' in desk.get("/moderacion").text
    # the open session has ended: the next comment goes to the login page, unsaved
    comment_url = proposal_url(proposal) + "/comentarios"
    response = troll_browser.post(comment_url, data={"body": "Sigo aquí."})
    assert response.status_code == 302 and "/entrar" in response.headers["Location"]
    assert db.session.scalar(select(func.count(Comment.id))) == 1
    login = Auth(troll_browser).attempt(troll.email)
    assert login.status_code == 403 and "bloqueada" in login.text
    entry = db.session.scalar(select(ActionLog).where(ActionLog.action == "accounts.blocked"))
    assert (entry.actor_id, entry.target_id) == (moderator.id, troll.id)
    assert entry.after["sessions_ended"] == 1
    # staff accounts are not blocked from the queue
    refused = desk.post(f"/moderacion/cuentas/{evaluator.id}/bloquear", data={"confirmado": "1"})
    assert refused.status_code == 403
    assert db.session.get(type(evaluator), evaluator.id).blocked_at is None
    # unblocked, it signs in again
    assert desk.post(f"/moderacion/cuentas/{troll.id}/desbloquear").status_code == 303
    login = Auth(troll_browser).attempt(troll.email)
    assert login.status_code == 302
    assert db.session.scalar(select(ActionLog).where(ActionLog.action == "accounts.unblocked"))


def test_residents_cannot_block(client, auth):
    resident, other = f.user(), f.user()
    db.session.commit()
    auth.login(resident)
    assert client.post(f"/moderacion/cuentas/{other.id}/bloquear").status_code == 403
    assert db.session.get(type(other), other.id).blocked_at is None
