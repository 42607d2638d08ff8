"""The ``policy-monitor`` command: the root group, with each command in a module by what it does.

A command's module is imported only when that command runs (``--help`` imports them all): a history question
should not pay for the imports of the daemon, the archive client and the alert channels, about half a second.
"""

from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path

import click

from jobs.cli.support import Context, fail
from jobs.config import default_config_path
from monitor.errors import MonitorError

# command name -> "module:attribute"
COMMANDS = {
    "daemon": "jobs.cli.run:daemon",
    "poll": "jobs.cli.run:poll",
    "reextract": "jobs.cli.run:reextract",
    "deliver": "jobs.cli.alerts:deliver",
    "list": "jobs.cli.history:list_policies",
    "history": "jobs.cli.history:history_command",
    "show": "jobs.cli.history:show",
    "diff": "jobs.cli.history:diff",
    "sections": "jobs.cli.history:sections",
    "section-history": "jobs.cli.history:section_history",
    "changes": "jobs.cli.history:changes",
    "status": "jobs.cli.history:status",
    "subscribe": "jobs.cli.alerts:subscribe",
    "unsubscribe": "jobs.cli.alerts:unsubscribe",
    "subscriptions": "jobs.cli.alerts:subscriptions",
    "alerts": "jobs.cli.alerts:alerts",
    "extract": "jobs.cli.documents:extract",
    "compare": "jobs.cli.documents:compare",
}


class CommandTable(click.Group):
    """A group whose commands are named in ``COMMANDS`` and imported when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, _, attribute = COMMANDS[cmd_name].partition(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command) and command.name == cmd_name, COMMANDS[cmd_name]
        return command


@click.group(cls=CommandTable, context_settings={"help_option_names": ["-h", "--help"]})
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
