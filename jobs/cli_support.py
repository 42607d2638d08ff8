"""What every ``policy-monitor`` command shares: the context that opens the app, one-line errors, JSON output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

from jobs.app import App, open_app
from jobs.config import Settings, load_settings
from monitor.errors import MonitorError


def fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"policy-monitor: {message}", err=True)
    sys.exit(code)


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


class Context:
    def __init__(self, config_path: Path) -> None:
        self.config_path = config_path

    def settings(self) -> Settings:
        return load_settings(self.config_path)

    @contextmanager
    def app(self) -> Iterator[App]:
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
