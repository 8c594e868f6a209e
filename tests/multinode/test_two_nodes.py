"""One site on several machines: two web nodes (gunicorn) with instance folders of their
own, two Celery workers and two beats, on one PostgreSQL, one Redis and one storage
(``tests/support/nodes.py``: real processes, production settings).

An administrator sets a process up; residents register, confirm their address, sign in and
vote through both nodes (a session made on one node works on the other); one resident
confirms two different ballots at the same moment, one on each node. Voting closes; beat
(two of them) has the tally run on a worker and the open data published; an administrator
adds a milestone with a photo on node A and publishes a new open-data version on node B.
Then both nodes serve the same site, byte for byte: every file of every open-data version
listed in the catalogue, the photo, the results and ballots CSVs, a receipt check; and
there is exactly one official tally per budget.
"""

import re
from datetime import date, timedelta
from urllib.parse import urljoin

import pytest
from sqlalchemy import func, select

from participa.accountability.models import ExecutionItem, Milestone
from participa.accounts.models import User
from participa.budgets.models import Ballot, BallotItem
from participa.budgets.receipts import receipt_hash
from participa.db import utcnow
from participa.extensions import db
from participa.legal import documents as legal
from participa.opendata.models import Publication
from participa.results.models import RunStatus, TallyRun
from tests import factories as f
from tests.support.accountability import PNG
from tests.support.mail import Outbox, path_of
from tests.support.nodes import Site, Visitor, log_count, sha256, wait_for, wait_served
from tests.support.parallel import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.worker]

WORK = 60  # seconds allowed for what the workers and beats do, each time
RECEIPT = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")
RESULT_SECTION = re.compile(r'<section[^>]*data-testid="receipt-result".*?</section>', re.S)
SCHEDULER_SENT = "Sending due task advance-phases"


def accepted(user: User) -> User:
    """An account made by the factories, having accepted the notice and terms in force."""
    legal.accept(user.id)
    return user


def register_and_confirm(site: Site, visitor: Visitor, email: str) -> None:
    """Register on node B, open the mailed link on node A, confirm on node B."""
    a, b = site.web
    answer = visitor.submit(
        f"{b}/registro",
        {
            "name": "Ana López",
            "email": email,
            "district_id": 0,
            "password": f.PASSWORD,
            "confirm": f.PASSWORD,
            "accept_legal": "y",
        },
    )
    assert answer.status_code == 302, answer.text[:2000]
    outbox = Outbox(site.mail)
    link = wait_for(site, lambda: mailed_link(outbox, email), WORK, "the confirmation e-mail")
    assert visitor.get(a + path_of(link), allow_redirects=False).status_code == 303
    confirmed = visitor.submit(f"{b}/cuenta/confirmar", {})
    assert confirmed.status_code == 303, confirmed.text[:2000]


def mailed_link(outbox: Outbox, email: str) -> str | None:
    try:
        return outbox.link(email, "confirmar")
    except (AssertionError, FileNotFoundError):  # not written yet
        return None


def ballot_url(base: str, budget) -> str:
    return f"{base}/procesos/{budget.process.slug}/presupuestos/{budget.id}/boleta"


def vote(visitor: Visitor, form_node: str, post_node: str, budget, projects: list[int]) -> str:
    """Fill in the ballot on ``form_node``, confirm it on ``post_node``, read the receipt
    code on the page it leads to (on ``form_node``); the code."""
    answer = visitor.submit(
        ballot_url(form_node, budget),
        {"project": [str(p) for p in projects]},
        action=ballot_url(post_node, budget) + "/confirmar",
    )
    assert answer.status_code == 303, answer.text[:2000]
    page = visitor.get(urljoin(form_node, answer.headers["Location"]))
    found = RECEIPT.search(page.text)
    assert found, "no receipt code shown after the confirmation"
    return found.group()


def vote_twice_at_once(site: Site, voter: User, budget, selections: list[list[int]]) -> list:
    """``voter`` signed in on both nodes confirms a different ballot on each, at the same
    moment; the two answers."""
    visitors = []
    for base in site.web:
        visitor = Visitor()
        visitor.login(base, voter.email, f.PASSWORD)
        visitors.append((visitor, base, visitor.token(ballot_url(base, budget))))

    def confirmer(visitor: Visitor, base: str, token: str, selection: list[int]):
        def confirm(wait):
            wait()
            return visitor.post(
                ballot_url(base, budget) + "/confirmar",
                {"project": [str(p) for p in selection]},
                token=token,
            )

        return confirm

    return run_together(
        [confirmer(*visitor, s) for visitor, s in zip(visitors, selections, strict=True)]
    )


def close_voting(process) -> None:
    """The administrator moves the end of voting to now (and the results phase's start):
    the scheduler records it at its next pass."""
    now = utcnow()
    process.phases[1].ends_at = now - timedelta(seconds=1)
    process.phases[2].starts_at = now - timedelta(seconds=1)
    db.session.commit()


def official_runs(budget_id: int) -> list[TallyRun]:
    return list(
        db.session.scalars(
            select(TallyRun).where(TallyRun.budget_id == budget_id, TallyRun.preview.is_(False))
        )
    )


def publications(process_id: int) -> list[Publication]:
    return list(
        db.session.scalars(
            select(Publication)
            .where(Publication.process_id == process_id)
            .order_by(Publication.version)
        )
    )


def add_milestone_photo(site: Site, admin: Visitor, process) -> str:
    """On node A, the administrator creates the follow-up of the winners and adds a
    milestone with a photo; the photo's URL path."""
    a = site.web[0]
    base = f"{a}/admin/procesos/{process.id}/seguimiento"
    created = admin.submit(base, {}, action=f"{base}/desde-resultados")
    assert created.status_code == 303, created.text[:2000]
    item_id = db.session.scalars(
        select(ExecutionItem.id).where(ExecutionItem.process_id == process.id)
    ).first()
    assert item_id is not None, "no follow-up item made from the results"
    added = admin.submit(
        f"{base}/{item_id}",
        {"happened_on": (date.today() - timedelta(days=1)).isoformat(), "text": "Arrancó la obra."},
        action=f"{base}/{item_id}/hitos",
        files={"photo": ("obra.png", PNG, "image/png")},
    )
    assert added.status_code == 303, added.text[:2000]
    db.session.rollback()
    photo = db.session.scalar(select(Milestone.photo).where(Milestone.item_id == item_id))
    assert photo, "the milestone has no photo"
    return f"/seguimiento/fotos/{photo}"


def same_on_both(site: Site, path: str, expected: str | None = None) -> str | None:
    """GET ``path`` on both nodes; what is wrong (None: 200 on both, the same bytes, and
    their sha256 is ``expected`` if given)."""
    answers = [Visitor().get(base + path) for base in site.web]
    statuses = [answer.status_code for answer in answers]
    if statuses != [200, 200]:
        return f"{path}: {statuses[0]} on node a, {statuses[1]} on node b"
    digests = [sha256(answer) for answer in answers]
    if digests[0] != digests[1]:
        return f"{path}: different bytes on the two nodes"
    if expected and digests[0] != expected:
        return f"{path}: not the sha256 the publication lists"
    return None


def link(slug: str) -> str:
    return rf'href="/datos/{slug}/v(\d+)/([^"?]+)"'


def catalogue(base: str, slug: str) -> tuple[list[str], set]:
    """The versions the process's open-data page lists, and the files of each."""
    page = Visitor().get(f"{base}/datos/{slug}")
    assert page.status_code == 200, f"{base}/datos/{slug}: {page.status_code}"
    versions = re.findall(r'<th scope="row">v(\d+)</th>', page.text)
    return versions, {(int(v), name) for v, name in re.findall(link(slug), page.text)}


def datasets(site: Site, path: str, slug: str, expected: set) -> str | None:
    """What is wrong with the datasets ``path`` lists on each node (their files, read from
    the latest version's datapackage.json); None: ``expected`` on both."""
    for base in site.web:
        page = Visitor().get(base + path)
        found = {(int(v), n) for v, n in re.findall('button--small" ' + link(slug), page.text)}
        if page.status_code != 200 or found != expected:
            return f"{path} on {base}: {page.status_code}, {len(found)} of {len(expected)} files"
    return None


def receipt_check(site: Site, code: str) -> None:
    """The receipt check answers the same on both nodes: counted."""
    sections = []
    for base in site.web:
        answer = Visitor().submit(f"{base}/comprobante", {"code": code})
        assert answer.status_code == 200, f"{base}/comprobante: {answer.status_code}"
        found = RESULT_SECTION.search(answer.text)
        assert found, f"no result on {base}/comprobante"
        sections.append(found.group())
    assert sections[0] == sections[1], "the receipt check differs between the nodes"
    assert 'data-status="counted"' in sections[0]


def vote_through_both_nodes(site: Site, budget, voter: User, twice: User) -> list[str]:
    """Three residents vote: one registers, one signs in on B and votes on A, one confirms
    two ballots at once (one per node); the receipt codes shown to the first two."""
    a, b = site.web
    p1, p2, p3, p4 = f.project_ids(budget)
    # A new resident registers and confirms across the nodes, signs in on A, votes on B.
    newcomer = Visitor()
    register_and_confirm(site, newcomer, "ana@example.org")
    newcomer.login(a, "ana@example.org", f.PASSWORD)
    codes = [vote(newcomer, a, b, budget, [p1, p2, p4])]
    # Another one signs in on B and votes on A.
    visitor = Visitor()
    visitor.login(b, voter.email, f.PASSWORD)
    codes.append(vote(visitor, b, a, budget, [p1, p3]))
    # A third one confirms two different ballots at once, one on each node: one ballot.
    answers = vote_twice_at_once(site, twice, budget, [[p2, p3], [p1, p4]])
    assert [answer.status_code for answer in answers] == [303, 303]
    db.session.rollback()
    (ballot,) = db.session.scalars(select(Ballot).where(Ballot.user_id == twice.id))
    chosen = sorted(
        db.session.scalars(select(BallotItem.project_id).where(BallotItem.ballot_id == ballot.id))
    )
    assert chosen in ([p2, p3], [p1, p4])  # one whole ballot, never a mix
    assert db.session.scalar(select(func.count(Ballot.id))) == 3
    return codes


def tally_by_beat(site: Site, process, budget) -> None:
    """Voting closes: a beat's scheduler pass records it, a worker tallies, open data
    publishes."""
    close_voting(process)
    (run,) = wait_for(
        site,
        lambda: [r for r in official_runs(budget.id) if r.status == RunStatus.DONE],
        WORK,
        "the official tally (beat, then a worker)",
    )
    assert run.ballots_counted == 3
    wait_for(site, lambda: publications(process.id), WORK, "the open data published after it")


def photo_and_new_version(site: Site, admin: User, process) -> tuple[str, list[Publication]]:
    """The administrator (signed in on A) adds a photo on A and publishes again on B; the
    photo's path and every version, oldest first."""
    a, b = site.web
    visitor = Visitor()
    visitor.login(a, admin.email, f.PASSWORD)
    photo = add_milestone_photo(site, visitor, process)
    published = visitor.submit(
        f"{b}/admin/procesos/{process.id}/datos-abiertos/publicar", {"confirmado": "1"}
    )
    assert published.status_code == 303, published.text[:2000]
    versions = wait_for(
        site,
        lambda: (
            [p for p in publications(process.id) if p.trigger == "manual"]
            and publications(process.id)
        ),
        WORK,
        "the open data version the administrator asked for",
    )
    return photo, versions


def served_alike(site: Site, process, budget, versions: list[Publication], photo: str) -> None:
    """Both nodes list the same versions and files, and serve every file identically."""
    listed = {  # a version pruned by the retention policy lists no file
        (p.version, f["name"]): f["sha256"] for p in versions if not p.pruned_at for f in p.files
    }
    pages = [catalogue(base, process.slug) for base in site.web]
    assert pages[0] == pages[1], "the catalogue differs between the nodes"
    assert pages[0][0] == [str(p.version) for p in reversed(versions)]
    assert pages[0][1] == set(listed)
    latest = versions[-1]
    resources = {(latest.version, f["name"]) for f in latest.files}
    resources.discard((latest.version, "datapackage.json"))
    results = f"/procesos/{process.slug}/presupuestos/{budget.id}/resultados"
    wait_served(site, f"{results}/boletas.csv", WORK, "the ballots CSV")
    problems = [
        *(
            same_on_both(site, f"/datos/{process.slug}/v{v}/{n}", sha)
            for (v, n), sha in listed.items()
        ),
        *(same_on_both(site, path) for path in (photo, f"{results}/resultados.csv")),
        same_on_both(site, f"{results}/boletas.csv"),
        *(
            datasets(site, path, process.slug, resources)
            for path in ("/datos", f"/datos/{process.slug}")
        ),
    ]
    wrong = [problem for problem in problems if problem]
    assert not wrong, "served differently by the two nodes:\n" + "\n".join(wrong)


def test_two_nodes_serve_one_site(site: Site):
    # An administrator sets the process up (one budget on the ballot, voting open).
    admin = accepted(f.admin())
    process = f.process(now_allows=("allows_vote",))
    budget = f.budget(process, amount=1000, costs=(400, 300, 300, 200))
    voter, twice = accepted(f.user()), accepted(f.user())
    db.session.commit()

    codes = vote_through_both_nodes(site, budget, voter, twice)
    tally_by_beat(site, process, budget)
    photo, versions = photo_and_new_version(site, admin, process)

    # The beats go on with their passes, and there is still one official tally.
    passes = log_count(site, "beat-", SCHEDULER_SENT)
    wait_for(
        site,
        lambda: log_count(site, "beat-", SCHEDULER_SENT) >= passes + 3,
        WORK,
        "three more scheduler passes",
    )
    assert len(official_runs(budget.id)) == 1

    served_alike(site, process, budget, versions, photo)
    for code in codes:
        assert db.session.scalar(select(Ballot.id).where(Ballot.receipt_hash == receipt_hash(code)))
        receipt_check(site, code)
