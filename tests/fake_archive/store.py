"""Captures held by the fake archive, indexed by URL key; safe to use from the server's threads."""

from __future__ import annotations

import base64
import bisect
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

CDX_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
TIMESTAMP_FORMAT = "%Y%m%d%H%M%S"


def payload_digest(body: bytes) -> str:
    """base32(SHA-1(payload)), the CDX ``digest`` (docs/wayback.md#digest)."""
    return base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def chunk_framed(body: bytes, size: int = 8192) -> bytes:
    """``body`` in HTTP/1.1 chunked framing, as Heritrix and others hashed it (docs/wayback.md#digest, FS-21)."""
    chunks = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in chunks) + b"0\r\n\r\n"


def parse_timestamp(timestamp: str) -> datetime:
    """A 14-digit Wayback timestamp as an aware UTC datetime."""
    return datetime.strptime(timestamp, TIMESTAMP_FORMAT).replace(tzinfo=UTC)


@dataclass(frozen=True)
class FakeCapture:
    """One archived response, as CDX lists it and playback serves it."""

    url: str
    timestamp: str
    urlkey: str
    digest: str
    body: bytes = field(repr=False)
    status: int = 200
    mimetype: str = "text/html"
    content_type: str | None = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    location: str | None = None
    playable: bool = True
    revisit: bool = False
    served_as: str | None = None  # a timestamp to put in Memento-Datetime instead of the capture's own

    @property
    def memento_datetime(self) -> datetime:
        return parse_timestamp(self.served_as) if self.served_as else self.datetime

    @property
    def length(self) -> int:
        """Stands in for the compressed record size, which is always positive (docs/wayback.md#cdx-fields)."""
        return max(len(self.body), 1)

    @property
    def datetime(self) -> datetime:
        return parse_timestamp(self.timestamp)

    def cdx_fields(self) -> dict[str, str]:
        """The seven CDX fields; revisits read ``warc/revisit`` and ``-`` (FS-9)."""
        return {
            "urlkey": self.urlkey,
            "timestamp": self.timestamp,
            "original": self.url,
            "mimetype": "warc/revisit" if self.revisit else self.mimetype,
            "statuscode": "-" if self.revisit else str(self.status),
            "digest": self.digest,
            "length": str(self.length),
        }


class CaptureStore:
    """Captures by URL key, each list sorted by timestamp (insertion order within one second)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_key: dict[str, list[FakeCapture]] = {}

    def add(self, capture: FakeCapture) -> None:
        with self._lock:
            captures = self._by_key.setdefault(capture.urlkey, [])
            bisect.insort_right(captures, capture, key=lambda c: c.timestamp)

    def for_key(self, key: str) -> list[FakeCapture]:
        with self._lock:
            return list(self._by_key.get(key, ()))

    def matching(self, accepts: Callable[[str], bool]) -> list[FakeCapture]:
        """Every capture whose key ``accepts``, sorted by (urlkey, timestamp) as CDX sorts them."""
        with self._lock:
            keys = sorted(key for key in self._by_key if accepts(key))
            return [capture for key in keys for capture in self._by_key[key]]

    def all(self) -> list[FakeCapture]:
        return self.matching(lambda _key: True)
