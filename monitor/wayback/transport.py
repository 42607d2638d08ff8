"""One GET to the archive, made the only way any request may be made (docs/wayback.md#errors).

EDGI's ``WaybackSession`` carries the bytes: our User-Agent, gzip, keep-alive pooling, the timeout, and telling a
live 429 from an archived one (only a memento has ``Memento-Datetime``, docs/wayback.md#status-codes). Its own
retry loop and rate limiter are turned off (``retries=0``, rates 0): they would sleep and send again without asking
our process-wide ``HostGate``, would not retry a connection reset, and would swallow the refused connections that
betray a firewall block. Here every attempt, retries included, first passes ``HostGate.acquire``, and is cut off at
its total deadline (``monitor.wayback.inflight``). Every wait, in the pacer or before a retry, and every attempt
in flight ends with ``Interrupted`` once ``interrupt`` is called.
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import requests
import urllib3.exceptions
from wayback import WaybackSession
from wayback.exceptions import RateLimitError, WaybackException, WaybackRetryError

from monitor.errors import ArchiveError
from monitor.wayback.host_gate import HostGate
from monitor.wayback.inflight import Inflight, Watch, WatchedAdapter
from monitor.wayback.pacer import Family

logger = logging.getLogger(__name__)

T = TypeVar("T")
Params = Mapping[str, str | Sequence[str]]

# EDGI's retryable statuses, which IA staff advised (docs/wayback.md#errors); never 400, 403 or 404.
RETRYABLE_STATUSES = frozenset((413, 421, 500, 502, 503, 504, 599))
_CHUNK = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_BROKEN_OFF = (requests.RequestException, urllib3.exceptions.HTTPError, OSError, zlib.error)


class BodyTooLarge(Exception):
    """The body passed the byte limit; reading stopped there."""


class _BrokenBody(Exception):
    """The body's compression ended early or was corrupt: worth another attempt."""


@dataclass(frozen=True)
class TransportSettings:
    user_agent: str
    timeout: float
    retries: int  # attempts after the first, for 5xx, resets, timeouts and broken bodies
    backoff: float  # seconds before the first retry, doubling for each further one
    deadline: float  # seconds for one attempt from connecting to the body's last byte, however the bytes come


@dataclass(frozen=True)
class _Answer(Generic[T]):
    value: T


class Transport:
    """GETs with retries and backoff, each attempt paced and guarded by the host's gate, and bounded in time."""

    def __init__(self, settings: TransportSettings, gate: HostGate, *, session: WaybackSession | None = None) -> None:
        self.settings = settings
        self.gate = gate
        self._session = session or WaybackSession(
            retries=0,
            timeout=min(settings.timeout, settings.deadline),  # a connect timeout, too, ends by the deadline
            user_agent=settings.user_agent,
            search_calls_per_second=0,
            memento_calls_per_second=0,
        )
        for scheme in ("http://", "https://"):
            self._session.mount(scheme, WatchedAdapter())
        self._inflight = Inflight()

    def interrupt(self) -> None:
        """Abandon every wait and request in flight: each raises ``Interrupted``, as will every later request."""
        self._inflight.interrupt()

    def close(self) -> None:
        self._inflight.close()
        self._session.close()

    def get(
        self, family: Family, url: str, handle: Callable[[requests.Response], T], *, params: Params | None = None
    ) -> T:
        """``handle(response)`` for the first answer that is neither a retryable error nor broken off.

        ``handle`` reads the body itself, so a body that breaks off is retried like a reset. A live 429 raises
        ``RateLimited`` at once, never retried (docs/wayback.md#rate-limit-429); a run of refused connections raises
        ``ArchiveBlocked``; anything else transient, once the retries are spent, ``ArchiveError(transient=True)``.
        """
        failure = "no attempt"
        for attempt in range(self.settings.retries + 1):
            if attempt:
                self._wait_before_retry(attempt, failure)
            self._inflight.check()
            self.gate.acquire(family, sleep=self._inflight.sleep)
            with self._inflight.watch(self.settings.deadline) as watch:
                outcome = self._attempt(url, params, handle, watch)
            if isinstance(outcome, _Answer):
                return outcome.value
            failure = outcome
        raise ArchiveError(
            f"archive {family} request failed after {self.settings.retries + 1} attempts: {failure}", transient=True
        )

    def _attempt(
        self, url: str, params: Params | None, handle: Callable[[requests.Response], T], watch: Watch
    ) -> _Answer[T] | str:
        """One attempt: the handled answer, or why it failed in a way worth another attempt. An attempt cut off by
        ``interrupt`` raises ``Interrupted``, before its failure can count toward a firewall block."""
        try:
            response = self._session.request("GET", url, params=params, allow_redirects=False, stream=True)
        except RateLimitError as error:
            self.gate.answered()
            raise self.gate.rate_limited(_retry_after(error.response)) from error
        except WaybackRetryError as error:
            return watch.cut(error) or self._connection_failed(error.cause)
        except (WaybackException, requests.RequestException) as error:
            return watch.cut(error) or f"request failed: {error}"
        self.gate.answered()
        try:
            with contextlib.closing(response):
                if response.status_code in RETRYABLE_STATUSES:
                    return f"answered {response.status_code}"
                answer = _Answer(handle(response))
        except (*_BROKEN_OFF, _BrokenBody) as error:
            return watch.cut(error) or f"the answer broke off: {error!r}"
        except Exception as error:  # whatever else a read raises when we shut its socket under it
            reason = watch.cut(error)
            if reason is None:
                raise
            return reason
        # A body that ends with the connection reads as complete when it was cut short: never keep it.
        return watch.cut(None) or answer

    def _wait_before_retry(self, attempt: int, failure: str) -> None:
        self.gate.check()  # no point sleeping toward a retry that a pause or block would refuse anyway
        delay = self.settings.backoff * 2 ** (attempt - 1)
        logger.info("archive request failed (%s); retry %d in %.1f s", failure, attempt, delay)
        self._inflight.sleep(delay)

    def _connection_failed(self, cause: BaseException) -> str:
        """Describe a failed connection; a refusal counts toward a firewall block, which raises."""
        refusal = _refusal(cause)
        if refusal is not None:
            blocked = self.gate.refused(_short(refusal))
            if blocked is not None:
                raise blocked from cause
            return f"connection refused: {_short(refusal)}"
        return f"connection failed: {_short(_chain(cause)[-1])}"


def read_body(response: requests.Response, limit: int) -> bytes:
    """The body with only the transfer compression removed, read streamed; ``BodyTooLarge`` past ``limit`` bytes.

    Decoded here rather than by urllib3: Wayback sometimes sends an empty ``content-encoding:`` beside
    ``Content-Encoding: gzip``, which plain urllib3 reads as two codings and fails on (docs/wayback.md#encoding). The
    ``wayback`` package patches urllib3 to merge the pair; this works with or without that patch.
    """
    decoder = Decoder.for_codings(response.raw.headers.getlist("Content-Encoding"))
    chunks: list[bytes] = []
    size = 0
    for raw in response.raw.stream(_CHUNK, decode_content=False):
        piece = decoder.feed(raw, limit - size + 1)
        size += len(piece)
        if size > limit:
            raise BodyTooLarge(f"more than {limit} bytes")
        chunks.append(piece)
    decoder.finish()
    return b"".join(chunks)


def ungzip_payload(body: bytes, limit: int) -> bytes:
    """The archived payload itself gzipped by the origin (docs/wayback.md#encoding), decompressed; else ``body``."""
    if not body.startswith(_GZIP_MAGIC):
        return body
    decoder = Decoder(zlib.decompressobj(16 + zlib.MAX_WBITS))
    try:
        content = decoder.feed(body, limit + 1)
        decoder.finish()
    except (zlib.error, _BrokenBody):
        return body  # not gzip after all: keep the bytes as served
    if len(content) > limit:
        raise BodyTooLarge(f"more than {limit} bytes once decompressed")
    return content


class Decoder:
    """Streaming removal of one gzip/deflate layer, never producing more than asked for."""

    def __init__(self, stage: zlib._Decompress | None) -> None:
        self._stage = stage

    @classmethod
    def for_codings(cls, values: Sequence[str]) -> Decoder:
        codings = [c.strip().lower() for value in values for c in value.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if not codings:
            return cls(None)
        if len(codings) > 1 or codings[0] not in ("gzip", "x-gzip", "deflate"):
            raise ArchiveError(f"unsupported Content-Encoding {', '.join(codings)}")
        return cls(zlib.decompressobj(32 + zlib.MAX_WBITS))  # 32: accept a gzip or a zlib header

    def feed(self, data: bytes, room: int) -> bytes:
        if self._stage is None:
            return data
        return self._stage.decompress(data, max(room, 1))

    def finish(self) -> None:
        if self._stage is not None and not self._stage.eof:
            raise _BrokenBody("the compressed stream ended early")


def _refusal(error: BaseException) -> BaseException | None:
    """The refused connection or connect timeout inside ``error``: what a firewall block looks like
    (docs/wayback.md#firewall-block)."""
    return next((e for e in _chain(error) if _refuses(e)), None)


def _refuses(error: BaseException) -> bool:
    if isinstance(error, ConnectionRefusedError | requests.ConnectTimeout):
        return True
    # urllib3's NewConnectionError (a DNS failure too) subclasses ConnectTimeoutError; only a real timeout counts.
    timeouts = urllib3.exceptions.ConnectTimeoutError
    return isinstance(error, timeouts) and not isinstance(error, urllib3.exceptions.NewConnectionError)


def _chain(error: BaseException) -> list[BaseException]:
    """``error`` and every exception it wraps (causes, contexts, ``reason``s and exception arguments)."""
    found: list[BaseException] = []
    todo: list[object] = [error]
    while todo:
        current = todo.pop(0)
        if not isinstance(current, BaseException) or any(current is seen for seen in found):
            continue
        found.append(current)
        todo += [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
    return found


def _retry_after(response: requests.Response | None) -> float | None:
    """Seconds to wait from a Retry-After header in either of its two forms (docs/wayback.md#rate-limit-429)."""
    header = response.headers.get("Retry-After") if response is not None else None
    if not header:
        return None
    if header.strip().isdigit():
        return float(header.strip())
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _short(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:200]
