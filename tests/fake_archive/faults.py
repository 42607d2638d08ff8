"""Injected faults, the per-client rate limiter and the firewall escalation (FS-22..FS-24)."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Fault:
    """What to do instead of the normal answer: ``status``, ``reset``, ``truncate``, ``slow``, ``trickle`` (the
    whole answer, one byte every ``delay`` s) or ``hang`` (read the request, never answer)."""

    kind: str
    status: int = 0
    delay: float = 0.0
    headers: Headers = ()

    @classmethod
    def parse(cls, spec: int | str, headers: Headers = ()) -> Fault:
        """``429``/``5xx`` (int or digits), ``"reset"``, ``"truncate"``, ``"hang"``, ``"slow:<seconds>"`` or
        ``"trickle:<seconds>"``."""
        if isinstance(spec, int) or spec.isdigit():
            return cls("status", status=int(spec), headers=headers)
        if spec in ("reset", "truncate", "hang"):
            return cls(spec, headers=headers)
        kind, _, delay = spec.partition(":")
        if kind in ("slow", "trickle") and delay:
            return cls(kind, delay=float(delay), headers=headers)
        raise ValueError(f"unknown fault {spec!r}")

    @property
    def label(self) -> str:
        return str(self.status) if self.kind == "status" else self.kind


@dataclass
class _Armed:
    fault: Fault
    path_prefix: str
    remaining: int


class FaultQueue:
    """Faults waiting for the next requests under a path prefix; first injected, first used."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[_Armed] = []

    def inject(self, fault: Fault, count: int, path_prefix: str) -> None:
        with self._lock:
            self._armed.append(_Armed(fault, path_prefix, count))

    def take(self, path: str) -> Fault | None:
        """The fault for a request to ``path``, if any, using up one of its count."""
        with self._lock:
            for armed in self._armed:
                if path.startswith(armed.path_prefix):
                    armed.remaining -= 1
                    if armed.remaining <= 0:
                        self._armed.remove(armed)
                    return armed.fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()


class SlidingWindowLimiter:
    """At most ``per_minute * window / 60`` accepted requests per client in any ``window`` seconds (FS-22).

    Refused requests do not count, as with nginx's limiter.
    """

    def __init__(self, per_minute: float, window: float) -> None:
        self.allowed = per_minute * window / 60.0
        self.window = window
        self._lock = threading.Lock()
        self._seen: dict[str, deque[float]] = {}

    def allow(self, client: str, now: float) -> bool:
        with self._lock:
            times = self._seen.setdefault(client, deque())
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) + 1 > self.allowed:
                return False
            times.append(now)
            return True


@dataclass(frozen=True)
class FirewallBlock:
    """A recorded block: ``client`` refused from ``start`` to ``until`` (time.monotonic)."""

    client: str
    start: float
    until: float


@dataclass
class _Streak:
    first: float
    last: float


@dataclass
class Firewall:
    """FS-23: a client that keeps receiving 429s for more than ``after`` s is refused for ``duration`` s.

    A pause of ``after`` s without a 429 ends the streak (the well-behaved client's back-off); each new
    block of the same client lasts twice as long as its previous one (docs/wayback.md#firewall-block, [EDGI#137]).
    Off until ``enabled``. While a block lasts, ``FakeArchive`` closes its listening socket, so every connection
    is refused (ECONNREFUSED) as at IA's firewall; on loopback every client is 127.0.0.1 anyway.
    """

    enabled: bool = False
    after: float = 60.0
    duration: float = 3600.0
    blocks: list[FirewallBlock] = field(default_factory=list)
    _streaks: dict[str, _Streak] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def note_rate_limited(self, client: str, now: float) -> FirewallBlock | None:
        """Hook called on every live 429 due to ``client``; returns the block it starts, if it starts one."""
        if not self.enabled:
            return None
        with self._lock:
            streak = self._streaks.get(client)
            if streak is None or now - streak.last > self.after:
                streak = self._streaks[client] = _Streak(now, now)
            streak.last = now
            if now - streak.first <= self.after:
                return None
            del self._streaks[client]
            previous = [b for b in self.blocks if b.client == client]
            return self._add(client, now, self.duration * 2 ** len(previous))

    def block(self, client: str, now: float, duration: float) -> FirewallBlock:
        """Block ``client`` from ``now`` for ``duration`` s, whatever it did; enables the firewall."""
        self.enabled = True
        with self._lock:
            return self._add(client, now, duration)

    def _add(self, client: str, now: float, duration: float) -> FirewallBlock:
        block = FirewallBlock(client, now, now + duration)
        self.blocks.append(block)
        return block

    def is_blocked(self, client: str, now: float) -> bool:
        if not self.enabled:
            return False
        with self._lock:
            return any(b.client == client and b.start <= now < b.until for b in self.blocks)
