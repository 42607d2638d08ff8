"""Commands on files, without a database: extract a saved page, compare two Markdown versions."""

from __future__ import annotations

from pathlib import Path

import click

from jobs.cli.support import fail, guard, print_json, print_section_changes
from jobs.dates import parse_when
from jobs.history import shown_change
from monitor.compare.changes import compare as compare_texts
from monitor.errors import NotExtractable
from monitor.extract.pipeline import extract_document
from monitor.extract.reference_format import render_reference
from monitor.models import datetime_to_timestamp


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", default="", help="The page's original URL, for the header line.")
@click.option(
    "--timestamp", default="", help="The capture's date for the header line: YYYY-MM-DD[THH:MM[:SS]] or 14 digits."
)
@click.option("--site", default="", help="The site named in the header line (default: the URL's host).")
@guard
def extract(file: Path, url: str, timestamp: str, site: str) -> None:
    """Print FILE.html as policy Markdown in the Princeton-Leuven reference format."""
    captured = datetime_to_timestamp(parse_when(timestamp)) if timestamp else ""
    try:
        document = extract_document(file.read_bytes(), url=url or "")
    except NotExtractable as error:
        fail(f"{file}: {error}", code=1)
    if url and captured:
        site = site or (url.split("//", 1)[-1].split("/", 1)[0].removeprefix("www."))
        click.echo(render_reference(document, site=site, timestamp=captured, original_url=url), nl=False)
    else:
        click.echo(document.markdown, nl=False)


@click.command()
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
def compare(old: Path, new: Path, as_json: bool) -> None:
    """Compare two Markdown files section by section, as the monitor compares versions (no database)."""
    change = compare_texts(_markdown(old), _markdown(new)).change
    result = shown_change(change)
    if as_json:
        print_json(result)
        return
    click.echo(f"{old} -> {new} ({result['version_class']})")
    print_section_changes(result["sections"])


def _markdown(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        fail(f"{path}: not UTF-8 text (byte {error.start} cannot be read): save it as UTF-8 Markdown")
