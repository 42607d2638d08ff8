"""Process-wide pacing, 429 pauses and the firewall circuit breaker for one archive host.

The archive limits per client IP, not per connection or thread (wayback-api.md §6, §8.1), so every
``WaybackArchive`` of a host in this process shares one ``HostGate``: one pacer per endpoint family, one pause
after a live 429 (§8.2) and one circuit breaker for a firewall block (§8.3). Every attempt, retries and redirect
hops included, passes through ``HostGate.acquire`` and is logged, so tests can check the gate against the fake
archive's own request log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from monitor.errors import ArchiveBlocked, RateLimited

logger = logging.getLogger(__name__)

# Thread scheduling and the network can deliver two requests a few milliseconds closer together than they were
# released; spacing them 2 % wider keeps a server that counts arrivals in a window at exactly our rate from ever
# seeing one too many.
_SPACING_MARGIN = 1.02
# A new 429 this many base pauses after the previous pause ended is a repeat: the archive averages over
# minutes (wayback-api.md §6), so it still remembers our earlier excess.
_REPEAT_WINDOW = 10.0
# After each 429 the pace slows by this factor more (up to the cap), and speeds up by it again after each
# quiet repeat window: a client whose configured rate is above what the archive grants it (a shared IP, a lower
# custom limit, §6) settles under the real limit instead of meeting 429 after 429 (wayback-api.md §8.2).
_SLOWDOWN_STEP = 2.0
_SLOWDOWN_MAX = 64.0
# A block this long after the previous one ended starts again from the base cool-down.
BLOCK_MEMORY = timedelta(days=1)
_SENT_LOG = 100_000


class Family(StrEnum):
    """The archive's rate-limit pools (wayback-api.md §1): CDX search (with timemaps) and capture playback."""

    CDX = "cdx"
    PLAYBACK = "playback"


@dataclass(frozen=True)
class GateSettings:
    cdx_per_second: float
    playback_per_second: float
    pause: float  # seconds after a live 429 without Retry-After
    pause_max: float  # ceiling for a pause grown by repeats (a longer Retry-After is still honoured)
    block_after_refusals: int  # consecutive refused connections that mean a firewall block
    block_cooldown: float  # seconds without any request after a block, doubling on repeats
    block_cooldown_max: float


@dataclass(frozen=True)
class BlockMemory:
    """The latest firewall block: when it ends (or ended), and how many blocks came right before it (each one
    doubles the next cool-down). Kept across restarts by the caller."""

    until: datetime
    repeats: int


@dataclass(frozen=True)
class Backoff:
    """A period in which no request may be sent: ``kind`` is "pause" (429) or "block" (firewall)."""

    kind: str
    start: float  # time.monotonic()
    end: float
    reason: str


@dataclass(frozen=True)
class Sent:
    """One attempt let through the gate."""

    at: float  # time.monotonic(), just before the request was handed to the transport
    family: Family


class _Pacer:
    """Releases one family's requests at least ``1/rate`` apart, measured from the actual previous release.

    The wait happens under the lock, as in EDGI's ``RateLimit``: a thread that wakes late pushes the next one
    back instead of letting two requests leave close together.
    """

    def __init__(self, per_second: float) -> None:
        self.per_second = per_second
        self._last = -1e9
        self._lock = threading.Lock()

    def wait(self, slowdown: float, check: Callable[[], None]) -> float:
        """Block until the next release, run ``check`` (which may raise instead), return the release time."""
        with self._lock:
            delay = self._last + _SPACING_MARGIN * slowdown / self.per_second - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            check()  # a pause or block may have begun while we waited
            self._last = time.monotonic()
            return self._last


class HostGate:
    """Everything that decides whether and when a request to one archive host may be sent."""

    def __init__(self, host: str, settings: GateSettings) -> None:
        self.host = host
        self.settings = settings
        self._pacers = {
            Family.CDX: _Pacer(settings.cdx_per_second),
            Family.PLAYBACK: _Pacer(settings.playback_per_second),
        }
        self._lock = threading.Lock()
        self._pause_until = 0.0
        self._last_pause_end: float | None = None
        self._pauses = 0  # consecutive repeats, for the growth of the next pause
        self._slowdown = 1.0  # divides both families' rates after 429s
        self._slowdown_checked = 0.0  # when the slowdown was last raised or relaxed
        self._block_until = 0.0  # monotonic
        self._block_until_wall: datetime | None = None
        self._blocks = 0
        self._last_block_end: datetime | None = None
        self._refusals = 0
        self._probing = False  # the first request after a block: one refusal reopens the breaker
        self._backoffs: list[Backoff] = []
        self._sent: deque[Sent] = deque(maxlen=_SENT_LOG)

    # -- sending -----------------------------------------------------------------------------------

    def acquire(self, family: Family) -> None:
        """Wait for this family's next slot; raise ``RateLimited`` or ``ArchiveBlocked`` instead while backing off."""
        self.check()
        released = self._pacers[family].wait(self._current_slowdown(), self.check)
        with self._lock:
            self._sent.append(Sent(released, family))

    def check(self) -> None:
        now = time.monotonic()
        with self._lock:
            block_left, pause_left, until = self._block_until - now, self._pause_until - now, self._block_until_wall
        if block_left > 0 and until is not None:
            raise ArchiveBlocked(until, retry_after=block_left)
        if pause_left > 0:
            raise RateLimited(f"paused after a 429 for another {pause_left:.1f} s", retry_after=pause_left)

    def unavailable_for(self) -> float:
        """Seconds until a request may be sent again (0 when it may be sent now)."""
        now = time.monotonic()
        with self._lock:
            return max(0.0, self._block_until - now, self._pause_until - now)

    def _current_slowdown(self) -> float:
        """The slowdown after relaxing it one step per quiet repeat window since it last changed."""
        now = time.monotonic()
        with self._lock:
            window = _REPEAT_WINDOW * self.settings.pause
            while self._slowdown > 1.0 and now - self._slowdown_checked > window and now > self._pause_until:
                self._slowdown = max(1.0, self._slowdown / _SLOWDOWN_STEP)
                self._slowdown_checked += window
            return self._slowdown

    # -- what came back ----------------------------------------------------------------------------

    def answered(self) -> None:
        """An HTTP answer arrived (any status): the host is reachable, so no run of refusals is under way."""
        with self._lock:
            self._refusals = 0
            self._probing = False

    def rate_limited(self, retry_after: float | None) -> RateLimited:
        """A live 429: pause every request to the host, longer on each repeat, then resume slower."""
        now = time.monotonic()
        with self._lock:
            if now < self._pause_until:  # an answer to a request already in flight: the pause stands
                left = self._pause_until - now
                return RateLimited(f"rate limited by the archive; paused for another {left:.1f} s", retry_after=left)
            repeat_window = _REPEAT_WINDOW * self.settings.pause
            repeat = self._last_pause_end is not None and now - self._last_pause_end < repeat_window
            self._pauses = self._pauses + 1 if repeat else 0
            pause, repeats = self._pause_length(retry_after), self._pauses
            self._pause_until = self._last_pause_end = now + pause
            self._slowdown = min(self._slowdown * _SLOWDOWN_STEP, _SLOWDOWN_MAX)
            self._slowdown_checked, slowdown = self._pause_until, self._slowdown
            self._backoffs.append(Backoff("pause", now, self._pause_until, "429"))
        logger.warning(
            "the archive %s answered 429 (repeat %d): every request to it pauses for %.1f s, then runs at 1/%g rate",
            self.host,
            repeats,
            pause,
            slowdown,
        )
        return RateLimited(f"rate limited by the archive; pausing {pause:.1f} s", retry_after=pause)

    def _pause_length(self, retry_after: float | None) -> float:
        grown = (retry_after if retry_after is not None else self.settings.pause) * 2**self._pauses
        return min(grown, max(self.settings.pause_max, retry_after or 0.0))

    def refused(self, error: str) -> ArchiveBlocked | None:
        """A connection refused (or timed out connecting): after a run of them, open the breaker."""
        with self._lock:
            self._refusals += 1
            if not (self._probing or self._refusals >= self.settings.block_after_refusals):
                return None
        return self._open_breaker(error)

    def _open_breaker(self, error: str) -> ArchiveBlocked:
        now, wall = time.monotonic(), datetime.now(UTC)
        with self._lock:
            recent = self._last_block_end is not None and wall - self._last_block_end < BLOCK_MEMORY
            self._blocks = self._blocks + 1 if recent else 0
            cooldown = min(self.settings.block_cooldown * 2**self._blocks, self.settings.block_cooldown_max)
            refusals, number = self._refusals, self._blocks + 1
            until = self._set_block(now, wall, cooldown, f"{refusals} refused connection(s): {error}")
        logger.error(
            "FIREWALL BLOCK SUSPECTED: the archive %s refused %d connection(s) in a row (%s). No request will be sent "
            "to it until %s (%.0f s cool-down, block #%d).",
            self.host,
            refusals,
            error,
            until.isoformat(timespec="seconds"),
            cooldown,
            number,
        )
        return ArchiveBlocked(until, retry_after=cooldown)

    def _set_block(self, now: float, wall: datetime, seconds: float, reason: str) -> datetime:
        """Under the lock; returns the end of the block."""
        until = wall + timedelta(seconds=seconds)
        self._block_until, self._block_until_wall, self._last_block_end = now + seconds, until, until
        self._refusals = 0
        self._probing = True
        self._backoffs.append(Backoff("block", now, self._block_until, reason))
        return until

    # -- state for jobs and tests ------------------------------------------------------------------

    def blocked_until(self) -> datetime | None:
        """When the current firewall cool-down ends (UTC), or None when not blocked."""
        with self._lock:
            if self._block_until_wall is None or time.monotonic() >= self._block_until:
                return None
            return self._block_until_wall

    def last_block(self) -> BlockMemory | None:
        """The latest block, while it still counts for the growth of the next one; None if there is none."""
        with self._lock:
            end = self._last_block_end
            if end is None or datetime.now(UTC) - end >= BLOCK_MEMORY:
                return None
            return BlockMemory(end, self._blocks)

    def restore_block(self, memory: BlockMemory) -> None:
        """Resume what an earlier process recorded (the database keeps it across restarts): a cool-down that has
        not ended holds every request back until it does; an ended one still doubles the next."""
        wall = datetime.now(UTC)
        seconds = (memory.until - wall).total_seconds()
        with self._lock:
            if self._last_block_end is not None and self._last_block_end >= memory.until:
                return
            if seconds > 0:
                self._set_block(time.monotonic(), wall, seconds, "restored")
            self._last_block_end, self._blocks = memory.until, memory.repeats
        if seconds > 0:
            logger.error("the archive %s is in a firewall cool-down until %s", self.host, memory.until.isoformat())

    @property
    def backoffs(self) -> list[Backoff]:
        with self._lock:
            return list(self._backoffs)

    @property
    def sent(self) -> list[Sent]:
        with self._lock:
            return list(self._sent)

    def configure(self, settings: GateSettings) -> None:
        """Another client for the same host: keep the stricter of each limit, so no client can raise them."""
        with self._lock:
            old = self.settings
            self.settings = GateSettings(
                cdx_per_second=min(old.cdx_per_second, settings.cdx_per_second),
                playback_per_second=min(old.playback_per_second, settings.playback_per_second),
                pause=max(old.pause, settings.pause),
                pause_max=max(old.pause_max, settings.pause_max),
                block_after_refusals=min(old.block_after_refusals, settings.block_after_refusals),
                block_cooldown=max(old.block_cooldown, settings.block_cooldown),
                block_cooldown_max=max(old.block_cooldown_max, settings.block_cooldown_max),
            )
            self._pacers[Family.CDX].per_second = self.settings.cdx_per_second
            self._pacers[Family.PLAYBACK].per_second = self.settings.playback_per_second
        if self.settings != settings:
            logger.info(
                "the archive %s is shared by several clients: using the stricter limits %s", self.host, self.settings
            )


class _Registry:
    """One gate per host for the whole process; a gate lives while any client of its host is open."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._gates: dict[str, tuple[HostGate, int]] = {}

    def attach(self, host: str, settings: GateSettings) -> HostGate:
        with self._lock:
            gate, users = self._gates.get(host, (None, 0))
            if gate is None:
                gate = HostGate(host, settings)
            else:
                gate.configure(settings)
            self._gates[host] = (gate, users + 1)
            return gate

    def detach(self, gate: HostGate) -> None:
        with self._lock:
            current, users = self._gates.get(gate.host, (None, 0))
            if current is not gate:
                return
            if users <= 1:
                del self._gates[gate.host]
            else:
                self._gates[gate.host] = (gate, users - 1)


_REGISTRY = _Registry()


def attach_gate(host: str, settings: GateSettings) -> HostGate:
    """The process-wide gate of ``host`` (``netloc``, lower-cased), created on first use."""
    return _REGISTRY.attach(host.lower(), settings)


def detach_gate(gate: HostGate) -> None:
    _REGISTRY.detach(gate)
