"""Whether a policy flaps: its page keeps returning to earlier texts (A → B → A → B …), as pages that serve two
variants (A/B tests, a region's copy, a broken build now and then) do. Each return is a REVERTED version; a
policy with many of them in a short while is unstable, and a reader should know what alternates."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.models import VersionClass

FLAP_WINDOW = timedelta(days=30)  # the stretch of captures, up to the latest version, that is looked at
MIN_REVERTS = 3  # returns within it that make a policy unstable
_SECTIONS_NAMED = 3


@dataclass(frozen=True)
class ChangeAt:
    """A change of a policy's history as the flapping rule sees it."""

    captured_at: datetime  # of its new version
    version_class: VersionClass
    sections: tuple[str, ...]  # the paths of the sections it changed


@dataclass(frozen=True)
class Flapping:
    """A policy found unstable: how many of its recent changes were returns, since when, and what alternates
    (the sections those returns changed, most often first)."""

    reverts: int
    changes: int
    since: datetime
    alternating: tuple[str, ...]

    def describe(self) -> str:
        """``unstable: 11 of 12 changes since 2019-03-01 return to an earlier text (alternating: A, B)``."""
        what = f" (alternating: {', '.join(self.alternating)})" if self.alternating else ""
        since = self.since.strftime("%Y-%m-%d")
        return f"unstable: {self.reverts} of {self.changes} changes since {since} return to an earlier text{what}"


def flapping(changes: Sequence[ChangeAt]) -> Flapping | None:
    """The policy's flapping, judged on its changes within ``FLAP_WINDOW`` of the latest; None when stable."""
    if not changes:
        return None
    latest = max(change.captured_at for change in changes)
    recent = sorted((c for c in changes if c.captured_at >= latest - FLAP_WINDOW), key=lambda c: c.captured_at)
    reverts = [change for change in recent if change.version_class is VersionClass.REVERTED]
    if len(reverts) < MIN_REVERTS:
        return None
    counted = Counter(path for change in reverts for path in change.sections)
    alternating = tuple(path for path, _ in counted.most_common(_SECTIONS_NAMED))
    return Flapping(len(reverts), len(recent), recent[0].captured_at, alternating)
