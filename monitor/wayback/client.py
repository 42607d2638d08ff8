"""The only module that talks to the Wayback Machine.

Requests go through ``monitor.wayback.transport`` (EDGI's ``wayback.WaybackSession`` underneath) and the host's
process-wide ``monitor.wayback.host_gate.HostGate``: paced per endpoint family, paused after a live 429, stopped by a
firewall block. EDGI's ``WaybackClient`` is not used: it hard-codes the web.archive.org host (we must also talk to
our loopback fake and to mirrors), aborts a search on one malformed CDX line, and has no JSON output. See
docs/wayback.md for every behaviour handled here, each section naming the code that relies on it.
"""

from __future__ import annotations

import email.utils
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from urllib.parse import urldefrag, urljoin, urlsplit

import requests
from wayback import WaybackSession

from monitor.errors import ArchiveError, BlockedSite, CaptureUnavailable
from monitor.models import Capture, CaptureOutcome, Snapshot, datetime_to_timestamp, timestamp_to_datetime
from monitor.wayback.capture_quality import low_quality_reason
from monitor.wayback.cdx import CdxPage, parse_cdx, resolve_revisits
from monitor.wayback.firewall_breaker import BlockMemory
from monitor.wayback.host_gate import HostGate, attach_gate, detach_gate
from monitor.wayback.pacer import Family
from monitor.wayback.settings import ArchiveSettings
from monitor.wayback.transport import BodyTooLarge, Transport, TransportSettings, read_body, ungzip_payload

logger = logging.getLogger(__name__)

MAX_CDX_PAGES = 200
_WAYBACK_PATH = re.compile(r"^/web/(\d{14})(?:[a-z]{2}_)?/(.+)$")
_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
# CDX mimetypes that say nothing about the page (docs/wayback.md#cdx-fields)
_LISTED_UNKNOWN = ("unk", "warc/revisit", "")
_ERROR_PAGE_BYTES = 64 * 1024
_BLOCK_MARKERS = ("AdministrativeAccessControlException", "RobotAccessControlException")


@dataclass(frozen=True)
class _Hop:
    """Where one playback answer sends us next: ``kind`` is "archived" (a 3xx memento) or "nearest"
    (docs/wayback.md#redirects)."""

    url: str
    kind: str
    status: int
    target: str  # the original URL the next capture is of


class WaybackArchive:
    """Lists a URL's captures and fetches them in ``id_`` mode; safe to share between threads."""

    def __init__(self, settings: ArchiveSettings, *, session: WaybackSession | None = None) -> None:
        self.settings = settings
        self._base = settings.base_url.rstrip("/")
        self._host = urlsplit(self._base).netloc.lower()
        self.gate: HostGate = attach_gate(self._host, settings.gate_settings())
        transport_settings = TransportSettings(
            settings.user_agent, settings.timeout, settings.retries, settings.backoff, settings.request_deadline
        )
        self._transport = Transport(transport_settings, self.gate, session=session)

    def interrupt(self) -> None:
        """Stop: every wait and request in flight, and every later request, raises ``Interrupted`` at once."""
        self._transport.interrupt()

    def close(self) -> None:
        self._transport.close()
        detach_gate(self.gate)

    # -- the firewall breaker, for jobs to persist and show ----------------------------------------

    def blocked_until(self) -> datetime | None:
        """The end (UTC) of the current firewall cool-down, or None."""
        return self.gate.blocked_until()

    def last_block(self) -> BlockMemory | None:
        """The latest firewall block while it still makes the next one longer (see ``HostGate.last_block``)."""
        return self.gate.last_block()

    def restore_block(self, memory: BlockMemory) -> None:
        """Resume a block an earlier process recorded; nothing is sent to the archive before it ends."""
        self.gate.restore_block(memory)

    def unavailable_for(self) -> float:
        """Seconds before any request may be sent (a 429 pause or a firewall cool-down); 0 when free."""
        return self.gate.unavailable_for()

    # -- CDX ---------------------------------------------------------------------------------------

    def list_captures(self, url: str, *, since: str | None = None) -> list[Capture]:
        """Captures of ``url`` from ``since`` (inclusive), oldest first, each distinct (timestamp, digest) once.

        Rows of every status are asked for: redirects to be followed, revisits to be resolved, error captures to
        be recorded without a fetch (docs/wayback.md#collapse-filters). ``collapse=digest`` drops adjacent repeats
        of the same content, which would never be fetched anyway.
        """
        query: dict[str, str] = {
            "url": urldefrag(url).url,  # a fragment names a part of the page (a document), never a capture
            "output": "json",
            "collapse": "digest",
            "limit": str(self.settings.cdx_page_size),
            "showResumeKey": "true",
        }
        if since:
            query["from"] = since
        seen: set[tuple[str, str]] = set()
        captures: list[Capture] = []
        skipped = 0
        for _ in range(MAX_CDX_PAGES):
            page = self._transport.get(Family.CDX, f"{self._base}/cdx/search/cdx", self._cdx_reader(url), params=query)
            skipped += page.skipped
            fresh = [c for c in page.captures if (c.timestamp, c.digest) not in seen]
            seen.update((c.timestamp, c.digest) for c in fresh)
            captures.extend(fresh)
            # The key is opaque (its format changed in 2026, docs/wayback.md#resume-keys); a repeated key or an
            # empty page ends the listing.
            if not page.resume_key or not page.captures or page.resume_key == query.get("resumeKey"):
                break
            query = {**query, "resumeKey": page.resume_key}
        if skipped:
            logger.warning("CDX listing of %s: skipped %d malformed row(s) in all", url, skipped)
        return resolve_revisits(sorted(captures, key=lambda c: c.timestamp))

    def _cdx_reader(self, url: str) -> Callable[[requests.Response], CdxPage]:
        def read(response: requests.Response) -> CdxPage:
            body = self._read(response, self.settings.max_capture_bytes)
            if response.status_code != 200:
                text = body[:_ERROR_PAGE_BYTES].decode("utf-8", "replace")
                if _is_blocked(response, text):
                    raise BlockedSite(f"{url} is excluded from the Wayback Machine")
                raise ArchiveError(f"CDX answered {response.status_code} for {url}")
            page = parse_cdx(body)
            if not page.captures and any(marker.encode() in body for marker in _BLOCK_MARKERS):
                # A 200 whose body is the exclusion error instead of rows (docs/wayback.md#excluded-sites).
                raise BlockedSite(f"{url} is excluded from the Wayback Machine")
            if not page.captures and page.skipped:
                # A 200 that is no listing (the archive's "temporarily offline" page, say) is not an empty one:
                # taken for one, it would end a new policy's import and the next poll would alert its past.
                raise ArchiveError(f"CDX answered 200 for {url} with no readable row ({page.skipped} unreadable)")
            return page

        return read

    # -- playback ----------------------------------------------------------------------------------

    def fetch_snapshot(self, capture: Capture) -> Snapshot:
        """The capture's page; ``CaptureUnavailable`` names the outcome to record, ``ArchiveError`` means try later.

        An archived redirect is followed within the archive to the capture of its target, up to
        ``max_redirect_hops``; the archive's own redirect to a nearby capture is accepted within
        ``redirect_window`` of the capture's time (docs/wayback.md#redirects).
        """
        _check_listing(capture)
        url = self._capture_url(capture.timestamp, capture.original_url)
        visited = [url]
        archived: _Hop | None = None
        try:
            while True:
                step = self._transport.get(Family.PLAYBACK, url, partial(self._playback_step, capture, url))
                if isinstance(step, Snapshot):
                    return _with_redirect_note(step, archived)
                archived = archived or (step if step.kind == "archived" else None)
                url = self._next_hop(visited, step, archived)
                visited.append(url)
        except CaptureUnavailable as error:
            if archived is None or error.outcome == CaptureOutcome.REDIRECT:
                raise
            # The capture is a redirect whose target gave us no page: that is what to record
            # (docs/wayback.md#redirects).
            reason = f"archived {archived.status} redirect to {archived.target}, then {error.outcome}: {error.reason}"
            raise CaptureUnavailable(CaptureOutcome.REDIRECT, reason) from error

    def _next_hop(self, visited: list[str], step: _Hop, archived: _Hop | None) -> str:
        if step.url in visited:
            loop = [_target_of(u) for u in [*visited[visited.index(step.url) :], step.url]]
            chain = " -> ".join(t for i, t in enumerate(loop) if i == 0 or t != loop[i - 1])
            start = _timestamp_of(step.url)
            raise CaptureUnavailable(CaptureOutcome.REDIRECT, f"redirect loop: {chain} (back to the {start} capture)")
        if len(visited) > self.settings.max_redirect_hops:
            where = f" (archived {archived.status} to {archived.target})" if archived else ""
            raise CaptureUnavailable(
                CaptureOutcome.REDIRECT, f"more than {self.settings.max_redirect_hops} redirects{where}"
            )
        return step.url

    def _playback_step(self, capture: Capture, url: str, response: requests.Response) -> Snapshot | _Hop:
        # An archived response, whatever its status (docs/wayback.md#status-codes).
        if "Memento-Datetime" in response.headers:
            return self._memento(capture, url, response)
        return self._archive_answer(capture, url, response)

    def _memento(self, capture: Capture, url: str, response: requests.Response) -> Snapshot | _Hop:
        status = response.status_code
        if 300 <= status < 400:
            return self._archived_redirect(url, response)
        if status != 200:
            raise CaptureUnavailable(CaptureOutcome.LOW_QUALITY, f"the archived page answered {status}")
        content_type = response.headers.get("Content-Type")
        if content_type and not content_type.lower().startswith(_HTML_TYPES):
            raise CaptureUnavailable(CaptureOutcome.NOT_HTML, f"served as {content_type}")
        try:
            content = ungzip_payload(
                self._read(response, self.settings.max_capture_bytes), self.settings.max_capture_bytes
            )
        except BodyTooLarge as error:
            raise CaptureUnavailable(CaptureOutcome.TOO_LARGE, str(error)) from error
        reason = low_quality_reason(content)
        if reason:
            raise CaptureUnavailable(CaptureOutcome.LOW_QUALITY, reason)
        served = _memento_timestamp(response.headers["Memento-Datetime"]) or _timestamp_of(url) or capture.timestamp
        return Snapshot(
            capture=capture,
            content=content,
            content_type=content_type,
            timestamp=served,
            served_url=_link_original(response) or _target_of(url),
        )

    def _archived_redirect(self, url: str, response: requests.Response) -> _Hop:
        """An archived 3xx: its Location, rewritten into Wayback space (docs/wayback.md#redirects), names the next
        capture to fetch."""
        status, location = response.status_code, response.headers.get("Location", "")
        if not location:
            raise CaptureUnavailable(CaptureOutcome.REDIRECT, f"archived {status} without a Location")
        target = urljoin(url, location)
        match = self._capture_path(target)
        if match is None:
            raise CaptureUnavailable(
                CaptureOutcome.REDIRECT, f"archived {status} redirect to {target}, outside the archive: not followed"
            )
        return _Hop(self._capture_url(match[0], match[1]), "archived", status, match[1])

    def _archive_answer(self, capture: Capture, url: str, response: requests.Response) -> _Hop:
        """The archive speaking for itself, not a memento: a redirect to a nearby capture, or why there is none."""
        status = response.status_code
        location = response.headers.get("Location")
        if 300 <= status < 400 and location:
            target = urljoin(url, location)
            match = self._capture_path(target)
            if match is None:
                raise CaptureUnavailable(CaptureOutcome.PLAYBACK_ERROR, f"redirect off the archive to {target}")
            distance = abs(timestamp_to_datetime(match[0]) - capture.captured_at)
            if distance > self.settings.redirect_window:
                raise CaptureUnavailable(
                    CaptureOutcome.NO_CAPTURE, f"nearest playable capture is {match[0]}, {distance} away"
                )
            return _Hop(self._capture_url(match[0], match[1]), "nearest", status, match[1])
        text = self._read_error_page(response)
        if _is_blocked(response, text):
            raise BlockedSite("the site is excluded from the Wayback Machine")
        if status == 404:
            raise CaptureUnavailable(CaptureOutcome.NO_CAPTURE, "the archive has no playable capture")
        raise CaptureUnavailable(CaptureOutcome.PLAYBACK_ERROR, f"unexpected answer {status} without a memento")

    def _capture_path(self, target: str) -> tuple[str, str] | None:
        """(timestamp, original URL) of a capture URL on our archive host; None for anything else."""
        parts = urlsplit(target)
        if parts.netloc.lower() != self._host:
            return None
        match = _WAYBACK_PATH.match(target[target.index(parts.netloc) + len(parts.netloc) :])
        return (match.group(1), match.group(2)) if match else None

    def _capture_url(self, timestamp: str, original: str) -> str:
        return f"{self._base}/web/{timestamp}id_/{original}"

    def _read(self, response: requests.Response, limit: int) -> bytes:
        return read_body(response, limit)

    def _read_error_page(self, response: requests.Response) -> str:
        try:
            return self._read(response, _ERROR_PAGE_BYTES).decode("utf-8", "replace")
        except BodyTooLarge:
            return ""


def _check_listing(capture: Capture) -> None:
    """Outcomes the CDX row alone decides, without a request."""
    if capture.status is not None and capture.status >= 400:
        raise CaptureUnavailable(CaptureOutcome.LOW_QUALITY, f"captured with status {capture.status}")
    mimetype = capture.mimetype.lower()
    if not capture.is_redirect and mimetype not in _LISTED_UNKNOWN and not mimetype.startswith(_HTML_TYPES):
        raise CaptureUnavailable(CaptureOutcome.NOT_HTML, f"listed as {capture.mimetype}")


def _with_redirect_note(snapshot: Snapshot, archived: _Hop | None) -> Snapshot:
    if archived is None:
        return snapshot
    return replace(snapshot, note=f"followed archived {archived.status} redirect to {archived.target}")


def _is_blocked(response: requests.Response, body: str) -> bool:
    error = response.headers.get("X-Archive-Wayback-Runtime-Error", "")
    return any(m in error or m in body for m in _BLOCK_MARKERS) or "has been excluded from the Wayback Machine" in body


def _memento_timestamp(header: str) -> str | None:
    try:
        return datetime_to_timestamp(email.utils.parsedate_to_datetime(header))
    except (TypeError, ValueError):
        return None


def _timestamp_of(url: str) -> str | None:
    match = _WAYBACK_PATH.match(urlsplit(url).path)
    return match.group(1) if match else None


def _target_of(url: str) -> str:
    """The original URL inside a capture URL."""
    parts = urlsplit(url)
    match = _WAYBACK_PATH.match(url[url.index(parts.netloc) + len(parts.netloc) :] if parts.netloc else url)
    return match.group(2) if match else url


def _link_original(response: requests.Response) -> str | None:
    """``Link rel="original"``: the URL actually captured (docs/wayback.md#raw-mode)."""
    return response.links.get("original", {}).get("url") or None
