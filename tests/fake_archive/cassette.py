"""Recorded exchanges from ../shared/corpus/wayback/*.yaml (vcrpy cassettes), for the fake archive to replay.

The cassettes are read in place with PyYAML (the corpus is not to be copied into the repository).
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import yaml

from tests.fake_archive.corpus import CORPUS

WAYBACK = CORPUS / "wayback"


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
    return tuple(_exchange(entry) for entry in yaml.safe_load((WAYBACK / f"{name}.yaml").read_bytes())["interactions"])


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
