"""``flask users ...`` and ``flask demo ...`` commands."""

import click
from flask.cli import AppGroup

from participa.errors import DomainError
from participa.extensions import db

users_cli = AppGroup("users", help="Manage accounts.")
demo_cli = AppGroup("demo", help="Demonstration data.")


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administración", show_default=True)
@click.password_option(help="Asked for when omitted (at least 10 characters).")
def create_admin(email: str, name: str, password: str) -> None:
    """Create an administrator with EMAIL (or promote the existing account)."""
    from participa.accounts.services import create_admin as create

    try:
        user = create(email, password, name)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Administrator {user.email} is ready.")


@demo_cli.command("load")
@click.option("--seed", default=2026, show_default=True, help="Random seed of the ballots.")
@click.option("--ballots", default=1000, show_default=True)
def load_demo(seed: int, ballots: int) -> None:
    """Load a realistic Spanish-language demo (skipped if the demo is already there)."""
    from participa.demo import DEMO_LOGINS, load

    if not load(seed=seed, ballots=ballots):
        click.echo("Demo data already present; nothing loaded.")
    for role, (email, password) in DEMO_LOGINS.items():
        click.echo(f"{role:>14}: {email} / {password}")
