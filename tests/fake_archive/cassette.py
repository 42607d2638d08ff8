"""Recorded exchanges from ../shared/corpus/wayback/*.yaml (vcrpy cassettes), for the fake archive to replay.

The cassettes are read in place (the corpus is not to be copied into the repository) with a reader for the
small part of YAML that PyYAML writes for vcrpy: block mappings and sequences, plain, quoted and ``!!binary |``
scalars. Checked against PyYAML 6.0.3: it reads all 35 cassettes to identical values.
"""

from __future__ import annotations

import base64
import gzip
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.fake_archive.corpus import CORPUS

WAYBACK = CORPUS / "wayback"
_KEY = re.compile(r"^([^\s'\"#][^:]*?|'[^']*'):(?: (.*))?$")
_ESCAPES = {
    **{"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "/": "/", "0": "\0", " ": " ", "e": "\x1b"},
    **{"a": "\a", "b": "\b", "v": "\v", "f": "\f", "_": "\xa0", "N": "\x85", "L": "\u2028", "P": "\u2029"},
}


@dataclass(frozen=True)
class Exchange:
    """One recorded request and its answer, the body with every content coding removed."""

    method: str
    uri: str
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def target(self) -> str:
        """Path and query, as the request line names them."""
        parts = urlsplit(self.uri)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@cache
def load(name: str) -> tuple[Exchange, ...]:
    """The exchanges of ``../shared/corpus/wayback/<name>.yaml``, in recorded order."""
    return tuple(_exchange(entry) for entry in read_yaml(WAYBACK / f"{name}.yaml")["interactions"])


def _exchange(entry: dict[str, Any]) -> Exchange:
    request, response = entry["request"], entry["response"]
    headers = tuple((name, value) for name, values in (response["headers"] or {}).items() for value in values)
    raw = response["body"].get("string") or b""
    body = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    # Gzip bodies are stored as the wire bytes, except in tutorial.yaml, whose bodies are stored decoded.
    if body.startswith(b"\x1f\x8b"):
        body = gzip.decompress(body)
    return Exchange(
        request["method"], request["uri"], response["status"]["code"], response["status"]["message"], headers, body
    )


def read_yaml(path: Path) -> Any:
    lines = [line.rstrip("\n") for line in path.read_text(encoding="utf-8").split("\n")]
    value, _ = _Reader(lines).node(0, 0)
    return value


class _Reader:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def node(self, i: int, indent: int) -> tuple[Any, int]:
        i = self._skip_blank(i)
        if i >= len(self.lines):
            return None, i
        line = self.lines[i]
        if line[indent:].startswith("- ") or line[indent:] == "-":
            return self.sequence(i, indent)
        return self.mapping(i, indent)

    def sequence(self, i: int, indent: int) -> tuple[list[Any], int]:
        items: list[Any] = []
        while (i := self._skip_blank(i)) < len(self.lines) and self._at(i, indent, "-"):
            rest = self.lines[i][indent + 2 :]
            if _KEY.match(rest) and not rest.startswith(("'", '"')):
                self.lines[i] = " " * (indent + 2) + rest  # "- key: v" opens a mapping two columns in
                value, i = self.mapping(i, indent + 2)
            else:
                value, i = self.scalar(rest, i, indent)
            items.append(value)
        return items, i

    def mapping(self, i: int, indent: int) -> tuple[dict[str, Any], int]:
        result: dict[str, Any] = {}
        while (i := self._skip_blank(i)) < len(self.lines) and self._at(i, indent):
            match = _KEY.match(self.lines[i][indent:])
            if match is None:
                raise ValueError(f"line {i + 1}: cannot read {self.lines[i]!r}")
            key, rest = match.group(1).strip("'"), match.group(2)
            if rest is None or rest == "":
                nxt = self._skip_blank(i + 1)
                if nxt < len(self.lines) and self._at(nxt, indent, "-"):
                    result[key], i = self.sequence(nxt, indent)
                elif nxt < len(self.lines) and self._indent(nxt) > indent:
                    result[key], i = self.node(nxt, self._indent(nxt))
                else:
                    result[key], i = None, i + 1
            else:
                result[key], i = self.scalar(rest, i, indent)
        return result, i

    def scalar(self, text: str, i: int, indent: int) -> tuple[Any, int]:
        """The value starting with ``text`` on line ``i``; continuation lines are indented past ``indent``."""
        if text.startswith("!!binary"):
            j = i + 1
            while j < len(self.lines) and (self._indent(j) > indent or not self.lines[j].strip()):
                j += 1
            return base64.b64decode("".join(line.strip() for line in self.lines[i + 1 : j])), j
        if text[:1] in ("'", '"'):
            return self._quoted(text, i)
        parts, j = [text], i + 1
        while j < len(self.lines) and self.lines[j].strip() and self._indent(j) > indent:
            parts.append(self.lines[j].strip())
            j += 1
        return _plain(" ".join(parts)), j

    def _quoted(self, text: str, i: int) -> tuple[str, int]:
        quote, raw, j = text[0], [text[1:]], i
        while not _closes(raw[-1], quote):
            j += 1
            raw.append(self.lines[j].strip())
        joined = _fold(raw, quote)
        end = _closing_index(joined, quote)
        body = joined[:end]
        return (body.replace("''", "'") if quote == "'" else _unescape(body)), j + 1

    def _at(self, i: int, indent: int, prefix: str = "") -> bool:
        line = self.lines[i]
        return self._indent(i) == indent and line[indent:].startswith(prefix)

    def _indent(self, i: int) -> int:
        line = self.lines[i]
        return len(line) - len(line.lstrip(" "))

    def _skip_blank(self, i: int) -> int:
        while i < len(self.lines) and not self.lines[i].strip():
            i += 1
        return i


def _plain(text: str) -> Any:
    if text in ("null", "~"):
        return None
    if text == "{}":
        return {}
    if text == "[]":
        return []
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


def _closes(fragment: str, quote: str) -> bool:
    return _closing_index(fragment, quote) >= 0


def _closing_index(text: str, quote: str) -> int:
    k = 0
    while k < len(text):
        char = text[k]
        if quote == '"' and char == "\\":
            k += 2
            continue
        if char == quote:
            if quote == "'" and text[k + 1 : k + 2] == "'":
                k += 2
                continue
            return k
        k += 1
    return -1


def _fold(lines: list[str], quote: str) -> str:
    """YAML line folding inside a quoted scalar: a break is a space, an empty line a newline."""
    out = lines[0].rstrip(" ") if len(lines) > 1 else lines[0]
    pending_newlines = 0
    for line in lines[1:]:
        if not line:
            pending_newlines += 1
            continue
        if quote == '"' and out.endswith("\\") and not out.endswith("\\\\"):
            out = out[:-1]  # an escaped line break joins without a space
        elif pending_newlines:
            out += "\n" * pending_newlines
        else:
            out += " "
        pending_newlines = 0
        out += line
    return out


def _unescape(text: str) -> str:
    out: list[str] = []
    k = 0
    while k < len(text):
        char = text[k]
        if char != "\\":
            out.append(char)
            k += 1
            continue
        code = text[k + 1]
        if code in ("x", "u", "U"):
            width = {"x": 2, "u": 4, "U": 8}[code]
            out.append(chr(int(text[k + 2 : k + 2 + width], 16)))
            k += 2 + width
        else:
            out.append(_ESCAPES.get(code, code))
            k += 2
    return "".join(out)
