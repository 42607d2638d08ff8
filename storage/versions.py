"""A policy's versions and the sections each one has, with the identities sections keep from version to version."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from monitor.models import Document, Section, Version
from storage.schema import SectionRecord, VersionRecord, VersionSectionRecord


def add_version(session: Session, policy_id: int, version: Version, *, number: int | None = None) -> int:
    """Store a version under ``number``, or under the policy's next number. The caller holds the policy's claim,
    so no other process numbers a version of this policy meanwhile (the unique index would refuse it)."""
    record = VersionRecord(
        policy_id=policy_id,
        number=number if number is not None else next_version_number(session, policy_id),
        timestamp=version.timestamp,
        captured_at=version.captured_at,
        original_url=version.original_url,
        title=version.document.title,
        markdown=version.markdown,
        text_hash=version.text_hash,
        extractor_version=version.extractor_version,
        kept_documents=json.dumps(list(version.document.kept_documents)) if version.document.kept_documents else None,
    )
    session.add(record)
    session.flush()
    return record.id


def next_version_number(session: Session, policy_id: int) -> int:
    """One past the highest number any version of the policy had, superseded ones included: a number that named
    a version in an alert is never given to another."""
    highest = session.scalar(select(func.max(VersionRecord.number)).where(VersionRecord.policy_id == policy_id))
    return (highest or 0) + 1


def version_of(record: VersionRecord) -> Version:
    """A stored version as the domain's value, its Markdown split back into title and body."""
    return Version(
        document=_document(record.title, record.markdown, record.kept_documents),
        timestamp=record.timestamp,
        original_url=record.original_url,
        text_hash=record.text_hash,
        extractor_version=record.extractor_version,
    )


def _document(title: str, markdown: str, kept_documents: str | None) -> Document:
    heading = f"# {title}\n"
    body = markdown[len(heading) :] if title and markdown.startswith(heading) else markdown
    kept = tuple(json.loads(kept_documents)) if kept_documents else ()
    return Document(title=title, body=body.lstrip("\n"), kept_documents=kept)


def supersede_versions(session: Session, policy_id: int, *, now: datetime) -> None:
    """Retire a policy's current versions before a re-extraction stores their replacements."""
    session.execute(
        update(VersionRecord)
        .where(VersionRecord.policy_id == policy_id, VersionRecord.superseded_at.is_(None))
        .values(superseded_at=now)
    )


def mark_extractor_version(session: Session, policy_id: int, extractor_version: str) -> None:
    """Record that a policy's current versions read the same with this extractor."""
    session.execute(
        update(VersionRecord)
        .where(VersionRecord.policy_id == policy_id, VersionRecord.superseded_at.is_(None))
        .values(extractor_version=extractor_version)
    )


def store_version_sections(
    session: Session,
    policy_id: int,
    version_id: int,
    sections: Sequence[Section],
    known_ids: Sequence[int | None],
) -> list[int]:
    """Record a version's sections in order, each under its id from ``known_ids`` (an earlier version had it) or,
    for None, under a new identity; returns the section ids in order."""
    fresh = [SectionRecord(policy_id=policy_id, first_version_id=version_id) for i in known_ids if i is None]
    session.add_all(fresh)
    session.flush()  # one batched INSERT for the new identities, whose ids the rows below need
    new_ids = iter(identity.id for identity in fresh)
    ids = [known if known is not None else next(new_ids) for known in known_ids]
    rows = [
        {
            "version_id": version_id,
            "position": position,
            "section_id": section_id,
            "path": s.path_text,
            "level": s.level,
        }
        for position, (s, section_id) in enumerate(zip(sections, ids, strict=True))
    ]
    if rows:  # a bulk INSERT: a version of a long policy has hundreds of sections
        session.execute(insert(VersionSectionRecord), rows)
    return ids
