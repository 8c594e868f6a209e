"""The signed-in visitor's account, as Flask-Login's loader gives it on every request: read
through the driver on PostgreSQL, yet the session's own ``User`` as the ORM would load it;
only while its server-side session lasts."""

from datetime import timedelta

from sqlalchemy import inspect, select

from participa.accounts.models import User, UserSession
from participa.accounts.services import (
    change_password,
    close_all_sessions,
    close_session,
    open_session,
    signed_in_user,
)
from participa.db import utcnow
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
    token = open_session(voter)
    db.session.commit()
    db.session.remove()  # a new request: nothing in the session yet

    user = signed_in_user(voter_id, token)
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
    token = open_session(voter)
    db.session.commit()
    assert signed_in_user(voter.id, token) is voter
    assert signed_in_user(voter.id + 1000, token) is None


def test_only_a_stored_session_of_that_account_signs_in(ctx):
    ana, luis = f.user(), f.user()
    token = open_session(ana)
    db.session.commit()
    assert signed_in_user(ana.id, token) is ana
    assert signed_in_user(luis.id, token) is None  # another account's token
    assert signed_in_user(ana.id, None) is None  # a session without a token (older cookies)
    assert signed_in_user(ana.id, token + "x") is None
    stored = db.session.scalars(select(UserSession.token_hash)).all()
    assert len(stored) == 1 and token not in stored[0]  # only its SHA-256 is kept
    close_session(token)
    db.session.commit()
    assert signed_in_user(ana.id, token) is None


def test_log_out_everywhere_and_a_new_password_end_the_other_sessions(ctx):
    ana, luis = f.user(), f.user()
    phone, laptop, other = open_session(ana), open_session(ana), open_session(luis)
    db.session.commit()
    change_password(ana, "otra-clave-muy-larga", keep=laptop)
    db.session.commit()
    assert signed_in_user(ana.id, phone) is None
    assert signed_in_user(ana.id, laptop) is ana  # the session that changed it stays
    assert close_all_sessions(ana) == 1
    db.session.commit()
    assert signed_in_user(ana.id, laptop) is None
    assert signed_in_user(luis.id, other) is luis  # nobody else's


def test_a_session_ends_after_its_absolute_lifetime(ctx):
    ana = f.user()
    token = open_session(ana)
    row = db.session.scalar(select(UserSession))
    row.created_at = utcnow() - ctx.config["SESSION_ABSOLUTE_LIFETIME"] - timedelta(minutes=1)
    db.session.commit()
    assert signed_in_user(ana.id, token) is None
    open_session(ana)  # a new login sweeps the expired rows away
    db.session.commit()
    assert len(db.session.scalars(select(UserSession)).all()) == 1


def test_a_blocked_account_is_nobody(ctx):
    ana = f.user()
    token = open_session(ana)
    ana_id = ana.id
    assert signed_in_user(ana_id, token) is ana
    ana.blocked_at = utcnow()
    db.session.commit()
    db.session.remove()
    assert signed_in_user(ana_id, token) is None
