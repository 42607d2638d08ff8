"""The 429 pause: after a live 429 no request goes to the host for a while, and the pace slows after it.

Each repeat 429 doubles the pause (up to a ceiling; a longer Retry-After is still honoured) and halves the pace
(up to a cap); the pace recovers one step per quiet repeat window (docs/wayback.md#rate-limit-429). The state is
not locked here: ``HostGate`` calls it under its own lock.
"""

from __future__ import annotations

from dataclasses import dataclass

# A new 429 this many base pauses after the previous pause ended is a repeat: the archive averages over
# minutes (docs/wayback.md#rate-limits), so it still remembers our earlier excess.
_REPEAT_WINDOW = 10.0
# After each 429 the pace slows by this factor more (up to the cap), and speeds up by it again after each
# quiet repeat window: a client whose configured rate is above what the archive grants it (a shared IP, a lower
# custom limit, docs/wayback.md#rate-limits) settles under the real limit instead of meeting 429 after 429
# (docs/wayback.md#rate-limit-429).
_SLOWDOWN_STEP = 2.0
_SLOWDOWN_MAX = 64.0


@dataclass(frozen=True)
class PauseStarted:
    """A pause that a 429 has just begun: its length (s), the repeats before it, the pace's new divisor."""

    length: float
    repeats: int
    slowdown: float


class RateLimitPause:
    """When the current pause ends (``time.monotonic()``), how many repeats led to it, and the slowdown."""

    def __init__(self) -> None:
        self.until = 0.0
        self._last_end: float | None = None
        self._repeats = 0  # consecutive repeats, for the growth of the next pause
        self._slowdown = 1.0  # divides both families' rates after 429s
        self._slowdown_checked = 0.0  # when the slowdown was last raised or relaxed

    def left(self, now: float) -> float:
        """Seconds of pause left at ``now`` (zero or negative when there is none)."""
        return self.until - now

    def slowdown(self, now: float, base_pause: float) -> float:
        """The slowdown after relaxing it one step per quiet repeat window since it last changed."""
        window = _REPEAT_WINDOW * base_pause
        while self._slowdown > 1.0 and now - self._slowdown_checked > window and now > self.until:
            self._slowdown = max(1.0, self._slowdown / _SLOWDOWN_STEP)
            self._slowdown_checked += window
        return self._slowdown

    def start(self, now: float, retry_after: float | None, base_pause: float, pause_max: float) -> PauseStarted:
        """Begin a pause for a 429 received at ``now``, longer if it repeats a recent one."""
        repeat_window = _REPEAT_WINDOW * base_pause
        repeat = self._last_end is not None and now - self._last_end < repeat_window
        self._repeats = self._repeats + 1 if repeat else 0
        length = self._length(retry_after, base_pause, pause_max)
        self.until = self._last_end = now + length
        self._slowdown = min(self._slowdown * _SLOWDOWN_STEP, _SLOWDOWN_MAX)
        self._slowdown_checked = self.until
        return PauseStarted(length, self._repeats, self._slowdown)

    def _length(self, retry_after: float | None, base_pause: float, pause_max: float) -> float:
        grown = (retry_after if retry_after is not None else base_pause) * 2**self._repeats
        return min(grown, max(pause_max, retry_after or 0.0))
