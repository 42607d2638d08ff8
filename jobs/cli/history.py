"""Commands that answer history questions from the database: they read, and never touch the archive."""

from __future__ import annotations

from typing import Any

import click

from jobs import history
from jobs.cli.support import Context, fail, guard, print_json, print_section_changes, render_words, section_heading
from jobs.dates import parse_version_or_when, parse_when
from jobs.section_lookup import AmbiguousSection


@click.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@guard
def list_policies(obj: Context, as_json: bool) -> None:
    """List tracked policies with their version counts and poll times."""
    with obj.reader() as session:
        rows = history.policy_list(session, stale_after=obj.settings().schedule.stale_after)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        latest = row["latest_version_at"] or "never"
        error = f"  last error: {row['last_error']}" if row["last_error"] else ""
        notes = "".join(f"  {row[key]}" for key in ("stale", "unstable") if row[key])
        click.echo(f"{row['name']}  {row['url']}  {row['versions']} versions, latest {latest}{error}{notes}")


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
            version = f"v{row['version']}" if row["version"] else ""
            click.echo(f"{row['captured_at']}  {row['outcome']:<16} {version:<6} {row['reason'] or ''}".rstrip())
    else:
        for row in rows:
            summary = _sections_summary(row["sections"])
            number = f"v{row['number']}"
            if row["url_changed"]:
                click.echo(f"{'':<20}  (the policy's address is now {row['url']})")
            click.echo(f"{row['captured_at']}  {number:<6} {_version_class(row):<16} {summary}".rstrip())


def _version_class(row: dict[str, Any]) -> str:
    """'reverted to v12 (2021-05-01T00:00:00Z)' for a revert; else the class."""
    earlier = row["reverted_to"]
    return f"reverted to v{earlier['number']} ({earlier['captured_at']})" if earlier else row["version_class"]


def _version_label(version: dict[str, Any]) -> str:
    """'v3 (2021-05-01T00:00:00Z)'."""
    return f"v{version['number']} ({version['captured_at']})"


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
@click.option("--at", "at", metavar="DATE|vN", help="Show the version in force at DATE, or vN (default: the latest).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@guard
def show(obj: Context, name: str, at: str | None, as_json: bool) -> None:
    """Print what policy NAME said (at DATE, or in version vN), in the reference Markdown format."""
    when = parse_version_or_when(at, end_of_day=True) if at else None
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
@click.option("--from", "since", metavar="DATE|vN", help="The old side: the version in force at DATE, or vN.")
@click.option("--to", "until", metavar="DATE|vN", help="The new side: at DATE, or vN (default: the latest).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@guard
def diff(obj: Context, name: str, since: str | None, until: str | None, as_json: bool) -> None:
    """Show which sections of policy NAME changed between two dates, word by word."""
    old_at = parse_version_or_when(since, end_of_day=True) if since else None
    new_at = parse_version_or_when(until, end_of_day=True) if until else None
    with obj.reader() as session:
        result = history.diff_versions(session, name, old_at, new_at)
    if as_json:
        print_json(result)
        return
    if result["old"] is None:
        click.echo(f"{name}: only one version, {_version_label(result['new'])}")
        return
    old, new = _version_label(result["old"]), _version_label(result["new"])
    version_class = _version_class(result) if result["version_class"] else "same"
    click.echo(f"{name}: {old} -> {new} ({version_class})")
    print_section_changes(result["sections"])


@click.command()
@click.argument("name")
@click.option("--at", "at", metavar="DATE|vN", help="The version in force at DATE, or vN (default: the latest).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@guard
def sections(obj: Context, name: str, at: str | None, as_json: bool) -> None:
    """List the sections of policy NAME as a tree, with the ids that follow them through every version."""
    when = parse_version_or_when(at, end_of_day=True) if at else None
    with obj.reader() as session:
        result = history.section_tree(session, name, when)
    if as_json:
        print_json(result)
        return
    click.echo(f"{name}, {_version_label(result['version'])}:")
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
    """Every change of one section of policy NAME, followed across renames and moves.

    PATH_OR_ID is the section's id, its full path ("Privacy Policy > 3. Sharing > Partners"), or any end of the
    path that only one section has, down to the bare heading ("partners"; case and numbering aside)."""
    try:
        with obj.reader() as session:
            result = history.section_changes(session, name, section)
    except AmbiguousSection as error:
        for section_id, path in error.candidates:
            click.echo(f"{section_id:>7}  {path}")
        fail(str(error))
    if as_json:
        print_json(result)
        return
    if len(result["followed"]) > 1:
        copies = ", ".join(str(i) for i in result["followed"])
        click.echo(f"(the page showed this section twice for a while: sections {copies} are followed as one)")
    if not result["changes"]:
        click.echo(f"section {result['section_id']} of {name} has not changed")
    for event in result["changes"]:
        versions = f"v{event['old']['number']} -> v{event['new']['number']}"
        click.echo(f"{event['captured_at']}  {versions} ({event['version_class']}) {section_heading(event)}")
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
        versions = f"v{row['old']['number']} -> v{row['new']['number']}"
        click.echo(f"{row['new']['captured_at']}  {row['policy']}  {versions}  {_version_class(row)}  {summary}")


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
            "policies": history.policy_list(session, stale_after=obj.settings().schedule.stale_after),
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
        notes = "".join(f", {row[key]}" for key in ("stale", "unstable") if row[key])
        click.echo(f"{row['name']}: last polled {when}{error}{notes}")
