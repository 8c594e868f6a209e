"""The account tokens as a service (participa.accounts.tokens), with ``now`` passed in: the
expiry to the second, one purpose and one account per token, single use, the newer token,
the sweep of expired ones; and the migration that takes existing accounts as confirmed."""

import hashlib
from datetime import timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from participa.accounts import access, services, tokens
from participa.accounts.models import AccountToken, TokenPurpose
from participa.db import utcnow
from participa.errors import Invalid
from participa.extensions import db
from tests import factories as f
from tests.support.migrating import migrating_app

CONFIRM, RESET = TokenPurpose.CONFIRM_EMAIL, TokenPurpose.RESET_PASSWORD


def test_a_token_is_stored_as_its_sha256_and_expires_to_the_second(ctx):
    ana = f.user()
    now = utcnow()
    token = tokens.issue(ana, RESET, now=now)
    row = db.session.scalar(select(AccountToken))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (row.token_hash, str(row.id))
    assert len(token) >= 43  # 256 random bits
    assert row.expires_at == now + timedelta(hours=1)
    assert tokens.holder(token, RESET, now=now + timedelta(minutes=59, seconds=59)) == ana
    assert tokens.holder(token, RESET, now=now + timedelta(hours=1)) is None
    assert tokens.redeem(token, RESET, now=now + timedelta(hours=1)) is None
    assert db.session.scalar(select(AccountToken)) is not None  # an expired try uses nothing


def test_lifetimes_are_settings(ctx, monkeypatch):
    ana = f.user()
    monkeypatch.setitem(ctx.config, "PASSWORD_RESET_LIFETIME", 600)  # seconds, from the env
    monkeypatch.setitem(ctx.config, "EMAIL_CONFIRMATION_LIFETIME", timedelta(days=1))
    now = utcnow()
    reset, confirm = tokens.issue(ana, RESET, now=now), tokens.issue(ana, CONFIRM, now=now)
    assert tokens.holder(reset, RESET, now=now + timedelta(seconds=599)) == ana
    assert tokens.holder(reset, RESET, now=now + timedelta(seconds=600)) is None
    assert tokens.holder(confirm, CONFIRM, now=now + timedelta(hours=23)) == ana
    assert tokens.holder(confirm, CONFIRM, now=now + timedelta(days=1)) is None


def test_single_use_one_purpose_one_newest(ctx):
    ana, bob = f.user(), f.user()
    first = tokens.issue(ana, RESET)
    second = tokens.issue(ana, RESET)  # the newer one replaces it
    confirmation = tokens.issue(ana, CONFIRM)  # another purpose: both live
    bobs = tokens.issue(bob, RESET)
    assert tokens.redeem(first, RESET) is None
    assert tokens.redeem(confirmation, RESET) is None  # not a reset token
    assert tokens.redeem(second, CONFIRM) is None  # not a confirmation token
    assert tokens.redeem(second, RESET) == ana
    assert tokens.redeem(second, RESET) is None  # used
    assert tokens.redeem(confirmation, CONFIRM) == ana
    assert tokens.redeem(bobs, RESET) == bob  # nobody else's was touched


@pytest.mark.parametrize("token", [None, "", "x", "a" * 101, "ñandú", "../../etc"])
def test_nonsense_opens_nothing(ctx, token):
    f.user()
    assert tokens.redeem(token, RESET) is None


def test_issuing_sweeps_expired_tokens_of_anyone(ctx):
    ana, bob = f.user(), f.user()
    long_ago = utcnow() - timedelta(days=10)
    tokens.issue(ana, CONFIRM, now=long_ago)
    tokens.issue(bob, RESET)
    assert db.session.scalars(select(AccountToken.user_id)).all() == [bob.id]


def test_a_password_change_ends_the_reset_tokens_not_the_confirmation(ctx):
    ana = f.user()
    reset, confirm = tokens.issue(ana, RESET), tokens.issue(ana, CONFIRM)
    services.change_password(ana, "otra-clave-muy-segura")
    assert tokens.holder(reset, RESET) is None
    assert tokens.holder(confirm, CONFIRM) == ana


def test_a_policy_failure_keeps_the_reset_link(ctx):
    with ctx.test_request_context():
        ana = f.user()
        token = tokens.issue(ana, RESET)
        with pytest.raises(Invalid) as refused:
            access.reset_password(token, "1234567890")
        assert refused.value.field == "password"
        assert tokens.holder(token, RESET) == ana
        user = access.reset_password(token, "otra-clave-muy-segura")
        assert user == ana and ana.check_password("otra-clave-muy-segura")
        assert tokens.holder(token, RESET) is None


# ───────────── the migration ─────────────

BEFORE, AFTER = "d6e2b4a81f37", "d7e2b4c91f30"


def test_the_migration_takes_existing_accounts_as_confirmed(app, bare_database):
    created = utcnow().replace(microsecond=0) - timedelta(days=30)
    with migrating_app(app, bare_database) as (migrating, engine), migrating.app_context():
        upgrade(revision=BEFORE)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, role, created_at) "
                    "VALUES (1, 'admin@example.org', 'A', 'x', 'admin', :at), "
                    "(2, 'vecina@example.org', 'V', 'x', 'resident', :at)"
                ),
                {"at": created},
            )
        upgrade(revision=AFTER)
        with engine.connect() as conn:
            confirmed = conn.execute(
                text("SELECT id FROM users WHERE email_confirmed_at = created_at ORDER BY id")
            ).all()
            assert conn.execute(text("SELECT count(*) FROM account_tokens")).scalar() == 0
        assert confirmed == [(1,), (2,)]  # as of their creation
        downgrade(revision=BEFORE)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 2
