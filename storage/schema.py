"""Mapped classes. Every timestamp column holds a UTC-aware datetime; Wayback timestamps stay 14-digit text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; hands back aware datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: use UTC-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class PolicyRecord(Base):
    __tablename__ = "policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    url: Mapped[str] = mapped_column(Text)
    site: Mapped[str] = mapped_column(String(253))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The 14-digit timestamp of the newest capture whose outcome is recorded; CDX `from` is inclusive.
    cursor: Mapped[str | None] = mapped_column(String(14))
    history_imported: Mapped[bool] = mapped_column(Boolean, default=False)
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claim_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SnapshotRecord(Base):
    """Raw archived bytes, zlib-compressed, addressed by the SHA-256 of the uncompressed bytes."""

    __tablename__ = "snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(200))
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VersionRecord(Base):
    """A distinct text of a policy, first seen in the capture at ``timestamp``."""

    __tablename__ = "versions"
    __table_args__ = (
        Index("ix_versions_policy_captured", "policy_id", "captured_at"),
        # Superseded versions share their number with the rebuilt version that replaces them.
        Index(
            "uq_versions_policy_number_current",
            "policy_id",
            "number",
            unique=True,
            sqlite_where=text("superseded_at IS NULL"),
            postgresql_where=text("superseded_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"))
    # v1, v2, … within the policy, in first-seen order. A rebuilt version keeps the number of the version it
    # replaces; no other version of the policy is ever given it.
    number: Mapped[int] = mapped_column(Integer)
    timestamp: Mapped[str] = mapped_column(String(14))
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    original_url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    markdown: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64), index=True)
    extractor_version: Mapped[str] = mapped_column(String(40))
    # On a page holding several documents, the headings of those the version holds (a JSON list).
    kept_documents: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when a re-extraction rebuilt the policy's versions: kept (alerts sent about it point here), not shown.
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    policy: Mapped[PolicyRecord] = relationship()


class CaptureRecord(Base):
    """One CDX row we processed, with its outcome."""

    __tablename__ = "captures"
    __table_args__ = (UniqueConstraint("policy_id", "timestamp", "digest", name="uq_captures_policy_ts_digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"))
    timestamp: Mapped[str] = mapped_column(String(14))
    original_url: Mapped[str] = mapped_column(Text)
    status: Mapped[int | None] = mapped_column(Integer)
    mimetype: Mapped[str] = mapped_column(String(200))
    digest: Mapped[str] = mapped_column(String(64), index=True)
    # The capture the archive actually served (Memento-Datetime), when it differs from the CDX row's.
    served_timestamp: Mapped[str | None] = mapped_column(String(14))
    outcome: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id"))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChangeRecord(Base):
    """The difference between a version and its predecessor."""

    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"), index=True)
    old_version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"))
    new_version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), unique=True)
    version_class: Mapped[str] = mapped_column(String(40))
    reverted_to_version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    # False for changes found while importing a newly tracked policy's past: stored, never alerted.
    alertable: Mapped[bool] = mapped_column(Boolean)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    old_version: Mapped[VersionRecord] = relationship(foreign_keys=[old_version_id])
    new_version: Mapped[VersionRecord] = relationship(foreign_keys=[new_version_id])
    reverted_to_version: Mapped[VersionRecord | None] = relationship(foreign_keys=[reverted_to_version_id])
    sections: Mapped[list[SectionChangeRecord]] = relationship(
        order_by="SectionChangeRecord.position", cascade="all, delete-orphan"
    )


class SectionRecord(Base):
    """A section's identity, kept from version to version while it is renamed, moved or edited."""

    __tablename__ = "sections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"), index=True)
    first_version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"))


class VersionSectionRecord(Base):
    """Which sections a version has, in order, with the path each had in it."""

    __tablename__ = "version_sections"

    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(Text)
    level: Mapped[int] = mapped_column(Integer)


class SectionChangeRecord(Base):
    __tablename__ = "section_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    old_path: Mapped[str | None] = mapped_column(Text)
    new_path: Mapped[str | None] = mapped_column(Text)
    old_text: Mapped[str] = mapped_column(Text)
    new_text: Mapped[str] = mapped_column(Text)
    words: Mapped[list[list[str]]] = mapped_column(JSON)  # [[kind, text], ...]


class SubscriptionRecord(Base):
    """Who hears of which changes, through which channel, how often. Secrets stay in the environment: an Apprise
    subscription stores the name of the variable holding its URL, a webhook the name of its signing secret's."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(20))  # email | apprise | webhook
    target: Mapped[str] = mapped_column(Text)  # an address, a webhook URL, or an environment variable's name
    secret_env: Mapped[str | None] = mapped_column(String(200))
    policies: Mapped[list[str]] = mapped_column(JSON)  # names or globs; ["*"] is every policy
    sections: Mapped[str | None] = mapped_column(Text)  # a regex over section paths and changed text
    alert_on: Mapped[list[str] | None] = mapped_column(JSON)  # version classes; None follows each policy's own
    mode: Mapped[str] = mapped_column(String(20), default="immediate")  # immediate | daily | weekly
    source: Mapped[str] = mapped_column(String(20))  # config | cli
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    digest_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertRecord(Base):
    """The outbox: one message per (change, subscription, channel), or one digest per (subscription, period).

    A change for a digest subscription waits as ``held`` until its digest gathers it (``digested``); every row
    that is sent is ``pending`` until it is ``sent`` or ``failed``.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("change_id", "subscription_id", "channel", name="uq_alerts_change_subscription_channel"),
        UniqueConstraint("subscription_id", "period_end", name="uq_alerts_subscription_period_end"),
        Index("ix_alerts_status_next_attempt", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="change")  # change | digest
    change_id: Mapped[int | None] = mapped_column(ForeignKey("changes.id", ondelete="CASCADE"))
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"), index=True)
    period_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipient: Mapped[str] = mapped_column(String(320))
    channel: Mapped[str] = mapped_column(String(40), default="email")
    status: Mapped[str] = mapped_column(String(20), default="pending")  # held | digested | pending | sent | failed
    message_id: Mapped[str] = mapped_column(String(320))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    response: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claim_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    change: Mapped[ChangeRecord | None] = relationship()
    subscription: Mapped[SubscriptionRecord | None] = relationship()


class InstallationRecord(Base):
    """This installation's own id (one row, made by the migration that adds the table)."""

    __tablename__ = "installation"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ArchiveBlockRecord(Base):
    """The latest firewall cool-down the archive imposed on one machine (its IP), kept so that a restart neither
    knocks again during it nor forgets, for a day after it, that the next block should last twice as long."""

    __tablename__ = "archive_blocks"

    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    machine: Mapped[str] = mapped_column(String(255), primary_key=True)
    blocked_until: Mapped[datetime] = mapped_column(UTCDateTime)  # past once the cool-down is over
    repeats: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # blocks right before this one
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
