"""The gate of one archive host: the pacer, the 429 pause and the firewall breaker, composed, one per process.

The archive limits per client IP, not per connection or thread (docs/wayback.md#rate-limits), so every
``WaybackArchive`` of a host in this process shares one ``HostGate`` (from ``attach_gate``): one ``Pacer`` per
endpoint family, one ``RateLimitPause`` after a live 429 (docs/wayback.md#rate-limit-429) and one
``FirewallBreaker`` for a firewall block (docs/wayback.md#firewall-block). Every attempt, retries and redirect hops
included, passes through ``HostGate.acquire`` and is logged, so tests can check the gate against the fake
archive's own request log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from monitor.errors import ArchiveBlocked, RateLimited
from monitor.wayback.firewall_breaker import BlockMemory, FirewallBreaker
from monitor.wayback.pacer import Family, Pacer
from monitor.wayback.rate_limit_pause import RateLimitPause

logger = logging.getLogger(__name__)

_SENT_LOG = 100_000


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


class HostGate:
    """Everything that decides whether and when a request to one archive host may be sent."""

    def __init__(self, host: str, settings: GateSettings) -> None:
        self.host = host
        self.settings = settings
        self._pacers = {
            Family.CDX: Pacer(settings.cdx_per_second),
            Family.PLAYBACK: Pacer(settings.playback_per_second),
        }
        self._lock = threading.Lock()  # guards the pause, the breaker and the logs
        self._pause = RateLimitPause()
        self._breaker = FirewallBreaker()
        self._backoffs: list[Backoff] = []
        self._sent: deque[Sent] = deque(maxlen=_SENT_LOG)

    # -- sending -----------------------------------------------------------------------------------

    def acquire(self, family: Family, *, sleep: Callable[[float], None] = time.sleep) -> None:
        """Wait for this family's next slot; raise ``RateLimited`` or ``ArchiveBlocked`` instead while backing off.

        ``sleep`` waits (the client's, which an interrupt ends with ``Interrupted``)."""
        self.check()
        released = self._pacers[family].wait(self._current_slowdown(), self.check, sleep=sleep)
        with self._lock:
            self._sent.append(Sent(released, family))

    def check(self) -> None:
        now = time.monotonic()
        with self._lock:
            block_left, pause_left = self._breaker.left(now), self._pause.left(now)
            until = self._breaker.until_wall
        if block_left > 0 and until is not None:
            raise ArchiveBlocked(until, retry_after=block_left)
        if pause_left > 0:
            raise RateLimited(f"paused after a 429 for another {pause_left:.1f} s", retry_after=pause_left)

    def unavailable_for(self) -> float:
        """Seconds until a request may be sent again (0 when it may be sent now)."""
        now = time.monotonic()
        with self._lock:
            return max(0.0, self._breaker.left(now), self._pause.left(now))

    def _current_slowdown(self) -> float:
        now = time.monotonic()
        with self._lock:
            return self._pause.slowdown(now, self.settings.pause)

    # -- what came back ----------------------------------------------------------------------------

    def answered(self) -> None:
        """An HTTP answer arrived (any status): the host is reachable, so no run of refusals is under way."""
        with self._lock:
            self._breaker.answered()

    def rate_limited(self, retry_after: float | None) -> RateLimited:
        """A live 429: pause every request to the host, longer on each repeat, then resume slower."""
        now = time.monotonic()
        with self._lock:
            left = self._pause.left(now)
            if left > 0:  # an answer to a request already in flight: the pause stands
                return RateLimited(f"rate limited by the archive; paused for another {left:.1f} s", retry_after=left)
            started = self._pause.start(now, retry_after, self.settings.pause, self.settings.pause_max)
            self._backoffs.append(Backoff("pause", now, self._pause.until, "429"))
        logger.warning(
            "the archive %s answered 429 (repeat %d): every request to it pauses for %.1f s, then runs at 1/%g rate",
            self.host,
            started.repeats,
            started.length,
            started.slowdown,
        )
        return RateLimited(f"rate limited by the archive; pausing {started.length:.1f} s", retry_after=started.length)

    def refused(self, error: str) -> ArchiveBlocked | None:
        """A connection refused (or timed out connecting): after a run of them, open the breaker."""
        with self._lock:
            if not self._breaker.refused(self.settings.block_after_refusals):
                return None
        return self._open_breaker(error)

    def _open_breaker(self, error: str) -> ArchiveBlocked:
        now, wall = time.monotonic(), datetime.now(UTC)
        with self._lock:
            block = self._breaker.open(now, wall, self.settings.block_cooldown, self.settings.block_cooldown_max)
            reason = f"{block.refusals} refused connection(s): {error}"
            self._backoffs.append(Backoff("block", now, self._breaker.until, reason))
        logger.error(
            "FIREWALL BLOCK SUSPECTED: the archive %s refused %d connection(s) in a row (%s). No request will be sent "
            "to it until %s (%.0f s cool-down, block #%d).",
            self.host,
            block.refusals,
            error,
            block.until.isoformat(timespec="seconds"),
            block.cooldown,
            block.number,
        )
        return ArchiveBlocked(block.until, retry_after=block.cooldown)

    # -- state for jobs and tests ------------------------------------------------------------------

    def blocked_until(self) -> datetime | None:
        """When the current firewall cool-down ends (UTC), or None when not blocked."""
        with self._lock:
            return self._breaker.blocked_until(time.monotonic())

    def last_block(self) -> BlockMemory | None:
        """The latest block, while it still counts for the growth of the next one; None if there is none."""
        with self._lock:
            return self._breaker.last_block(datetime.now(UTC))

    def restore_block(self, memory: BlockMemory) -> None:
        """Resume what an earlier process recorded (the database keeps it across restarts): a cool-down that has
        not ended holds every request back until it does; an ended one still doubles the next."""
        wall = datetime.now(UTC)
        with self._lock:
            now = time.monotonic()
            restored = self._breaker.restore(memory, now, wall)
            if restored:
                self._backoffs.append(Backoff("block", now, self._breaker.until, "restored"))
        if restored:
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
