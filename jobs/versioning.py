"""What poll and re-extraction share: a version's identity, and how a change between two versions is stored."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy.orm import Session

from jobs.convert import new_change
from monitor.changes import compare, normalized_text
from monitor.extract import EXTRACTOR_VERSION
from monitor.models import Document, VersionClass, timestamp_to_datetime
from storage.repository import NewVersion, add_change

ALERTING_CLASSES = frozenset({VersionClass.SUBSTANTIVE})


def text_hash(markdown: str) -> str:
    """Two texts with one hash are one version: whitespace, quotes and dashes do not make a new one."""
    return hashlib.sha256(normalized_text(markdown).encode()).hexdigest()


def new_version(document: Document, *, timestamp: str, original_url: str) -> NewVersion:
    return NewVersion(
        timestamp=timestamp,
        captured_at=timestamp_to_datetime(timestamp),
        original_url=original_url,
        title=document.title,
        markdown=document.markdown,
        text_hash=text_hash(document.markdown),
        extractor_version=EXTRACTOR_VERSION,
    )


@dataclass(frozen=True)
class StoredChange:
    id: int
    alertable: bool


def store_change(
    session: Session,
    policy_id: int,
    *,
    old: tuple[int, str],
    new: tuple[int, str],
    reverted_to: int | None,
    may_alert: bool,
) -> StoredChange:
    """Compare two versions (id, markdown) and store the change; ``alertable`` when people should hear of it."""
    change = compare(old[1], new[1])
    version_class = VersionClass.REVERTED if reverted_to is not None else change.version_class
    alertable = may_alert and version_class in ALERTING_CLASSES and not change.is_empty
    change_id = add_change(
        session,
        policy_id,
        old_version_id=old[0],
        new_version_id=new[0],
        change=new_change(change, version_class=version_class, reverted_to=reverted_to, alertable=alertable),
    )
    return StoredChange(id=change_id, alertable=alertable)
