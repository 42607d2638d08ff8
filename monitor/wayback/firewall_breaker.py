"""The firewall breaker: a run of refused connections means the archive's firewall blocks us.

Once open, no request goes to the host for a cool-down that doubles on each block within ``BLOCK_MEMORY`` of the
previous one; the first request after it is a probe, and one refusal of it reopens the breaker
(docs/wayback.md#firewall-block). The state is not locked here: ``HostGate`` calls it under its own lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# A block this long after the previous one ended starts again from the base cool-down.
BLOCK_MEMORY = timedelta(days=1)


@dataclass(frozen=True)
class BlockMemory:
    """The latest firewall block: when it ends (or ended), and how many blocks came right before it (each one
    doubles the next cool-down). Kept across restarts by the caller."""

    until: datetime
    repeats: int


@dataclass(frozen=True)
class BlockOpened:
    """A block just begun: its end (UTC), its cool-down (s), the refusals that opened it, its number in a row."""

    until: datetime
    cooldown: float
    refusals: int
    number: int


class FirewallBreaker:
    """When the current block ends (monotonic and UTC), the run of refusals, and the blocks in a row."""

    def __init__(self) -> None:
        self.until = 0.0  # time.monotonic()
        self.until_wall: datetime | None = None
        self._blocks = 0
        self._last_end: datetime | None = None
        self._refusals = 0
        self._probing = False  # the first request after a block: one refusal reopens the breaker

    def left(self, now: float) -> float:
        """Seconds of cool-down left at ``now`` (zero or negative when not blocked)."""
        return self.until - now

    def answered(self) -> None:
        """An HTTP answer arrived: the host is reachable, so no run of refusals is under way."""
        self._refusals = 0
        self._probing = False

    def refused(self, block_after_refusals: int) -> bool:
        """Count a refused connection; whether the breaker must open now."""
        self._refusals += 1
        return self._probing or self._refusals >= block_after_refusals

    def open(self, now: float, wall: datetime, cooldown: float, cooldown_max: float) -> BlockOpened:
        """Open the breaker: no request until the cool-down, doubled for each recent block, has passed."""
        recent = self._last_end is not None and wall - self._last_end < BLOCK_MEMORY
        self._blocks = self._blocks + 1 if recent else 0
        seconds = min(cooldown * 2**self._blocks, cooldown_max)
        refusals, number = self._refusals, self._blocks + 1
        return BlockOpened(self._block(now, wall, seconds), seconds, refusals, number)

    def restore(self, memory: BlockMemory, now: float, wall: datetime) -> bool:
        """Resume a block recorded earlier; whether a cool-down that has not ended was put back in force."""
        if self._last_end is not None and self._last_end >= memory.until:
            return False
        seconds = (memory.until - wall).total_seconds()
        if seconds > 0:
            self._block(now, wall, seconds)
        self._last_end, self._blocks = memory.until, memory.repeats
        return seconds > 0

    def blocked_until(self, now: float) -> datetime | None:
        """When the current cool-down ends (UTC), or None when not blocked."""
        if self.until_wall is None or now >= self.until:
            return None
        return self.until_wall

    def last_block(self, wall: datetime) -> BlockMemory | None:
        """The latest block, while it still counts for the growth of the next one; None if there is none."""
        if self._last_end is None or wall - self._last_end >= BLOCK_MEMORY:
            return None
        return BlockMemory(self._last_end, self._blocks)

    def _block(self, now: float, wall: datetime, seconds: float) -> datetime:
        until = wall + timedelta(seconds=seconds)
        self.until, self.until_wall, self._last_end = now + seconds, until, until
        self._refusals = 0
        self._probing = True
        return until
