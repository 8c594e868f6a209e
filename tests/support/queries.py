"""One SQL statement counter for every test that counts queries (the ``count_queries``
fixture): SQLAlchemy's ``before_cursor_execute`` event on the app's engine, so it sees every
statement any session or connection of the app runs inside the block, the requests' own.
And the check that a page runs as many statements with many rows as with few
(:func:`assert_flat`), with builders of the rows pages list."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import count

from flask import current_app
from sqlalchemy import event

from participa.budgets.models import Budget, Project
from participa.extensions import db
from participa.processes.models import District, Process
from participa.proposals.models import Proposal
from tests import factories as f

FEW, MANY = 3, 30
_n = count(1)


@contextmanager
def counting() -> Iterator[list[str]]:
    """The SQL statements run inside the block, in order (``len()`` to count them)."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def statements(client, url: str) -> tuple[list[str], int]:
    """The statements one GET of ``url`` runs (it must answer 200), and the length of the
    answer. The request gets an application context, hence a database session, of its
    own, as in production: the test's session and what it holds are not shared."""
    with current_app.app_context(), counting() as seen:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return seen, len(response.data)


def assert_flat(client, url: str, grow: Callable[[int], None], sizes=(FEW, MANY)) -> None:
    """``url`` runs as many statements after ``grow`` has added rows up to ``sizes[1]``
    as with ``sizes[0]``. ``grow(k)`` adds ``k`` more rows of what the page lists."""
    grow(sizes[0])
    db.session.commit()
    statements(client, url)  # the first request does what is done once per process
    few, few_length = statements(client, url)
    grow(sizes[1] - sizes[0])
    db.session.commit()
    many, many_length = statements(client, url)
    assert many_length > few_length, f"{url} does not list the rows added"
    grown = {s: (few.count(s), many.count(s)) for s in many if many.count(s) > few.count(s)}
    detail = "\n".join(
        f"{a} -> {b} times: {' '.join(s.split())[:150]} … {' '.join(s.split())[-150:]}"
        for s, (a, b) in grown.items()
    )
    assert len(many) == len(few), (
        f"{url}: {len(few)} statements with {sizes[0]} rows, {len(many)} with {sizes[1]}:\n{detail}"
    )


def district() -> District:
    place = District(name=f"Colonia {next(_n)}")
    db.session.add(place)
    db.session.flush()
    return place


def add_proposals(process: Process, k: int, **values) -> list[Proposal]:
    """``k`` proposals by different authors in different districts, each with a support."""
    made = []
    for _ in range(k):
        author = f.user()
        proposal = Proposal(
            process_id=process.id,
            author_id=author.id,
            district_id=district().id,
            title=f"Propuesta {next(_n)}",
            body="Un parque con árboles y bancas para la colonia.",
            cost_estimate=100,
            **{"category": "espacio-publico", **values},
        )
        db.session.add(proposal)
        made.append(proposal)
    db.session.flush()
    return made


def add_projects(budget: Budget, k: int) -> list[Project]:
    start = len(budget.projects)
    made = [
        Project(budget_id=budget.id, title=f"Proyecto {start + i}", cost=10, position=start + i)
        for i in range(1, k + 1)
    ]
    db.session.add_all(made)
    db.session.flush()
    db.session.expire(budget, ["projects"])
    return made
