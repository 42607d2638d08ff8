"""Commands that answer history questions from the database: they read, and never touch the archive."""

from __future__ import annotations

from typing import Any

import click

from jobs import history
from jobs.cli.support import Context, guard, print_json, print_section_changes, render_words, section_heading
from jobs.dates import parse_when


@click.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@guard
def list_policies(obj: Context, as_json: bool) -> None:
    """List tracked policies with their version counts and poll times."""
    with obj.reader() as session:
        rows = history.policy_list(session)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        latest = row["latest_version_at"] or "never"
        error = f"  last error: {row['last_error']}" if row["last_error"] else ""
        unstable = f"  {row['unstable']}" if row["unstable"] else ""
        click.echo(f"{row['name']}  {row['url']}  {row['versions']} versions, latest {latest}{error}{unstable}")


@click.command("history")
@click.argument("name")
@click.option("--captures", is_flag=True, help="List every capture with its outcome instead of the versions.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@guard
def history_command(obj: Context, name: str, captures: bool, as_json: bool) -> None:
    """List every stored version of policy NAME, with what changed in each."""
    with obj.reader() as session:
        rows = history.capture_history(session, name) if captures else history.version_history(session, name)
    if as_json:
        print_json(rows)
    elif captures:
        for row in rows:
            click.echo(f"{row['captured_at']}  {row['outcome']:<16} {row['reason'] or ''}".rstrip())
    else:
        for row in rows:
            summary = _sections_summary(row["sections"])
            click.echo(f"{row['captured_at']}  v{row['id']:<5} {_version_class(row):<16} {summary}".rstrip())


def _version_class(row: dict[str, Any]) -> str:
    """'reverted to v12 (2021-05-01T00:00:00Z)' for a revert; else the class."""
    earlier = row["reverted_to"]
    return f"reverted to v{earlier['id']} ({earlier['captured_at']})" if earlier else row["version_class"]


def _sections_summary(sections: list[dict[str, Any]], *, named: int = 2) -> str:
    """'3 modified, 1 added: Data > Cookies; Sharing; …' — counts by kind, then the first few paths."""
    counts: dict[str, int] = {}
    for section in sections:
        counts[section["kind"]] = counts.get(section["kind"], 0) + 1
    paths = [s["new_path"] or s["old_path"] for s in sections[:named]]
    more = "; …" if len(sections) > named else ""
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    return f"{summary}: {'; '.join(paths)}{more}" if sections else ""


@click.command()
@click.argument("name")
@click.option("--at", "at", metavar="DATE", help="Show the version in force at DATE (default: the latest).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@guard
def show(obj: Context, name: str, at: str | None, as_json: bool) -> None:
    """Print what policy NAME said (at DATE), in the reference Markdown format."""
    when = parse_when(at, end_of_day=True) if at else None
    with obj.reader() as session:
        shown = history.show_version(session, name, when, archive_url=obj.settings().archive.base_url)
    if as_json:
        print_json({**shown.version, "kept_documents": list(shown.kept_documents), "markdown": shown.markdown})
    else:
        click.echo(shown.markdown, nl=False)
        if shown.kept_documents:
            kept = "; ".join(shown.kept_documents)
            click.echo(f"note: the page holds several documents; this version holds {kept}", err=True)


@click.command()
@click.argument("name")
@click.option("--from", "since", metavar="DATE", help="The old side: the version in force at DATE.")
@click.option("--to", "until", metavar="DATE", help="The new side: the version in force at DATE (default: latest).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@guard
def diff(obj: Context, name: str, since: str | None, until: str | None, as_json: bool) -> None:
    """Show which sections of policy NAME changed between two dates, word by word."""
    old_at = parse_when(since, end_of_day=True) if since else None
    new_at = parse_when(until, end_of_day=True) if until else None
    with obj.reader() as session:
        result = history.diff_versions(session, name, old_at, new_at)
    if as_json:
        print_json(result)
        return
    if result["old"] is None:
        click.echo(f"{name}: only one version, captured {result['new']['captured_at']}")
        return
    old, new = result["old"]["captured_at"], result["new"]["captured_at"]
    version_class = _version_class(result) if result["version_class"] else "same"
    click.echo(f"{name}: {old} -> {new} ({version_class})")
    print_section_changes(result["sections"])


@click.command()
@click.argument("name")
@click.option("--at", "at", metavar="DATE", help="The version in force at DATE (default: the latest).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@guard
def sections(obj: Context, name: str, at: str | None, as_json: bool) -> None:
    """List the sections of policy NAME as a tree, with the ids that follow them through every version."""
    when = parse_when(at, end_of_day=True) if at else None
    with obj.reader() as session:
        result = history.section_tree(session, name, when)
    if as_json:
        print_json(result)
        return
    click.echo(f"{name}, version of {result['version']['captured_at']}:")
    for section in result["sections"]:
        title = section["path"].rsplit(" > ", 1)[-1]
        click.echo(f"{section['id']:>7}  {'  ' * max(section['level'] - 1, 0)}{title}")


@click.command("section-history")
@click.argument("name")
@click.argument("section", metavar="PATH_OR_ID")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@guard
def section_history(obj: Context, name: str, section: str, as_json: bool) -> None:
    """Every change of one section of policy NAME, followed across renames and moves."""
    with obj.reader() as session:
        result = history.section_changes(session, name, section)
    if as_json:
        print_json(result)
        return
    if not result["changes"]:
        click.echo(f"section {result['section_id']} of {name} has not changed")
    for event in result["changes"]:
        click.echo(f"{event['captured_at']}  ({event['version_class']}) {section_heading(event)}")
        click.echo(render_words(event["words"]))
        click.echo()


@click.command()
@click.option("--since", metavar="DATE", help="Only changes captured at or after DATE.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@guard
def changes(obj: Context, since: str | None, as_json: bool) -> None:
    """List changes across all policies, oldest first."""
    when = parse_when(since) if since else None
    with obj.reader() as session:
        rows = history.changes_since(session, when)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        summary = _sections_summary(row["sections"])
        click.echo(f"{row['new']['captured_at']}  {row['policy']}  {_version_class(row)}  {summary}")


@click.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@guard
def status(obj: Context, as_json: bool) -> None:
    """Show the outbox, any firewall block by the archive, and each policy's last poll error."""
    with obj.reader() as session:
        result: dict[str, Any] = {
            "alerts": history.alert_status(session),
            "archive_blocks": history.archive_blocks(session),
            "policies": history.policy_list(session),
        }
    if as_json:
        print_json(result)
        return
    _print_status(result)


def _print_status(result: dict[str, Any]) -> None:
    for block in result["archive_blocks"]:
        click.echo(
            f"ARCHIVE BLOCKED: {block['host']} refuses connections from {block['machine']}; "
            f"no request is sent before {block['blocked_until']} (block #{block['block_number']})"
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
        error = f", error: {row['last_error']}" if row["last_error"] else ""
        unstable = f", {row['unstable']}" if row["unstable"] else ""
        click.echo(f"{row['name']}: last polled {when}{error}{unstable}")
