"""The one exception hierarchy of policy-monitor.

Catch these at the edges (one poll of one policy, one CLI command, one delivery), not in the middle.
"""

from __future__ import annotations

from datetime import datetime

from monitor.models import CaptureOutcome


class MonitorError(Exception):
    """Base class for every error policy-monitor raises on purpose."""


class ConfigError(MonitorError):
    """The configuration is unusable; the message names the key (and line, where known)."""


class DatabaseUnavailable(MonitorError):
    """The configured database cannot be opened: a malformed URL, an unknown driver, a server that does not
    answer, or a schema written by a newer policy-monitor."""


class SubscriptionError(ConfigError):
    """A subscription is unusable: a bad policy pattern, section filter, version class, mode, channel or target."""


class ArchiveError(MonitorError):
    """The Wayback Machine did not give us what we asked for.

    ``transient`` errors (rate limits, 5xx, resets, timeouts) are worth trying again on a later poll;
    ``retry_after`` is the pause, in seconds, the archive asked for or that we impose ourselves.
    """

    def __init__(self, message: str, *, transient: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after


class RateLimited(ArchiveError):
    """A live 429 from the archive: every request to it pauses for ``retry_after`` seconds."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message, transient=True, retry_after=retry_after)


class ArchiveBlocked(ArchiveError):
    """The archive's firewall seems to refuse us: no request is sent to it before ``until`` (UTC).

    Stops a whole poll run, not one policy: every other request would meet the same refusal
    (docs/wayback.md#firewall-block).
    """

    def __init__(self, until: datetime, *, retry_after: float) -> None:
        super().__init__(
            "the archive refuses connections (firewall block?); "
            f"no request before {until.isoformat(timespec='seconds')}",
            transient=True,
            retry_after=retry_after,
        )
        self.until = until


class CaptureUnavailable(ArchiveError):
    """This capture cannot be used, for good: ``outcome`` (a ``CaptureOutcome`` value) is recorded on it."""

    def __init__(self, outcome: str, reason: str) -> None:
        super().__init__(f"{outcome}: {reason}")
        self.outcome = outcome
        self.reason = reason


class ExtractionError(MonitorError):
    """HTML could not be turned into policy text."""


class NotExtractable(ExtractionError):
    """The snapshot holds no extractable policy text; ``reason`` says why in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"not extractable: {reason}")
        self.reason = reason


class DeliveryError(MonitorError):
    """An alert could not be delivered. ``permanent`` failures are not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class DeliveryDeferred(DeliveryError):
    """A transient failure where the receiver said when to come back: ``retry_after`` seconds (HTTP Retry-After)."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message, permanent=False)
        self.retry_after = retry_after


class BlockedSite(CaptureUnavailable):
    """The archive excludes this site (takedown or robots.txt): recorded as ``blocked``."""

    def __init__(self, reason: str) -> None:
        super().__init__(CaptureOutcome.BLOCKED, reason)


class Interrupted(MonitorError):
    """Stopping: a wait or a request in flight was abandoned on purpose. Nothing failed, and the work it was part
    of is to be done again, not recorded as failed."""
