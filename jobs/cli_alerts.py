"""Alert commands: deliver now, subscriptions, and a preview of what subscribers get."""

from __future__ import annotations

import click

from jobs.cli_support import Context, guard, print_json
from jobs.deliver import deliver_pending


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report.")
@click.pass_obj
@guard
def deliver(obj: Context, as_json: bool) -> None:
    """Send every alert and digest that is due now, then exit (the daemon does this on its own)."""
    with obj.app() as app:
        report = deliver_pending(app)
    if as_json:
        print_json(vars(report))
        return
    click.echo(f"alerts: {report.sent} sent, {report.retrying} to retry, {report.failed} failed")


COMMANDS = (deliver,)
