"""The ``policy-monitor`` command. The only module that prints; each command is a thin shell over jobs."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click

from jobs import history
from jobs.cli_alerts import COMMANDS as ALERT_COMMANDS
from jobs.cli_support import Context, fail, guard, print_json
from jobs.config import Settings, default_config_path
from jobs.deliver import deliver_pending
from jobs.poll import poll_due
from jobs.reextract import reextract as reextract_policies
from jobs.scheduler import run_daemon
from monitor.changes import change_as_dict, render_word_diff
from monitor.changes import compare as compare_texts
from monitor.errors import MonitorError, NotExtractable
from monitor.extract import extract_document, render_reference
from monitor.models import WordOp, WordOpKind

logger = logging.getLogger("policy-monitor")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Config file (default: $POLICY_MONITOR_CONFIG or ./config.toml).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log what happens, step by step.")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, verbose: bool) -> None:
    """Watch privacy policies through the Wayback Machine: store every version, detect which sections
    changed, email the people who care, and answer history questions."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not verbose:
        for noisy in ("urllib3", "apscheduler", "alembic", "wayback"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    ctx.obj = Context(config_path or default_config_path())


def main() -> None:
    try:
        cli(standalone_mode=True)
    except MonitorError as error:
        fail(str(error))


@cli.command()
@click.pass_obj
@guard
def daemon(obj: Context) -> None:
    """Run in the foreground: poll due policies and deliver alerts until SIGTERM or Ctrl-C."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with obj.app() as app:
        run_daemon(app, stop)


@cli.command()
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
    if not reports:
        click.echo("nothing due")
    click.echo(f"alerts: {delivery.sent} sent, {delivery.retrying} to retry, {delivery.failed} failed")


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", default="", help="The page's original URL, for the header line.")
@click.option("--timestamp", default="", help="The 14-digit capture timestamp, for the header line.")
@click.option("--site", default="", help="The site named in the header line (default: the URL's host).")
@guard
def extract(file: Path, url: str, timestamp: str, site: str) -> None:
    """Print FILE.html as policy Markdown in the Princeton-Leuven reference format."""
    try:
        document = extract_document(file.read_bytes())
    except NotExtractable as error:
        fail(f"{file}: {error}", code=1)
    if url and timestamp:
        site = site or (url.split("//", 1)[-1].split("/", 1)[0].removeprefix("www."))
        click.echo(render_reference(document, site=site, timestamp=timestamp, original_url=url), nl=False)
    else:
        click.echo(document.markdown, nl=False)


@cli.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@guard
def reextract(obj: Context, names: tuple[str, ...], as_json: bool) -> None:
    """Rebuild versions from the stored snapshots with the current extractor and selectors; fetches nothing."""
    with obj.app() as app:
        _require_known(app.settings, names)
        reports = reextract_policies(app, names)
    if as_json:
        print_json([vars(r) for r in reports])
        return
    for r in reports:
        verdict = f"rebuilt, {_count(r.changed, 'version')} changed" if r.rebuilt else "unchanged"
        click.echo(f"{r.policy}: {r.captures} snapshots, {r.versions_before} -> {r.versions_after} versions, {verdict}")
    total = sum(r.changed for r in reports)
    click.echo(f"{_count(total, 'version')} changed in {_count(sum(r.rebuilt for r in reports), 'policy')}")


@cli.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@guard
def list_policies(obj: Context, as_json: bool) -> None:
    """List tracked policies with their version counts and poll times."""
    with obj.app() as app, app.database.reader() as session:
        rows = history.policy_list(session)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        latest = row["latest_version_at"] or "never"
        error = f"  last error: {row['last_error']}" if row["last_error"] else ""
        click.echo(f"{row['name']}  {row['url']}  {row['versions']} versions, latest {latest}{error}")


@cli.command("history")
@click.argument("name")
@click.option("--captures", is_flag=True, help="List every capture with its outcome instead of the versions.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@guard
def history_command(obj: Context, name: str, captures: bool, as_json: bool) -> None:
    """List every stored version of policy NAME, with what changed in each."""
    with obj.app() as app, app.database.reader() as session:
        rows = history.capture_history(session, name) if captures else history.version_history(session, name)
    if as_json:
        print_json(rows)
    elif captures:
        for row in rows:
            click.echo(f"{row['captured_at']}  {row['outcome']:<16} {row['reason'] or ''}".rstrip())
    else:
        for row in rows:
            line = (
                f"{row['captured_at']}  v{row['id']:<5} {row['version_class']:<16} {_sections_summary(row['sections'])}"
            )
            click.echo(line.rstrip())


def _require_known(settings: Settings, names: tuple[str, ...]) -> None:
    unknown = [n for n in names if settings.policy(n) is None]
    if unknown:
        known = ", ".join(p.name for p in settings.policies) or "none"
        raise history.UsageError(f"no policy named {unknown[0]!r} in {settings.path} (known: {known})")


def _count(n: int, noun: str) -> str:
    if n == 1:
        return f"{n} {noun}"
    return f"{n} {noun[:-1]}ies" if noun.endswith("y") else f"{n} {noun}s"


def _sections_summary(sections: list[dict[str, Any]], *, named: int = 2) -> str:
    """'3 modified, 1 added: Data > Cookies; Sharing; …' — counts by kind, then the first few paths."""
    counts: dict[str, int] = {}
    for section in sections:
        counts[section["kind"]] = counts.get(section["kind"], 0) + 1
    paths = [s["new_path"] or s["old_path"] for s in sections[:named]]
    more = "; …" if len(sections) > named else ""
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    return f"{summary}: {'; '.join(paths)}{more}" if sections else ""


@cli.command()
@click.argument("name")
@click.option("--at", "at", metavar="DATE", help="Show the version in force at DATE (default: the latest).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@guard
def show(obj: Context, name: str, at: str | None, as_json: bool) -> None:
    """Print what policy NAME said (at DATE), in the reference Markdown format."""
    when = history.parse_when(at, end_of_day=True) if at else None
    with obj.app() as app, app.database.reader() as session:
        shown = history.show_version(session, name, when, archive_url=app.settings.archive.base_url)
    if as_json:
        print_json({**shown.version, "markdown": shown.markdown})
    else:
        click.echo(shown.markdown, nl=False)


@cli.command()
@click.argument("name")
@click.option("--from", "since", metavar="DATE", help="The old side: the version in force at DATE.")
@click.option("--to", "until", metavar="DATE", help="The new side: the version in force at DATE (default: latest).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@guard
def diff(obj: Context, name: str, since: str | None, until: str | None, as_json: bool) -> None:
    """Show which sections of policy NAME changed between two dates, word by word."""
    old_at = history.parse_when(since, end_of_day=True) if since else None
    new_at = history.parse_when(until, end_of_day=True) if until else None
    with obj.app() as app, app.database.reader() as session:
        result = history.diff_versions(session, name, old_at, new_at)
    if as_json:
        print_json(result)
        return
    if result["old"] is None:
        click.echo(f"{name}: only one version, captured {result['new']['captured_at']}")
        return
    old, new = result["old"]["captured_at"], result["new"]["captured_at"]
    click.echo(f"{name}: {old} -> {new} ({result['version_class'] or 'same'})")
    for section in result["sections"]:
        click.echo(_section_heading(section))
        click.echo(_render_words(section["words"]))
        click.echo()


def _render_words(words: list[dict[str, str]]) -> str:
    return render_word_diff([WordOp(kind=WordOpKind(op["op"]), text=op["text"]) for op in words])


def _section_heading(section: dict[str, Any]) -> str:
    old, new = section["old_path"], section["new_path"]
    path = f"{old} -> {new}" if old and new and old != new else new or old
    return f"== {section['kind']}: {path} =="


@cli.command()
@click.argument("name")
@click.option("--at", "at", metavar="DATE", help="The version in force at DATE (default: the latest).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@guard
def sections(obj: Context, name: str, at: str | None, as_json: bool) -> None:
    """List the sections of policy NAME as a tree, with the ids that follow them through every version."""
    when = history.parse_when(at, end_of_day=True) if at else None
    with obj.app() as app, app.database.reader() as session:
        result = history.section_tree(session, name, when)
    if as_json:
        print_json(result)
        return
    click.echo(f"{name}, version of {result['version']['captured_at']}:")
    for section in result["sections"]:
        title = section["path"].rsplit(" > ", 1)[-1]
        click.echo(f"{section['id']:>7}  {'  ' * max(section['level'] - 1, 0)}{title}")


@cli.command("section-history")
@click.argument("name")
@click.argument("section", metavar="PATH_OR_ID")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@guard
def section_history(obj: Context, name: str, section: str, as_json: bool) -> None:
    """Every change of one section of policy NAME, followed across renames and moves."""
    with obj.app() as app, app.database.reader() as session:
        result = history.section_changes(session, name, section)
    if as_json:
        print_json(result)
        return
    if not result["changes"]:
        click.echo(f"section {result['section_id']} of {name} has not changed")
    for event in result["changes"]:
        click.echo(f"{event['captured_at']}  ({event['version_class']}) {_section_heading(event)}")
        click.echo(_render_words(event["words"]))
        click.echo()


@cli.command()
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
def compare(old: Path, new: Path, as_json: bool) -> None:
    """Compare two Markdown files section by section, as the monitor compares versions (no database)."""
    change = compare_texts(old.read_text(encoding="utf-8"), new.read_text(encoding="utf-8"))
    result = change_as_dict(change)
    if as_json:
        print_json(result)
        return
    click.echo(f"{old} -> {new} ({result['version_class']})")
    for section in result["sections"]:
        click.echo(_section_heading(section))
        click.echo(_render_words(section["words"]))
        click.echo()


@cli.command()
@click.option("--since", metavar="DATE", help="Only changes captured at or after DATE.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@guard
def changes(obj: Context, since: str | None, as_json: bool) -> None:
    """List changes across all policies, oldest first."""
    when = history.parse_when(since) if since else None
    with obj.app() as app, app.database.reader() as session:
        rows = history.changes_since(session, when)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        summary = _sections_summary(row["sections"])
        click.echo(f"{row['new']['captured_at']}  {row['policy']}  {row['version_class']}  {summary}")


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@guard
def status(obj: Context, as_json: bool) -> None:
    """Show the outbox, any firewall block by the archive, and each policy's last poll error."""
    with obj.app() as app, app.database.reader() as session:
        result: dict[str, Any] = {
            "alerts": history.alert_status(session),
            "archive_blocks": history.archive_blocks(session),
            "policies": history.policy_list(session),
        }
    if as_json:
        print_json(result)
        return
    for block in result["archive_blocks"]:
        click.echo(
            f"ARCHIVE BLOCKED: {block['host']} refuses connections from {block['machine']}; "
            f"no request is sent before {block['blocked_until']}"
        )
    counts = result["alerts"]["counts"]
    states = ("pending", "held", "sent", "failed", "cancelled")
    click.echo("alerts: " + ", ".join(f"{counts.get(s, 0)} {s}" for s in states) + " (held: waiting for a digest)")
    for failure in result["alerts"]["failed"]:
        click.echo(
            f"  failed: alert {failure['id']} to {failure['recipient']} ({failure['channel']}): {failure['error']}"
        )
    for retry in result["alerts"]["retrying"]:
        click.echo(
            f"  retrying: alert {retry['id']} to {retry['recipient']} ({retry['channel']}) after {retry['attempts']} "
            f"attempts, next at {retry['next_attempt_at']}: {retry['error']}"
        )
    for row in result["policies"]:
        when = row["last_polled_at"] or "never"
        click.echo(
            f"{row['name']}: last polled {when}" + (f", error: {row['last_error']}" if row["last_error"] else "")
        )


for _command in ALERT_COMMANDS:
    cli.add_command(_command)
