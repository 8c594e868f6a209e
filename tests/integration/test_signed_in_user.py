"""The signed-in visitor's account, as Flask-Login's loader gives it on every request: read
through the driver on PostgreSQL, yet the session's own ``User`` as the ORM would load it."""

from sqlalchemy import inspect

from participa.accounts.models import User
from participa.accounts.services import signed_in_user
from participa.extensions import db
from participa.processes.models import District
from tests import factories as f


def test_the_account_is_the_sessions_own_persistent_unchanged_user(ctx):
    district = District(name="Centro", level="colonia")
    db.session.add(district)
    db.session.flush()
    voter = f.user()
    voter.district_id = district.id
    voter_id, email = voter.id, voter.email
    db.session.commit()
    db.session.remove()  # a new request: nothing in the session yet

    user = signed_in_user(voter_id)
    state = inspect(user)
    assert state.persistent and not db.session.dirty
    assert (user.id, user.email, user.identity_id) == (voter_id, email, None)
    assert user.district.name == "Centro"  # relationships load on use
    assert db.session.get(User, voter_id) is user  # one identity
    user.name = "Vecina renombrada"  # and changes are flushed as for any loaded object
    db.session.commit()
    db.session.remove()
    assert db.session.get(User, voter_id).name == "Vecina renombrada"


def test_the_sessions_copy_is_reused_and_a_deleted_account_is_nobody(ctx):
    voter = f.user()
    db.session.commit()
    assert signed_in_user(voter.id) is voter
    assert signed_in_user(voter.id + 1000) is None
