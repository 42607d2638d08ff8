"""The only module that talks to the Wayback Machine.

HTTP goes through EDGI's ``wayback.WaybackSession`` (retries with backoff on 5xx and connection errors, one
rate limiter per endpoint family, our User-Agent). Its ``WaybackClient`` is not used: it hard-codes the
web.archive.org host (we must also talk to our loopback fake and to mirrors), aborts a search on one malformed
CDX line, and has no JSON output. See ../shared/docs/wayback-api.md for every behaviour handled here.
"""

from __future__ import annotations

import email.utils
import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import requests
from wayback import RateLimit, WaybackSession
from wayback.exceptions import RateLimitError, WaybackException, WaybackRetryError

from monitor.cdx import parse_cdx
from monitor.errors import ArchiveError, CaptureUnavailable, RateLimited
from monitor.models import Capture, CaptureOutcome, Snapshot, datetime_to_timestamp, timestamp_to_datetime

logger = logging.getLogger(__name__)

DEFAULT_ARCHIVE_URL = "https://web.archive.org"
MAX_CDX_PAGES = 200
MAX_REDIRECT_HOPS = 5
_WAYBACK_PATH = re.compile(r"^/web/(\d{14})(?:[a-z]{2}_)?/(.+)$")
_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


@dataclass(frozen=True)
class ArchiveSettings:
    base_url: str = DEFAULT_ARCHIVE_URL
    user_agent: str = "policy-monitor/0.1 (+mailto:policy-monitor@example.org)"
    cdx_per_minute: float = 24.0  # 80 % of the archive's 30/min (wayback-api.md §6)
    captures_per_second: float = 1.0
    timeout: float = 60.0
    retries: int = 3
    backoff: float = 2.0
    rate_limit_pause: float = 60.0  # after a live 429 without Retry-After (wayback-api.md §8.2)
    max_capture_bytes: int = 25 * 1024 * 1024
    redirect_window: timedelta = timedelta(hours=24)
    cdx_page_size: int = 1000  # rows per CDX request; more pages follow by resume key


class WaybackArchive:
    """Lists a URL's captures and fetches them in ``id_`` mode; safe to share between threads."""

    def __init__(self, settings: ArchiveSettings, *, session: WaybackSession | None = None) -> None:
        self.settings = settings
        self._base = settings.base_url.rstrip("/")
        self._host = urlsplit(self._base).netloc
        self._session = session or WaybackSession(
            retries=settings.retries,
            backoff=settings.backoff,
            timeout=settings.timeout,
            user_agent=settings.user_agent,
            search_calls_per_second=RateLimit(settings.cdx_per_minute / 60.0),
            memento_calls_per_second=RateLimit(settings.captures_per_second),
        )
        self._pause_lock = threading.Lock()
        self._paused_until = 0.0

    def close(self) -> None:
        self._session.close()

    def list_captures(self, url: str, *, since: str | None = None) -> list[Capture]:
        """Distinct-content HTML captures of ``url`` with status 200, oldest first, from ``since`` (inclusive)."""
        query: dict[str, str | list[str]] = {
            "url": url,
            "output": "json",
            "collapse": "digest",
            "filter": ["statuscode:200", "mimetype:text/html"],
            "limit": str(self.settings.cdx_page_size),
            "showResumeKey": "true",
        }
        if since:
            query["from"] = since
        captures: list[Capture] = []
        for _ in range(MAX_CDX_PAGES):
            with self._request(f"{self._base}/cdx/search/cdx", params=query) as response:
                self._raise_for_cdx_error(response, url)
                page = parse_cdx(response.content)
            captures.extend(c for c in page.captures if not captures or c != captures[-1])
            if not page.resume_key or not page.captures:
                break
            query = {**query, "resumeKey": page.resume_key}
        return captures

    def fetch_snapshot(self, capture: Capture) -> Snapshot:
        """The capture's bytes; raises ``CaptureUnavailable`` when it can never be had, ``ArchiveError`` otherwise."""
        url = f"{self._base}/web/{capture.timestamp}id_/{capture.original_url}"
        for _ in range(MAX_REDIRECT_HOPS + 1):
            with self._request(url, stream=True) as response:
                if response.headers.get("Memento-Datetime"):
                    return self._read_memento(capture, response)
                url = self._follow_archive_redirect(capture, url, response)
        raise CaptureUnavailable(CaptureOutcome.PLAYBACK_ERROR, f"more than {MAX_REDIRECT_HOPS} redirects")

    def _read_memento(self, capture: Capture, response: requests.Response) -> Snapshot:
        served = _memento_timestamp(response.headers["Memento-Datetime"]) or capture.timestamp
        status = response.status_code
        if 300 <= status < 400:
            target = _archived_target(response.headers.get("Location", ""))
            raise CaptureUnavailable(CaptureOutcome.REDIRECT, f"archived {status} redirect to {target}")
        if status != 200:
            raise CaptureUnavailable(CaptureOutcome.LOW_QUALITY, f"the archived page answered {status}")
        content_type = response.headers.get("Content-Type")
        if content_type and not content_type.lower().startswith(_HTML_TYPES):
            raise CaptureUnavailable(CaptureOutcome.NOT_HTML, f"served as {content_type}")
        content = self._read_limited(response)
        return Snapshot(capture=capture, content=content, content_type=content_type, timestamp=served)

    def _follow_archive_redirect(self, capture: Capture, url: str, response: requests.Response) -> str:
        """The next URL for the archive's own redirect to the nearest capture, within our window only."""
        status = response.status_code
        if status in (301, 302, 303, 307, 308) and response.headers.get("Location"):
            target = urljoin(url, response.headers["Location"])
            if urlsplit(target).netloc != self._host:
                raise CaptureUnavailable(CaptureOutcome.PLAYBACK_ERROR, f"redirect off the archive to {target}")
            match = _WAYBACK_PATH.match(urlsplit(target).path)
            if not match:
                raise CaptureUnavailable(CaptureOutcome.PLAYBACK_ERROR, f"redirect to a non-capture URL {target}")
            distance = abs(timestamp_to_datetime(match.group(1)) - capture.captured_at)
            if distance > self.settings.redirect_window:
                raise CaptureUnavailable(
                    CaptureOutcome.NO_CAPTURE, f"nearest playable capture is {match.group(1)}, {distance} away"
                )
            return target
        body = response.text[:5000] if status < 500 else ""
        if _is_blocked(response, body):
            raise CaptureUnavailable(CaptureOutcome.BLOCKED, "the site is excluded from the Wayback Machine")
        if status == 404:
            raise CaptureUnavailable(CaptureOutcome.NO_CAPTURE, "the archive has no playable capture")
        if status >= 500:
            raise ArchiveError(f"archive answered {status} for {capture.timestamp}", transient=True)
        raise CaptureUnavailable(CaptureOutcome.PLAYBACK_ERROR, f"unexpected answer {status} without a memento")

    def _read_limited(self, response: requests.Response) -> bytes:
        limit = self.settings.max_capture_bytes
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=64 * 1024):
            size += len(chunk)
            if size > limit:
                raise CaptureUnavailable(CaptureOutcome.TOO_LARGE, f"more than {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _raise_for_cdx_error(self, response: requests.Response, url: str) -> None:
        if response.status_code == 200:
            return
        if _is_blocked(response, response.text[:2000]):
            raise CaptureUnavailable(CaptureOutcome.BLOCKED, f"{url} is excluded from the Wayback Machine")
        raise ArchiveError(f"CDX answered {response.status_code} for {url}", transient=response.status_code >= 500)

    @contextmanager
    def _request(self, url: str, **kwargs: object) -> Iterator[requests.Response]:
        """One GET, unless a live 429 paused us; every transport failure becomes an ``ArchiveError``."""
        self._check_pause()
        try:
            response = self._session.request("GET", url, allow_redirects=False, **kwargs)
        except RateLimitError as error:
            raise self._pause(error.response) from error
        except (WaybackRetryError, WaybackException, requests.RequestException) as error:
            raise ArchiveError(f"archive unreachable: {error}", transient=True) from error
        try:
            yield response
        except (requests.RequestException, OSError) as error:
            raise ArchiveError(f"archive answer broke off: {error}", transient=True) from error
        finally:
            response.close()

    def _check_pause(self) -> None:
        with self._pause_lock:
            remaining = self._paused_until - time.monotonic()
        if remaining > 0:
            raise RateLimited(f"paused after a 429 for another {remaining:.0f} s", retry_after=remaining)

    def _pause(self, response: requests.Response | None) -> RateLimited:
        header = response.headers.get("Retry-After") if response is not None else None
        pause = _parse_retry_after(header) or self.settings.rate_limit_pause
        with self._pause_lock:
            self._paused_until = max(self._paused_until, time.monotonic() + pause)
        logger.warning("the archive answered 429: every request to it pauses for %.0f s", pause)
        return RateLimited(f"rate limited by the archive; pausing {pause:.0f} s", retry_after=pause)


def _is_blocked(response: requests.Response, body: str) -> bool:
    error = response.headers.get("X-Archive-Wayback-Runtime-Error", "")
    markers = ("AdministrativeAccessControlException", "RobotAccessControlException")
    return any(m in error or m in body for m in markers) or "has been excluded from the Wayback Machine" in body


def _memento_timestamp(header: str) -> str | None:
    try:
        return datetime_to_timestamp(email.utils.parsedate_to_datetime(header))
    except (TypeError, ValueError):
        return None


def _archived_target(location: str) -> str:
    match = _WAYBACK_PATH.match(urlsplit(location).path)
    return match.group(2) if match else location


def _parse_retry_after(header: str | None) -> float | None:
    """Seconds to wait from a Retry-After header in either of its two forms."""
    if not header:
        return None
    if header.strip().isdigit():
        return float(header.strip())
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
