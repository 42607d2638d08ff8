"""What every ``policy-monitor`` command shares: the context that opens the database or the whole app, one-line
errors, JSON output, and the plain-text rendering of section changes."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from sqlalchemy.orm import Session

from jobs.config import Settings, load_settings
from jobs.database import open_configured_database
from monitor.compare.changes import render_word_diff
from monitor.errors import MonitorError
from monitor.models import WordOp, WordOpKind

if TYPE_CHECKING:
    from jobs.app import App


def fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"policy-monitor: {message}", err=True)
    sys.exit(code)


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


class Context:
    def __init__(self, config_path: Path) -> None:
        self.config_path = config_path
        self._settings: Settings | None = None

    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_path)
        return self._settings

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A session on the configured database, for commands that answer questions. Opening it still upgrades
        the schema when behind and syncs the config's policies and subscriptions; no archive client is made."""
        database = open_configured_database(self.settings())
        try:
            with database.reader() as session:
                yield session
        finally:
            database.dispose()

    @contextmanager
    def app(self) -> Iterator[App]:
        """The whole app, for commands that fetch, send or write."""
        from jobs.app import open_app  # the archive client's imports (requests, wayback): only when needed

        app = open_app(self.settings())
        try:
            yield app
        finally:
            app.close()


def guard(command: Callable[..., None]) -> Callable[..., None]:
    """Turn our errors into one line on stderr and exit code 2, the same for every command."""

    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except MonitorError as error:
            fail(str(error))

    wrapper.__name__ = command.__name__
    wrapper.__doc__ = command.__doc__
    return wrapper


def render_words(words: list[dict[str, str]]) -> str:
    """A section change's word operations (as in its JSON) as a plain-text diff."""
    return render_word_diff([WordOp(kind=WordOpKind(op["op"]), text=op["text"]) for op in words])


def section_heading(section: dict[str, Any]) -> str:
    """``== renamed: Old path -> New path ==``, from a section change's JSON."""
    old, new = section["old_path"], section["new_path"]
    path = f"{old} -> {new}" if old and new and old != new else new or old
    kind = section["kind"]
    if kind in ("renamed", "moved") and section.get("words_changed"):
        kind += " and changed"
    return f"== {kind}: {path} =="


def print_section_changes(sections: list[dict[str, Any]]) -> None:
    """Each section change: its heading, then its diff as a reader sees it (``shown``: link text, no Markdown),
    or, for a stored change without its texts, its word operations."""
    for section in sections:
        click.echo(section_heading(section))
        click.echo(section["shown"] if "shown" in section else render_words(section["words"]))
        click.echo()
