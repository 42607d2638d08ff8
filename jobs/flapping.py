"""Whether a stored policy flaps (``monitor.compare.flapping``): for ``list`` and ``status``, and for the alerts of
its reverts, which stop once it does."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from monitor.compare.flapping import ChangeAt, Flapping, flapping
from monitor.models import VersionClass
from storage import queries
from storage.schema import ChangeRecord

_FLAP_CHANGES = 200  # the latest changes the flapping rule is given (its window is shorter for all but the busiest)


def policy_flapping(session: Session, policy_id: int, *, before: datetime | None = None) -> Flapping | None:
    """Whether the policy's page keeps returning to earlier texts (``monitor.compare.flapping``), judged on the
    changes captured ``before`` a time (all by default)."""
    latest = queries.latest_changes(session, policy_id, limit=_FLAP_CHANGES, before=before)
    return flapping([ChangeAt(at, VersionClass(change.version_class), _paths(change)) for change, at in latest])


def _paths(change: ChangeRecord) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p for s in change.sections for p in (s.new_path or s.old_path,) if p))
