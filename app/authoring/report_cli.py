"""`flask reports`: checking the progress report's counters against their rows."""

import click
from flask.cli import AppGroup

from app.authoring.report_operations import recompute_counters
from app.authoring.reports.counters import counter_differences
from app.extensions import db

reports_cli = AppGroup("reports", help="The staff reports' counters.")


@reports_cli.command("check-counters")
@click.option("--fix", is_flag=True, help="Set every counter from its rows when one is wrong.")
def check_counters_command(fix: bool) -> None:
    """Count lessons done, sessions attended and best scores again from their rows, and name
    every stored counter that differs (exit status 1 when one does and --fix is not given)."""
    found = counter_differences()
    for difference in found:
        click.echo(str(difference))
    if not found:
        click.echo("Every counter matches its rows.")
        return
    if not fix:
        click.echo(f"{len(found)} counters differ from their rows: run again with --fix.", err=True)
        raise SystemExit(1)
    enrollments = recompute_counters()
    db.session.commit()
    left = counter_differences()
    click.echo(f"Set the counters of {enrollments} enrolments and every best score again.")
    if left:
        click.echo(f"{len(left)} counters still differ (a step taken meanwhile?).", err=True)
        raise SystemExit(1)
