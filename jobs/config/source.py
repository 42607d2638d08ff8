"""Reading config.toml, and saying where in it a mistake stands: one ``ConfigError`` line naming file, line and key.

tomllib does not give the lines of keys, so they are found again in the text; a policy is named by its ``name``
(``policies["SOSTEC"].url``), an entry by its index only when it has no usable name.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from jobs.config.tables import TABLES
from monitor.errors import ConfigError

_NAMED_ENTRIES = {"policies", "subscriptions"}
_MESSAGES = {
    "string_type": "must be a string",
    "string_too_short": "must be a non-empty string",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
    "dict_type": "must be a table",
    "none_required": "is not allowed",
}


def read_config(path: Path) -> tuple[dict[str, Any], ConfigSource]:
    """The parsed TOML of ``path`` and its text; a file that cannot be read, decoded or parsed is a ConfigError."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror or error}") from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not a UTF-8 text file (byte {error.start} cannot be decoded)") from None
    if "\x00" in text:
        raise ConfigError(f"{path}: not a text file (it holds NUL bytes)")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error}") from None
    if not data:
        raise ConfigError(f"{path}: the file is empty: it needs at least one [[policies]] table with name and url")
    return data, ConfigSource(path, text)


@dataclass(frozen=True)
class ConfigSource:
    """Where a key stands in the file, for error messages."""

    path: Path | None = None
    text: str = ""

    def where(self, loc: tuple[int | str, ...], data: dict[str, Any]) -> str:
        """``config.toml, line 14: policies["SOSTEC"].select`` for the key at ``loc`` in ``data``."""
        table, index, key = _split(loc)
        name = _entry_name(table, index, data)
        label = ".".join(part for part in (name, key) if part)
        line = self._line_of(table, key, index)
        location = f"{self.path}, line {line}" if line else str(self.path or "config")
        return f"{location}: {label}"

    def error(self, error: ValidationError, data: dict[str, Any]) -> ConfigError:
        """The first of pydantic's errors as one line."""
        detail = error.errors(include_url=False)[0]
        return self.fail(detail["loc"], message_of(detail), data)

    def fail(self, loc: tuple[int | str, ...], message: str, data: dict[str, Any]) -> ConfigError:
        return ConfigError(one_line(self.where(loc, data), message))

    def _line_of(self, table: str, key: str, index: int | None) -> int | None:
        header = re.compile(rf"^\s*\[\[?\s*{re.escape(table)}\s*\]\]?\s*(#.*)?$")
        seen, inside, entry_line = -1, not table, None
        for number, line in enumerate(self.text.splitlines(), start=1):
            if header.match(line):
                seen += 1
                inside = index is None or seen == index
                entry_line = number if inside and entry_line is None else entry_line
            elif re.match(r"^\s*\[", line):
                inside = False
            elif inside and re.match(rf"^\s*{re.escape(key)}\s*=", line):
                return number
        return entry_line  # a missing key: the line of its table


def one_line(where: str, message: str) -> str:
    """``where must be ...`` or ``where: 'x' is not ...``."""
    return f"{where}{' ' if message.startswith(('must ', 'is ')) else ': '}{message}"


def _split(loc: tuple[int | str, ...]) -> tuple[str, int | None, str]:
    """(table, entry index, key) of a location: ("policies", 0, "select", 1) -> ("policies", 0, "select")."""
    names = [part for part in loc if isinstance(part, str)]
    index = next((part for part in loc[1:2] if isinstance(part, int)), None)
    if len(names) < 2:
        return "", None, names[0] if names else ""
    return names[0], index, names[1]


def _entry_name(table: str, index: int | None, data: dict[str, Any]) -> str:
    if index is None:
        return table
    entries = data.get(table)
    entry = entries[index] if isinstance(entries, list) and index < len(entries) else None
    name = entry.get("name") if isinstance(entry, dict) else None
    if table in _NAMED_ENTRIES and isinstance(name, str) and name.strip() and '"' not in name:
        return f'{table}["{name.strip()}"]'
    return f"{table}[{index}]"


def message_of(detail: ErrorDetails) -> str:
    """One of pydantic's errors in our words."""
    kind, context, given = detail["type"], detail.get("ctx") or {}, detail.get("input")
    if kind == "value_error":
        return str(context.get("error", detail["msg"]))
    if kind == "extra_forbidden":
        parents = [part for part in detail["loc"][:-1] if isinstance(part, str)]
        table = parents[0] if parents else ""
        known = [key for key, field in TABLES[table].model_fields.items() if not field.exclude]
        return f"is not a known key (known: {', '.join(sorted(known))})"
    if kind == "missing":
        return "is required: add at least one [[policies]] table" if detail["loc"] == ("policies",) else "is required"
    if kind == "too_short" and detail["loc"] == ("policies",):
        return "must hold at least one [[policies]] table"
    bound = next((context[limit] for limit in ("gt", "ge", "le") if limit in context), None)
    noun = "a whole number" if isinstance(bound, int) else "a number"
    shown = f"{bound:g}" if isinstance(bound, float) else str(bound)
    bounds = {
        "greater_than": f"must be {noun} above {shown}",
        "greater_than_equal": f"must be {noun} of at least {shown}",
        "less_than_equal": f"must be {noun} of at most {shown}",
    }
    return f"{bounds.get(kind) or _MESSAGES.get(kind) or detail['msg'].lower()}, not {_shown(given)}"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."
