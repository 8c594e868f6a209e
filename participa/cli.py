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
@click.option("--promote", is_flag=True, help="Make the existing account EMAIL an administrator.")
@click.option("--password", help="Asked for when omitted (at least 10 characters).")
def create_admin(email: str, name: str, promote: bool, password: str | None) -> None:
    """Create an administrator with EMAIL (or, with --promote, promote that account)."""
    from participa.accounts.services import create_admin as create

    if password is None and not promote:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create(email, password, name, promote=promote)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Administrator {user.email} is ready.")


@demo_cli.command("load")
@click.option("--seed", default=2026, show_default=True, help="Random seed of the ballots.")
@click.option("--ballots", default=1000, show_default=True)
def load_demo(seed: int, ballots: int) -> None:
    """Load a realistic Spanish-language demo (skipped if the demo is already there)."""
    from participa.demo import CENSUS_PEOPLE, DEMO_LOGINS, RESIDENT_DOCUMENT, load

    if not load(seed=seed, ballots=ballots):
        click.echo("Demo data already present; nothing loaded.")
    for role, (email, password) in DEMO_LOGINS.items():
        click.echo(f"{role:>14}: {email} / {password}")
    document, born = RESIDENT_DOCUMENT
    click.echo(f"Census: the resident is verified with {document} (born {born}).")
    click.echo("People in the census without an account (document, birth date, district),")
    click.echo("to check in at a booth of the 2026 process or to verify a new account:")
    for document, born, district in CENSUS_PEOPLE:
        click.echo(f"  {document}  {born}  {district}")


pb_cli = AppGroup("pb", help="Pabulib .pb files: import, tally, export.")
phases_cli = AppGroup("phases", help="Phases of the processes.")


@pb_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--slug", help="Address of the new process (default: from the file).")
def pb_import(path: str, slug: str | None) -> None:
    """Turn a .pb file into a finished process with its projects, ballots and tally."""
    from participa.audit.services import acting_as

    with acting_as("cli"):
        _pb_import(path, slug)


def _pb_import(path: str, slug: str | None) -> None:
    from participa.interop.pabulib import import_pb
    from participa.results.queries import published_run
    from participa.results.services import request_tally
    from participa.results.tasks import run_tally
    from participa.tallying.pabulib import PbError, read

    try:
        report = import_pb(read(path), slug=slug)
    except (PbError, DomainError) as error:
        raise click.ClickException(f"{path}: {error}") from error
    budget = report.budget
    run = request_tally(budget)
    db.session.commit()
    run_tally(run.id)
    published = published_run(budget)
    if published is None:  # run_tally raised if the count failed
        raise click.ClickException(f"{path}: the tally of {budget.title!r} is not published")
    click.echo(
        f"Imported {budget.process.title!r} as /procesos/{budget.process.slug}: "
        f"{len(budget.projects)} projects, {report.ballots} ballots, rule {report.rule}; "
        f"{len(published.selected)} projects funded."
    )
    if report.merged_repeats:
        click.echo(f"note: {report.merged_repeats} repeated project(s) on a ballot counted once")


@pb_cli.command("tally")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--rule", help="A rule name (default: the file's rule).")
def pb_tally(path: str, rule: str | None) -> None:
    """Print the ids of the funded projects of a .pb file, one per line."""
    from participa.tallying import RULES, tally
    from participa.tallying.pabulib import PbError, read, to_election

    try:
        pb = read(path)
        election = to_election(pb)
    except PbError as error:
        raise click.ClickException(f"{path}: {error}") from error
    rule = rule or pb.meta["rule"]
    if rule not in RULES:
        raise click.ClickException(f"unknown rule {rule!r}; known: {', '.join(RULES)}")
    for project_id in tally(election, rule).selected:
        click.echo(project_id)


@pb_cli.command("export")
@click.argument("budget_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File (default: stdout).")
def pb_export(budget_id: int, output: str | None) -> None:
    """Write budget BUDGET_ID with its ballots as a .pb file (streamed: flat memory)."""
    from participa.budgets.models import Budget
    from participa.interop.pabulib_stream import PbStream

    budget = db.session.get(Budget, budget_id)
    if budget is None:
        raise click.ClickException(f"no budget with id {budget_id}")
    if output:
        with open(output, "w", encoding="utf-8", newline="") as handle:
            handle.writelines(PbStream(budget))
    else:
        for chunk in PbStream(budget):
            click.echo(chunk, nl=False)


@phases_cli.command("advance")
def phases_advance() -> None:
    """Record the phases whose dates have come and queue the tallies of closed votes (what
    beat does every minute; run it from cron where no beat runs)."""
    from participa.processes.tasks import run_scheduler

    done = run_scheduler()
    click.echo(
        f"opened {len(done['opened'])} phase(s), closed {len(done['closed'])}, "
        f"queued {len(done['tallies'])} tally(ies)"
    )
