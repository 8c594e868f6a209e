"""The one decision "may this person act as this role on this process"
(``participa.staff.access``): global roles reach every process, an assignment one process,
and a change of assignments is seen at once, in the same transaction."""

from flask_login import AnonymousUserMixin

from participa.accounts.models import Role
from participa.extensions import db
from participa.staff import access
from participa.staff import services as staff
from tests import factories as f


def test_global_roles_reach_every_process_and_assignments_one(ctx):
    a, b = f.process(), f.process()
    admin, moderator, resident = f.admin(), f.user(Role.MODERATOR), f.user()
    f.process_role(resident, a, Role.EVALUATOR)
    db.session.commit()
    for process in (a, b):
        assert access.may_act(admin, Role.OFFICER, process.id)
        assert access.may_act(moderator, Role.MODERATOR, process.id)
        assert not access.may_act(moderator, Role.EVALUATOR, process.id)
    assert access.may_act(resident, Role.EVALUATOR, a.id)
    assert not access.may_act(resident, Role.EVALUATOR, b.id)
    assert not access.may_act(resident, Role.MODERATOR, a.id)
    assert not access.may_act(resident, Role.ADMIN, a.id)  # administration is never per process
    assert access.scope(resident, Role.EVALUATOR) == access.Scope(False, frozenset({a.id}))
    assert access.acts_anywhere(resident, Role.EVALUATOR)
    assert not access.acts_anywhere(resident, Role.OFFICER)
    anonymous = AnonymousUserMixin()
    assert access.scope(anonymous, Role.EVALUATOR) == access.NOWHERE
    assert not access.may_act(anonymous, Role.EVALUATOR, a.id)


def test_a_change_of_assignments_is_seen_in_the_same_transaction(ctx):
    process = f.process()
    person, admin = f.user(), f.admin()
    db.session.commit()
    assert not access.may_act(person, Role.MODERATOR, process.id)  # read, and kept
    assignment = staff.assign(process, person.email, Role.MODERATOR, admin)
    assert access.may_act(person, Role.MODERATOR, process.id)
    staff.remove(assignment, admin)
    assert not access.may_act(person, Role.MODERATOR, process.id)
    db.session.rollback()
    assert not access.may_act(person, Role.MODERATOR, process.id)
