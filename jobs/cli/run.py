"""Commands that do the monitor's work: run the daemon, poll now, re-extract stored snapshots."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading

import click

from jobs.cli.support import Context, guard, print_json
from jobs.config import Settings
from jobs.dates import UsageError
from jobs.deliver import deliver_pending
from jobs.poll import poll_due
from jobs.reextract import reextract as reextract_policies
from jobs.scheduler import run_daemon


@click.command()
@click.pass_obj
@guard
def daemon(obj: Context) -> None:
    """Run in the foreground: poll due policies and deliver alerts until SIGTERM or Ctrl-C."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with obj.app() as app:
        if not run_daemon(app, stop):
            _leave_now()


def _leave_now() -> None:
    """Exit at once, without waiting for the job left stuck on a server (its claims are given back already)."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@click.command()
@click.option(
    "--policy", "names", multiple=True, metavar="NAME", help="Poll only this policy (repeatable), due or not."
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON report.")
@click.pass_obj
@guard
def poll(obj: Context, names: tuple[str, ...], as_json: bool) -> None:
    """Poll once now (due policies, or those named), then deliver the alerts it queued."""
    _require_known(obj.settings(), names)
    with obj.app() as app:
        reports = poll_due(app, names=names)
        delivery = deliver_pending(app)
    if as_json:
        print_json({"polls": [vars(r) for r in reports], "delivery": vars(delivery)})
        return
    for r in reports:
        status = f"error: {r.error}" if r.error else "ok"
        click.echo(
            f"{r.policy}: {_count(r.captures, 'new capture')} ({r.fetched} fetched, {r.duplicates} already held), "
            f"{_count(r.versions, 'new version')}, {_count(r.changes, 'change')}, {_count(r.alerts, 'alert')} queued "
            f"({status})"
        )
        if r.reextracted:
            click.echo(
                f"  first re-read with this extractor: {_count(r.reextracted, 'version')} changed, nobody alerted"
            )
    if not reports:
        click.echo("nothing due")
    click.echo(f"alerts: {delivery.sent} sent, {delivery.retrying} to retry, {delivery.failed} failed")


@click.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@guard
def reextract(obj: Context, names: tuple[str, ...], as_json: bool) -> None:
    """Rebuild versions from the stored snapshots with the current extractor and selectors; fetches nothing."""
    _require_known(obj.settings(), names)
    with obj.app() as app:
        reports = reextract_policies(app, names)
    if as_json:
        print_json([vars(r) for r in reports])
        return
    for r in reports:
        verdict = f"rebuilt, {_count(r.changed, 'version')} read differently (history, nobody alerted)"
        verdict = verdict if r.rebuilt else "unchanged"
        click.echo(f"{r.policy}: {r.captures} snapshots, {r.versions_before} -> {r.versions_after} versions, {verdict}")
    total = sum(r.changed for r in reports)
    click.echo(f"{_count(total, 'version')} changed in {_count(sum(r.rebuilt for r in reports), 'policy')}")


def _require_known(settings: Settings, names: tuple[str, ...]) -> None:
    unknown = [n for n in names if settings.policy(n) is None]
    if unknown:
        known = ", ".join(p.name for p in settings.policies) or "none"
        raise UsageError(f"no policy named {unknown[0]!r} in {settings.path} (known: {known})")


def _count(n: int, noun: str) -> str:
    if n == 1:
        return f"{n} {noun}"
    return f"{n} {noun[:-1]}ies" if noun.endswith("y") else f"{n} {noun}s"
