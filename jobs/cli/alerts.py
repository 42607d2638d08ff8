"""Alert commands: deliver now, manage subscriptions, and preview what a subscriber gets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from jobs import alert_preview
from jobs.cli.support import Context, fail, guard, print_json
from jobs.config.subscriptions import check_policies_named, renames_of, subscription_from_options
from jobs.deliver import deliver_pending
from jobs.subscribers import subscription_rows
from monitor.alerts.channels import CHANNELS
from monitor.alerts.subscription_rule import follow_renames
from monitor.models import VersionClass
from storage.subscriptions import CONFIG, add_subscription, deactivate_subscription, subscription_by_name

_CLASSES = click.Choice([c.value for c in VersionClass])


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
    click.echo(
        f"alerts: {report.sent} sent, {report.retrying} to retry, {report.failed} failed, "
        f"{report.cancelled} cancelled; {report.digests} digests gathered"
    )


def _target_options(command: Callable[..., None]) -> Callable[..., None]:
    """One ``--<target key>`` option per channel, as the config's ``[[subscriptions]]`` has one key per channel."""
    for kind in reversed(CHANNELS.values()):
        command = click.option(f"--{kind.target_key.replace('_', '-')}", help=kind.target_help.capitalize() + ".")(
            command
        )
    return command


@click.command()
@click.argument("name")
@_target_options
@click.option("--secret-env", metavar="VARIABLE", help="The environment variable holding the webhook's secret.")
@click.option("--policy", "policies", multiple=True, help="A policy name or glob (repeatable; default: all).")
@click.option("--sections", metavar="REGEX", help="Only changes whose section paths or changed words match.")
@click.option("--alert-on", "alert_on", multiple=True, type=_CLASSES, help="Version classes that alert.")
@click.option("--mode", type=click.Choice(["immediate", "daily", "weekly"]), default="immediate", show_default=True)
@click.option("--replace", is_flag=True, help="Replace the filters of an existing subscription of that name.")
@click.pass_obj
@guard
def subscribe(obj: Context, name: str, **options: Any) -> None:
    """Subscribe NAME to changes (kept in the database; config.toml's [[subscriptions]] work too)."""
    replace = options.pop("replace")
    entry = {"name": name, **{k: v for k, v in options.items() if v not in (None, ())}}
    entry["policies"] = list(options["policies"]) or "all"
    if options["alert_on"]:
        entry["alert_on"] = list(options["alert_on"])
    spec = subscription_from_options(
        entry, lambda key: "--policy" if key == "policies" else f"--{key.replace('_', '-')}"
    )
    policies = obj.settings().policies
    spec = follow_renames(spec, renames_of(policies))
    for glob in check_policies_named(spec, [policy.name for policy in policies], lambda key: "--policy"):
        click.echo(f"warning: --policy {glob!r} matches no policy in {obj.config_path} yet", err=True)
    with obj.app() as app, app.database.transaction() as session:
        existing = subscription_by_name(session, name)
        if existing is not None and existing.source == CONFIG and existing.active:
            fail(f"subscription {name!r} is defined in {obj.config_path}: change it there")
        if existing is not None and existing.active and not replace:
            fail(f"subscription {name!r} exists (policy-monitor subscriptions shows it): --replace to replace it")
        add_subscription(session, spec, now=datetime.now(UTC))
    click.echo(f"{'replaced' if existing is not None and existing.active else 'subscribed'} {name}")


@click.command()
@click.argument("name")
@click.pass_obj
@guard
def unsubscribe(obj: Context, name: str) -> None:
    """Stop subscription NAME; its alerts not yet sent are cancelled, none is deleted."""
    with obj.app() as app, app.database.transaction() as session:
        existing = subscription_by_name(session, name)
        if existing is None or not existing.active:
            fail(f"no active subscription named {name!r} (policy-monitor subscriptions lists them)")
        if existing.source == CONFIG:
            fail(f"subscription {name!r} is defined in {obj.config_path}: remove it there")
        deactivate_subscription(session, name)
    click.echo(f"unsubscribed {name}")


@click.command()
@click.option("--all", "show_all", is_flag=True, help="Include stopped subscriptions.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@guard
def subscriptions(obj: Context, show_all: bool, as_json: bool) -> None:
    """List subscriptions: who hears of which policies, how, and how often."""
    with obj.reader() as session:
        rows = subscription_rows(session, include_stopped=show_all)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        filters = f" sections~/{row['sections']}/" if row["sections"] else ""
        classes = ",".join(row["alert_on"]) if row["alert_on"] else "policy default"
        stopped = "" if row["active"] else " (stopped)"
        click.echo(
            f"{row['name']}: {row['channel']} {row['target']}  policies {', '.join(row['policies'])}{filters}  "
            f"on {classes}  {row['mode']}  [{row['source']}]{stopped}"
        )


@click.group()
def alerts() -> None:
    """Look at alerts before subscribers do."""


@alerts.command()
@click.argument("name")
@click.option("--change", "change_id", type=int, help="This change (default: the policy's latest).")
@click.option("--subscription", help="As this subscription gets it (its section filter applied).")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path), help="Write the HTML part here.")
@click.pass_obj
@guard
def preview(obj: Context, name: str, change_id: int | None, subscription: str | None, html_file: Path | None) -> None:
    """Render the email about a change of policy NAME: the text part to stdout, or the HTML part to a file."""
    with obj.app() as app:
        message = alert_preview.render(app, name, change_id=change_id, subscription=subscription)
    if html_file is not None:
        html_file.write_text(alert_preview.part(message, "html"), encoding="utf-8")
        click.echo(f"wrote {html_file}")
        return
    click.echo(f"Subject: {message['Subject']}\n")
    click.echo(alert_preview.part(message, "plain"))
