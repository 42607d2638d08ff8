"""The shipped config.toml documents every key with its real default.

Its convention: every key of every table appears, set or commented out. A commented-out ``# key = value`` line
shows the default; a line whose value is not the default says the default in its comment (``default: value``);
a key whose default is "unset" (None) or that is required is only shown.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from jobs.config.tables import TABLES, Table

ROOT = Path(__file__).resolve().parents[1]
_HEADER = re.compile(r"^#?\s*\[\[?\s*(\w+)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^(#\s*)?(\w+)\s*=")
_DEFAULT = re.compile(r"default: (.+)$")
_REQUIRED = {"policies": {"name": "Example", "url": "https://example.org/privacy"}}


def documented_lines() -> dict[tuple[str, str], list[str]]:
    """(table, key) -> each line of config.toml that sets or shows it."""
    lines: dict[tuple[str, str], list[str]] = {}
    table = ""
    for line in (ROOT / "config.toml").read_text(encoding="utf-8").splitlines():
        header, key = _HEADER.match(line), _KEY.match(line)
        if header:
            table = header.group(1)
        elif key:
            lines.setdefault((table, key.group(2)), []).append(line)
    return lines


def declared_keys() -> list[tuple[str, str]]:
    return [
        (table, key)
        for table, model in TABLES.items()
        if table
        for key, field in model.model_fields.items()
        if not field.exclude
    ]


def validated(model: type[Table], table: str, key: str, value: Any) -> Any:
    return getattr(model.model_validate({**_REQUIRED.get(table, {}), key: value}), key)


def documented_default(line: str) -> tuple[bool, Any]:
    """(whether the line states a default, that default as TOML gives it)."""
    stated = _DEFAULT.search(line)
    if stated:
        text = stated.group(1).strip()
        return text != "none", None if text == "none" else tomllib.loads(f"v = {text}")["v"]
    if line.startswith("#"):
        return True, next(iter(tomllib.loads(line.lstrip("# ")).values()))
    return True, next(iter(tomllib.loads(line).values()))


def test_every_declared_key_is_in_the_shipped_config() -> None:
    missing = [f"{table}.{key}" for table, key in declared_keys() if (table, key) not in documented_lines()]
    assert missing == []


def test_the_shipped_config_names_no_undeclared_key() -> None:
    assert sorted(set(documented_lines()) - set(declared_keys())) == []


@pytest.mark.parametrize(("table", "key"), declared_keys(), ids=lambda part: str(part))
def test_each_key_shows_its_real_default(table: str, key: str) -> None:
    model = TABLES[table]
    field = model.model_fields[key]
    if field.is_required() or field.get_default(call_default_factory=True) is None:
        return  # required, or unset by default: the line is an example
    default = validated(model, table, key, field.get_default(call_default_factory=True))
    for line in documented_lines()[(table, key)]:
        states, value = documented_default(line)
        assert states, f"{line!r} does not say the default of {table}.{key}"
        assert validated(model, table, key, value) == default, f"{line!r}: the default is {default!r}"
