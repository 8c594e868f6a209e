"""Categories defined by administrators: the service rules (create, edit, reorder, archive,
delete only when unused, every change logged before/after), their use by proposals and
projects, and the migration that turned the fixed list into a table without losing data."""

from datetime import timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from participa.audit.models import ActionLog
from participa.budgets import services as budgets
from participa.categories import queries, services
from participa.categories.defaults import DEFAULT_CATEGORIES
from participa.categories.models import Category
from participa.db import utcnow
from participa.errors import Conflict, Invalid
from participa.extensions import db
from participa.proposals import services as proposals
from participa.proposals.models import Proposal, ProposalState
from tests import factories as f
from tests.support.migrating import migrating_app

BEFORE, AFTER = "7d2e4b9c1a55", "3c8e5f1a2b90"


def last_log(action: str) -> ActionLog:
    return db.session.scalars(
        select(ActionLog).where(ActionLog.action == action).order_by(ActionLog.id.desc())
    ).first()


def propose(process, category: str) -> Proposal:
    return proposals.create_proposal(
        process,
        f.user(),
        title="Bancas para la plaza del barrio",
        body="Bancas a la sombra en la plaza, junto a los árboles del barrio.",
        category=category,
        district_id=None,
        cost_estimate=100,
    )


# --- services --------------------------------------------------------------------------


def test_the_fixed_list_is_there_in_order(ctx):
    assert [c.slug for c in queries.offered()] == [slug for slug, *_ in DEFAULT_CATEGORIES]


def test_create_makes_the_key_from_the_name_puts_it_last_and_logs_it(ctx):
    admin = f.admin()
    category = services.create_category(
        name="Agua y drenaje", name_en="Water and drainage", actor=admin
    )
    db.session.commit()
    assert category.slug == "agua-y-drenaje"
    assert queries.offered()[-1] == category
    entry = last_log("category.created")
    assert entry.actor_id == admin.id and entry.target_id == category.id
    assert entry.after["name"] == "Agua y drenaje" and entry.after["slug"] == "agua-y-drenaje"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "movilidad"}, "name"),  # the same name as another, whatever the case
        ({"name": "Transporte", "slug": "movilidad"}, "slug"),  # another's key
        ({"name": "Transporte", "slug": "Con Espacios"}, "slug"),
        ({"name": "x" * 81}, "name"),
    ],
)
def test_create_refuses_with_the_field_at_fault(ctx, values, field):
    before = len(queries.all_categories())
    with pytest.raises(services.FieldInvalid) as refused:
        services.create_category(**values)
    assert refused.value.field == field and refused.value.status_code == 422
    db.session.rollback()
    assert len(queries.all_categories()) == before


def test_rename_keeps_the_key_and_logs_before_and_after(ctx):
    process = f.process(now_allows=("allows_propose",))
    proposal = propose(process, "movilidad")
    category = queries.by_slug("movilidad")
    services.update_category(
        category, name="Movilidad y transporte", name_en="Transport", description="", actor=None
    )
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).category_label == "Movilidad y transporte"
    assert category.slug == "movilidad"
    entry = last_log("category.updated")
    assert entry.before["name"] == "Movilidad" and entry.after["name"] == "Movilidad y transporte"
    with pytest.raises(services.FieldInvalid):  # another category's name
        services.update_category(category, name="Cultura", name_en="", description="")


def test_move_swaps_with_the_neighbour_and_stops_at_the_ends(ctx):
    first, second = queries.offered()[:2]
    services.move_category(second, -1)
    assert [c.slug for c in queries.offered()[:2]] == [second.slug, first.slug]
    assert last_log("category.moved").after == {"position": 1}
    services.move_category(second, -1)  # already first: nothing changes
    assert queries.offered()[0] == second
    last = queries.offered()[-1]
    services.move_category(last, 1)
    assert queries.offered()[-1] == last


def test_archived_is_not_offered_but_kept_where_used(ctx):
    process = f.process(now_allows=("allows_propose",))
    kept = propose(process, "deporte")
    category = queries.by_slug("deporte")
    services.set_archived(category, True)
    db.session.commit()
    assert category not in queries.offered()
    assert category in queries.for_filter(process.id)  # its proposals can still be found
    assert category not in queries.for_filter(f.process().id)
    with pytest.raises(Invalid):
        propose(process, "deporte")
    db.session.rollback()
    assert db.session.get(Proposal, kept.id).category_label == "Deporte"
    assert last_log("category.archived").after["archived_at"] is not None
    services.set_archived(category, False)
    assert category in queries.offered()
    assert last_log("category.unarchived").after == {"archived_at": None}


def test_delete_refused_while_used_allowed_when_not(ctx):
    process = f.process(now_allows=("allows_propose",))
    propose(process, "salud")
    used = queries.by_slug("salud")
    with pytest.raises(Conflict, match="1 propuestas y 0 proyectos"):
        services.delete_category(used)
    db.session.rollback()
    assert queries.by_slug("salud") is not None
    spare = services.create_category(name="Sin usar")
    spare_id = spare.id
    services.delete_category(spare, actor=None)
    db.session.commit()
    assert db.session.get(Category, spare_id) is None
    entry = last_log("category.deleted")
    assert entry.target_id == spare_id and entry.before["slug"] == "sin-usar"


def test_the_database_refuses_an_unknown_category(ctx):
    process = f.process()
    db.session.add(
        Proposal(process_id=process.id, author_id=f.user().id, title="T", body="B", category="nope")
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_projects_take_their_proposals_category_or_an_offered_one(ctx):
    process = f.process(now_allows=("allows_propose",))
    proposal = propose(process, "cultura")
    proposal.state = ProposalState.ACCEPTED
    services.set_archived(queries.by_slug("cultura"), True)  # archived since: still kept
    budget = f.budget(f.process(), costs=())
    budget.process_id = process.id
    db.session.flush()
    project = budgets.project_from_proposal(budget, proposal, cost=100)
    assert project.category == "cultura" and project.category_label == "Cultura"
    typed = budgets.create_project(budget, title="Foro", cost=10, category="educacion")
    assert typed.category_label == "Educación"
    with pytest.raises(Invalid):
        budgets.create_project(budget, title="Foro 2", cost=10, category="cultura")


# --- the migration ---------------------------------------------------------------------


OLD_ROWS = [
    "INSERT INTO users (id, email, name, password_hash, role, created_at) "
    "VALUES (1, 'a@example.org', 'A', 'x', 'resident', :now)",
    "INSERT INTO processes (id, slug, title, description, municipality, created_at, "
    "vote_scope, verification_to_vote, verification_to_propose, in_person_voting) "
    "VALUES (1, 'p', 'P', '', 'M', :now, 'all', false, false, false)",
    "INSERT INTO proposals (id, process_id, author_id, title, body, category, state, "
    "supports_count, created_at, reports_count) VALUES "
    "(1, 1, 1, 'Uno', 'Cuerpo', 'cultura', 'accepted', 0, :now, 0), "
    "(2, 1, 1, 'Dos', 'Cuerpo', 'movilidad', 'submitted', 0, :now, 0), "
    "(3, 1, 1, 'Tres', 'Cuerpo', 'hecha-a-mano', 'submitted', 0, :now, 0)",
    "INSERT INTO budgets (id, process_id, position, title, description, amount, currency, "
    "ballot_type, min_projects, min_spend_percent, min_points, rule, created_at) "
    "VALUES (1, 1, 1, 'B', '', 1000, 'MXN', 'knapsack', 0, 0, 0, 'greedy', :now)",
    "INSERT INTO projects (id, budget_id, proposal_id, position, title, description, cost, "
    "created_at) VALUES (1, 1, 1, 1, 'Uno', '', 100, :now), (2, 1, NULL, 2, 'Otro', '', 50, :now)",
]


def test_the_migration_keeps_every_category_and_goes_back(app, bare_database):
    with migrating_app(app, bare_database) as (migrating, engine):
        now = utcnow() - timedelta(days=1)
        with migrating.app_context():
            upgrade(revision=BEFORE)
            with engine.begin() as conn:
                for statement in OLD_ROWS:
                    conn.execute(text(statement), {"now": now})
            upgrade(revision=AFTER)
            with engine.connect() as conn:
                kept = dict(conn.execute(text("SELECT id, category FROM proposals")).all())
                projects = dict(conn.execute(text("SELECT id, category FROM projects")).all())
                categories = {
                    r.slug: r
                    for r in conn.execute(
                        text("SELECT slug, name, name_en, position, archived_at FROM categories")
                    )
                }
            assert kept == {1: "cultura", 2: "movilidad", 3: "hecha-a-mano"}
            assert projects == {1: "cultura", 2: None}  # the proposal's category
            fixed = [slug for slug, *_ in DEFAULT_CATEGORIES]
            assert sorted(categories, key=lambda s: categories[s].position) == [
                *fixed,
                "hecha-a-mano",
            ]
            assert categories["movilidad"].name == "Movilidad"
            assert categories["movilidad"].name_en == "Mobility"
            assert categories["movilidad"].archived_at is None
            assert categories["hecha-a-mano"].archived_at is not None  # kept, not offered
            with pytest.raises(IntegrityError), engine.begin() as conn:  # now a foreign key
                conn.execute(text("UPDATE proposals SET category = 'nope' WHERE id = 2"))
            downgrade(revision=BEFORE)
            with engine.connect() as conn:
                back = dict(conn.execute(text("SELECT id, category FROM proposals")).all())
                columns = conn.execute(text("SELECT * FROM projects")).mappings().first()
            assert back == kept
            assert columns is not None and "category" not in columns
