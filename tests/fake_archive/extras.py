"""Recorded answers replayed, the link-format TimeMap and the availability API
(FS-27; docs/wayback.md#timemap-availability)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from tests.fake_archive.cassette import Exchange
from tests.fake_archive.playback import http_date, nearest
from tests.fake_archive.responses import Reply, rate_limited
from tests.fake_archive.store import CaptureStore
from tests.fake_archive.urlkey import decode_original, urlkey

_ARCHIVE_ORIGINS = ("https://web.archive.org", "http://web.archive.org")
_TRANSPORT_HEADERS = {"content-encoding", "transfer-encoding", "content-length", "connection", "date", "server"}


def replayed(exchange: Exchange, base_url: str) -> Reply:
    """A recorded answer as this server's own: web.archive.org URLs in its headers point here instead."""
    netloc = urlsplit(base_url).netloc
    headers = tuple(
        (name, _moved(value, base_url, netloc) if name.lower() in ("location", "link") else value)
        for name, value in exchange.headers
        if name.lower() not in _TRANSPORT_HEADERS
    )
    gzipped = (exchange.header("Content-Encoding") or "").lower() == "gzip"
    chunked = (exchange.header("Transfer-Encoding") or "").lower() == "chunked"
    return Reply(exchange.status, exchange.body, headers, reason=exchange.reason, chunked=chunked, compress=gzipped)


def _moved(value: str, base_url: str, netloc: str) -> str:
    for origin in _ARCHIVE_ORIGINS:
        value = value.replace(origin, base_url)
    return value.replace("//web.archive.org/", f"//{netloc}/")


def timemap(target: str, store: CaptureStore, base_url: str) -> Reply:
    """``/web/timemap/link/<url>``: one line per memento, view-mode URLs (docs/wayback.md#timemap-availability)."""
    original = decode_original(urlsplit(target).path.removeprefix("/web/timemap/link/"))
    captures = [c for c in store.for_key(urlkey(original)) if not c.revisit]
    if not captures:
        return Reply(404, b"", (("Content-Type", "application/link-format"),))
    lines = [
        f'<{captures[0].url}>; rel="original"',
        f'<{base_url}/web/timemap/link/{original}>; rel="self"; type="application/link-format"; '
        f'from="{http_date(captures[0].datetime)}"',
        f'<{base_url}>; rel="timegate"',
    ]
    for index, capture in enumerate(captures):
        rel = "first memento" if index == 0 else "last memento" if index == len(captures) - 1 else "memento"
        lines.append(
            f'<{base_url}/web/{capture.timestamp}/{capture.url}>; rel="{rel}"; datetime="{http_date(capture.datetime)}"'
        )
    return Reply(200, (",\n".join(lines) + "\n").encode(), (("Content-Type", "application/link-format"),), chunked=True)


def available(target: str, store: CaptureStore, base_url: str, *, always_429: bool = False) -> Reply:
    """``/wayback/available?url=…[&timestamp=…]``: the closest playable capture, or ``{}``
    (docs/wayback.md#timemap-availability)."""
    if always_429:
        return rate_limited()
    params = {k: v[-1] for k, v in parse_qs(urlsplit(target).query).items()}
    url = params.get("url", "")
    capture = nearest([c for c in store.for_key(urlkey(url)) if c.playable], params.get("timestamp", ""))
    snapshots: dict[str, object] = {}
    if capture is not None and url:
        snapshots["closest"] = {
            "available": True,
            "url": f"{base_url}/web/{capture.timestamp}/{capture.url}",
            "timestamp": capture.timestamp,
            "status": str(capture.status),
        }
    body = json.dumps({"url": url, "archived_snapshots": snapshots}).encode()
    return Reply(200, body, (("Content-Type", "application/json"),))
