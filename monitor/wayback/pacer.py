"""The pacer: one endpoint family's requests released at least ``1/rate`` apart.

The archive counts CDX searches and capture playbacks in separate pools (docs/wayback.md#endpoints), so each family
has its own pacer; the rates come from ``ArchiveSettings`` (docs/wayback.md#rate-limits).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from enum import StrEnum

# Thread scheduling and the network can deliver two requests a few milliseconds closer together than they were
# released; spacing them 2 % wider keeps a server that counts arrivals in a window at exactly our rate from ever
# seeing one too many.
_SPACING_MARGIN = 1.02


class Family(StrEnum):
    """The archive's rate-limit pools (docs/wayback.md#endpoints): CDX search (with timemaps) and capture playback."""

    CDX = "cdx"
    PLAYBACK = "playback"


class Pacer:
    """Releases one family's requests at least ``1/rate`` apart, measured from the actual previous release.

    The wait happens under the lock, as in EDGI's ``RateLimit``: a thread that wakes late pushes the next one
    back instead of letting two requests leave close together.
    """

    def __init__(self, per_second: float) -> None:
        self.per_second = per_second
        self._last = -1e9
        self._lock = threading.Lock()

    def wait(self, slowdown: float, check: Callable[[], None], *, sleep: Callable[[float], None] = time.sleep) -> float:
        """Block until the next release, run ``check`` (which may raise instead), return the release time.

        ``sleep`` does the waiting; it may raise instead (a stopping client's), and then nothing is released."""
        with self._lock:
            delay = self._last + _SPACING_MARGIN * slowdown / self.per_second - time.monotonic()
            if delay > 0:
                sleep(delay)
            check()  # a pause or block may have begun while we waited
            self._last = time.monotonic()
            return self._last
