"""Playback of ``GET /web/<timestamp><mode>/<url>`` (docs/wayback.md#raw-mode, FS-13..FS-19)."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from tests.fake_archive.responses import Reply, excluded, not_archived, robots_blocked_playback
from tests.fake_archive.store import CaptureStore, FakeCapture, parse_timestamp
from tests.fake_archive.urlkey import decode_original, urlkey, with_scheme

PLAYBACK_PATH = re.compile(r"^/web/(?:(\d{1,14})([a-z]{2}_)?/)?(.+)$")
_EPOCH_PAD = "19700101000000"  # fills a partial timestamp with the earliest valid month, day and time


@dataclass(frozen=True)
class PlaybackOptions:
    base_url: str
    location_form: str = "absolute"  # FS-16: "absolute", "path" or "scheme-relative"


def playback(
    raw_path: str,
    store: CaptureStore,
    options: PlaybackOptions,
    blocked: Callable[[str], bool],
    robots: Callable[[str], bool] = lambda _url: False,
) -> Reply:
    """Answer one playback request; ``raw_path`` keeps the original URL's query string."""
    match = PLAYBACK_PATH.match(raw_path)
    if match is None:
        return not_archived(raw_path)
    timestamp, mode, original = match.group(1) or "", match.group(2) or "", decode_original(match.group(3))
    if blocked(original):
        return excluded(original)
    if robots(original):
        return robots_blocked_playback(original)
    captures = store.for_key(urlkey(original))
    exact = next((c for c in captures if c.timestamp == timestamp and c.playable), None)
    if exact is not None:
        return memento(exact, mode, captures, options)
    target = nearest([c for c in captures if c.playable], timestamp)
    if target is None:
        return not_archived(original)
    return _redirect_to(target, mode, options)


def memento(capture: FakeCapture, mode: str, captures: list[FakeCapture], options: PlaybackOptions) -> Reply:
    """The archived status and body with Memento headers (FS-13, FS-16, FS-17)."""
    headers: list[tuple[str, str]] = []
    if capture.content_type is not None:
        headers.append(("Content-Type", capture.content_type))
    if capture.location is not None and 300 <= capture.status < 400:
        headers.append(("Location", _rewrite_location(capture, mode, options)))
    headers += [
        ("Memento-Datetime", http_date(capture.memento_datetime)),
        ("Link", _link_header(capture, captures, options.base_url)),
        ("X-Archive-Src", f"fake-archive-{capture.timestamp[:8]}/{capture.urlkey.split(')')[0]}-00000.warc.gz"),
        ("cache-control", "max-age=1800"),
        ("X-Page-Cache", "MISS"),
        ("x-ts", str(capture.status)),
        ("set-cookie", "wb-p-SERVER=wwwb-app204; path=/"),
        *((f"X-Archive-Orig-{name}", value) for name, value in capture.headers),
    ]
    return Reply(capture.status, capture.body, tuple(headers), chunked=True, compress=True)


def nearest(captures: list[FakeCapture], timestamp: str) -> FakeCapture | None:
    """The capture closest in time to a full or partial ``timestamp``; the latest when it is empty."""
    if not captures:
        return None
    if not timestamp:
        return captures[-1]
    padded = timestamp + _EPOCH_PAD[len(timestamp) :]
    try:
        wanted = parse_timestamp(padded)
    except ValueError:
        return min(captures, key=lambda c: (abs(int(c.timestamp) - int(padded)), c.timestamp))
    return min(captures, key=lambda c: (abs((c.datetime - wanted).total_seconds()), c.timestamp))


def http_date(moment: datetime) -> str:
    """RFC 1123 in GMT, as ``Memento-Datetime`` is written."""
    return email.utils.format_datetime(moment, usegmt=True)


def _redirect_to(target: FakeCapture, mode: str, options: PlaybackOptions) -> Reply:
    """The non-memento ``302 FOUND`` to another capture: no Memento-Datetime, no Link (FS-14)."""
    headers = (
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Location", f"{options.base_url}/web/{target.timestamp}{mode}/{target.url}"),
        ("X-Archive-Redirect-Reason", f"found capture at {target.timestamp}"),
        ("X-Page-Cache", "MISS"),
        ("x-ts", "302"),
    )
    return Reply(302, b"", headers, reason="FOUND")


def _rewrite_location(capture: FakeCapture, mode: str, options: PlaybackOptions) -> str:
    """The archived target moved into Wayback space with the same timestamp and mode (docs/wayback.md#redirects)."""
    target = urljoin(with_scheme(capture.url), capture.location or "")
    path = f"/web/{capture.timestamp}{mode}/{target}"
    if options.location_form == "path":
        return path
    if options.location_form == "scheme-relative":
        return f"//{urlsplit(options.base_url).netloc}{path}"
    return options.base_url + path


def _link_header(capture: FakeCapture, captures: list[FakeCapture], base: str) -> str:
    """``Link`` with original/timemap/timegate and view-mode (no ``id_``) memento URLs (docs/wayback.md#raw-mode)."""
    index = next(i for i, c in enumerate(captures) if c is capture)

    def entry(other: FakeCapture, rel: str) -> str:
        return f'<{base}/web/{other.timestamp}/{other.url}>; rel="{rel}"; datetime="{http_date(other.datetime)}"'

    links = [
        f'<{capture.url}>; rel="original"',
        f'<{base}/web/timemap/link/{capture.url}>; rel="timemap"; type="application/link-format"',
        f'<{base}/web/{capture.url}>; rel="timegate"',
        entry(captures[0], "first memento"),
    ]
    if index > 0:
        links.append(entry(captures[index - 1], "prev memento"))
    links.append(entry(capture, "memento"))
    if index < len(captures) - 1:
        links.append(entry(captures[index + 1], "next memento"))
    links.append(entry(captures[-1], "last memento"))
    return ", ".join(links)
