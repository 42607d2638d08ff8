"""Changes between consecutive versions, with their section changes, and the domain's ``Change`` they keep."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from monitor.models import Change, SectionChange, SectionChangeKind, StoredChange, VersionClass, WordOp, WordOpKind
from storage.schema import ChangeRecord, SectionChangeRecord, VersionRecord


def add_change(
    session: Session, policy_id: int, *, old_version_id: int, new_version_id: int, stored: StoredChange
) -> int:
    """Store a change with its section changes; queue its alerts in the same transaction."""
    change = stored.change
    record = ChangeRecord(
        policy_id=policy_id,
        old_version_id=old_version_id,
        new_version_id=new_version_id,
        version_class=change.version_class.value,
        reverted_to_version_id=stored.reverted_to,
        alertable=stored.alertable,
        sections=[
            _section_record(position, section, section_id)
            for position, (section, section_id) in enumerate(zip(change.sections, stored.section_ids, strict=True))
        ],
    )
    session.add(record)
    session.flush()
    return record.id


def _section_record(position: int, section: SectionChange, section_id: int | None) -> SectionChangeRecord:
    return SectionChangeRecord(
        section_id=section_id,
        position=position,
        kind=section.kind.value,
        old_path=section.old_path,
        new_path=section.new_path,
        old_text=section.old_text,
        new_text=section.new_text,
        words=[[op.kind.value, op.text] for op in section.words],
    )


def change_of(record: ChangeRecord) -> Change:
    """A stored change as the domain's value: what ``as_stored`` keeps of the change that was stored."""
    return Change(
        version_class=VersionClass(record.version_class),
        sections=tuple(_section_change(section) for section in record.sections),
    )


def _section_change(record: SectionChangeRecord) -> SectionChange:
    return SectionChange(
        kind=SectionChangeKind(record.kind),
        old_path=record.old_path,
        new_path=record.new_path,
        old_text=record.old_text,
        new_text=record.new_text,
        words=tuple(WordOp(kind=WordOpKind(kind), text=text) for kind, text in record.words),
    )


def as_stored(change: Change) -> Change:
    """The change as ``change_of`` gives it back once stored: each section change's kind, paths, texts and words,
    without positions, levels or the parts of a split or merge (the tables do not keep them)."""
    return Change(
        version_class=change.version_class,
        sections=tuple(
            SectionChange(
                kind=s.kind,
                old_path=s.old_path,
                new_path=s.new_path,
                old_text=s.old_text,
                new_text=s.new_text,
                words=s.words,
            )
            for s in change.sections
        ),
    )


def undone_changes(session: Session, change_id: int) -> list[ChangeRecord]:
    """The changes a revert undoes, oldest first: those that came after the version it returns to, up to it.
    None for a change that is no revert."""
    record = session.get(ChangeRecord, change_id)
    if record is None or record.reverted_to_version is None:
        return []
    new = aliased(VersionRecord)
    return list(
        session.scalars(
            select(ChangeRecord)
            .join(new, ChangeRecord.new_version_id == new.id)
            .where(
                ChangeRecord.policy_id == record.policy_id,
                ChangeRecord.id != record.id,
                new.superseded_at.is_(None),
                new.captured_at > record.reverted_to_version.captured_at,
                new.captured_at <= record.new_version.captured_at,
            )
            .order_by(new.captured_at, new.id)
        )
    )
