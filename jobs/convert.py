"""Translations between the domain's values (monitor) and the stored records (storage)."""

from __future__ import annotations

from collections.abc import Sequence

from monitor.alerts.email_message import ChangeNotice
from monitor.models import Change, Document, SectionChange, SectionChangeKind, VersionClass, WordOp, WordOpKind
from storage.repository import NewChange, NewSectionChange
from storage.schema import ChangeRecord, PolicyRecord, SectionChangeRecord, VersionRecord


def new_change(
    change: Change,
    *,
    version_class: VersionClass,
    reverted_to: int | None,
    alertable: bool,
    section_ids: Sequence[int | None],
) -> NewChange:
    return NewChange(
        version_class=version_class.value,
        reverted_to_version_id=reverted_to,
        alertable=alertable,
        sections=[
            NewSectionChange(
                kind=section.kind.value,
                old_path=section.old_path,
                new_path=section.new_path,
                old_text=section.old_text,
                new_text=section.new_text,
                words=[(op.kind.value, op.text) for op in section.words],
                section_id=section_id,
            )
            for section, section_id in zip(change.sections, section_ids, strict=True)
        ],
    )


def change_from_record(record: ChangeRecord) -> Change:
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


def notice_for(record: ChangeRecord, policy: PolicyRecord, *, archive_url: str) -> ChangeNotice:
    return ChangeNotice(
        policy_name=policy.name,
        policy_url=policy.url,
        old_timestamp=record.old_version.timestamp,
        new_timestamp=record.new_version.timestamp,
        change=change_from_record(record),
        archive_url=archive_url,
        change_id=record.id,
        reverted_to_timestamp=record.reverted_to_version.timestamp if record.reverted_to_version else None,
    )


def document_of(version: VersionRecord) -> Document:
    """The stored Markdown of a version split back into title and body."""
    heading = f"# {version.title}\n"
    body = (
        version.markdown[len(heading) :] if version.title and version.markdown.startswith(heading) else version.markdown
    )
    return Document(title=version.title, body=body.lstrip("\n"))
