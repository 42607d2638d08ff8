from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.compare.changes import compare
from monitor.models import (
    AlertMode,
    Capture,
    Change,
    Document,
    Policy,
    StoredChange,
    Subscription,
    Version,
    VersionClass,
)
from storage import queries
from storage.alerts_outbox import claim_pending_alerts, queue_alert
from storage.archive_blocks import record_archive_block
from storage.captures import record_capture, store_snapshot
from storage.changes import add_change, as_stored, change_of
from storage.db import SCHEMA_HEAD, Database, open_database, schema_revision
from storage.migrate import MIGRATIONS_DIR
from storage.policies import claim_due_policies, finish_poll, sync_policies
from storage.schema import ArchiveBlockRecord
from storage.subscriptions import (
    active_subscriptions,
    add_subscription,
    digest_change_ids,
    gather_digest,
    sync_config_subscriptions,
)
from storage.versions import add_version, version_of

NOW = datetime(2026, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = open_database(database_url)
    with db.transaction() as session:
        sync_policies(
            session,
            [
                Policy("A", "https://a.example/privacy", "a.example"),
                Policy("B", "https://b.example/p", "b.example"),
            ],
        )
    yield db
    db.dispose()


def policy_id(db: Database, name: str) -> int:
    with db.reader() as session:
        policy = queries.policy_by_name(session, name)
        assert policy is not None
        return policy.id


def row(timestamp: str, digest: str = "D1") -> Capture:
    return Capture(
        timestamp=timestamp, original_url="https://a.example/privacy", status=200, mimetype="text/html", digest=digest
    )


def version(timestamp: str, text: str = "body") -> Version:
    return Version(
        Document("T", text), timestamp, "https://a.example/privacy", text_hash=str(hash(text)), extractor_version="1"
    )


def test_migrations_create_every_table(database: Database) -> None:
    tables = set(inspect(database.engine).get_table_names())
    assert {"policies", "captures", "snapshots", "versions", "changes", "section_changes", "alerts"} <= tables


def test_opening_twice_upgrades_nothing_and_keeps_data(database_url: str, database: Database) -> None:
    again = open_database(database_url)
    with again.reader() as session:
        assert queries.policy_names(session) == ["A", "B"]
    again.dispose()


def test_the_schema_head_named_in_code_is_the_newest_migration() -> None:
    assert ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head() == SCHEMA_HEAD


def test_a_database_is_left_at_the_schema_head(database: Database) -> None:
    assert schema_revision(database.engine) == SCHEMA_HEAD


def test_snapshots_are_stored_once_per_content(database: Database) -> None:
    with database.transaction() as session:
        first = store_snapshot(session, b"<html>same</html>", "text/html")
        second = store_snapshot(session, b"<html>same</html>", "text/html")
    assert first == second


def test_snapshot_bytes_come_back_by_cdx_digest(database: Database) -> None:
    a = policy_id(database, "A")
    with database.transaction() as session:
        snapshot_id = store_snapshot(session, b"<html>held</html>", "text/html; charset=utf-8")
        record_capture(session, a, row("20150101000000", "DIGEST"), outcome="stored", snapshot_id=snapshot_id)
    with database.reader() as session:
        held = queries.snapshot_for_digest(session, "DIGEST")
    assert held is not None and held.content == b"<html>held</html>"
    assert held.content_type == "text/html; charset=utf-8"


def test_a_redirect_captures_digest_does_not_stand_for_the_page_stored_with_it(database: Database) -> None:
    a = policy_id(database, "A")
    redirect = replace(row("20150101000000", "EMPTY-BODY"), status=302)
    with database.transaction() as session:
        snapshot_id = store_snapshot(session, b"<html>the redirect's target</html>", "text/html")
        record_capture(session, a, redirect, outcome="stored", snapshot_id=snapshot_id)
    with database.reader() as session:
        assert queries.snapshot_for_digest(session, "EMPTY-BODY") is None


def record_block(db: Database, machine: str, until: datetime | None, repeats: int = 0) -> None:
    with db.transaction() as session:
        record_archive_block(
            session,
            host="web.archive.org",
            machine=machine,
            until=until,
            repeats=repeats,
            now=NOW,
            forget_before=NOW - timedelta(days=1),
        )


def recorded_blocks(db: Database) -> list[tuple[str, datetime, int]]:
    with db.reader() as session:
        return [(b.machine, b.blocked_until, b.repeats) for b in session.scalars(select(ArchiveBlockRecord))]


def test_running_firewall_blocks_are_listed_per_host_and_machine(database: Database) -> None:
    record_block(database, "m1", NOW + HOUR)
    record_block(database, "m2", NOW - HOUR)
    with database.reader() as session:
        assert [b.machine for b in queries.archive_blocks(session, now=NOW)] == ["m1"]


def test_a_later_block_another_process_recorded_is_kept(database: Database) -> None:
    record_block(database, "m1", NOW + 2 * HOUR, repeats=1)
    record_block(database, "m1", NOW + HOUR)  # a process that saw an earlier block
    record_block(database, "m1", None)  # one that saw none
    assert recorded_blocks(database) == [("m1", NOW + 2 * HOUR, 1)]


def test_a_block_ended_longer_ago_than_it_is_remembered_is_forgotten(database: Database) -> None:
    record_block(database, "m1", NOW - timedelta(days=2), repeats=3)
    record_block(database, "m1", None)
    assert recorded_blocks(database) == []


def test_recording_a_capture_moves_the_cursor_forward_only(database: Database) -> None:
    a = policy_id(database, "A")
    with database.transaction() as session:
        record_capture(session, a, row("20160101000000", "X"), outcome="stored")
        record_capture(session, a, row("20150101000000", "Y"), outcome="stored")
    with database.reader() as session:
        policy = queries.policy_by_name(session, "A")
        assert policy is not None and policy.cursor == "20160101000000"


def test_the_same_capture_cannot_be_recorded_twice(database: Database) -> None:
    a = policy_id(database, "A")
    with database.transaction() as session:
        record_capture(session, a, row("20150101000000"), outcome="stored")
    with pytest.raises(IntegrityError), database.transaction() as session:
        record_capture(session, a, row("20150101000000"), outcome="duplicate")


def test_version_at_a_date_is_the_newest_captured_before_it(database: Database) -> None:
    a = policy_id(database, "A")
    with database.transaction() as session:
        add_version(session, a, version("20150101000000", "one"))
        second = add_version(session, a, version("20160101000000", "two"))
    with database.reader() as session:
        found = queries.version_at(session, a, datetime(2016, 6, 1, tzinfo=UTC))
        before = queries.version_at(session, a, datetime(2014, 6, 1, tzinfo=UTC))
    assert found is not None and found.id == second
    assert before is None


def test_a_version_keeps_which_documents_of_a_legal_hub_it_holds(database: Database) -> None:
    a = policy_id(database, "A")
    hub = Document("Legal", "We collect your name.", kept_documents=("Privacy Policy", "Cookie Notice"))
    with database.transaction() as session:
        stored = add_version(session, a, Version(hub, "20150101000000", "https://a.example/legal", "h", "1"))
    with database.reader() as session:
        record = queries.version_at(session, a, datetime(2016, 1, 1, tzinfo=UTC))
        assert record is not None and record.id == stored
        assert version_of(record).document.kept_documents == ("Privacy Policy", "Cookie Notice")


def test_a_due_policy_is_claimed_by_one_owner_only(database: Database) -> None:
    with database.transaction() as session:
        first = claim_due_policies(session, owner="one", now=NOW, limit=10, lease=timedelta(hours=1))
    with database.transaction() as session:
        second = claim_due_policies(session, owner="two", now=NOW, limit=10, lease=timedelta(hours=1))
    assert sorted(p.name for p in first) == ["A", "B"]
    assert second == []


def test_claimers_racing_in_separate_connections_never_share_a_policy(database_url: str, database: Database) -> None:
    specs = [Policy(f"P{n:02d}", f"https://p{n}.example/privacy", f"p{n}.example") for n in range(20)]
    with database.transaction() as session:
        sync_policies(session, specs)
    start = threading.Barrier(2)

    def claimer(owner: str) -> list[str]:
        own = open_database(database_url)  # its own engine: another daemon, or a cron job beside the daemon
        try:
            start.wait()
            with own.transaction() as session:
                names = [p.name for p in claim_due_policies(session, owner=owner, now=NOW, limit=15, lease=HOUR)]
                time.sleep(0.2)  # hold the claim transaction open while the other one runs
            return names
        finally:
            own.dispose()

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(claimer, ["one", "two"])
    assert not set(first) & set(second)
    assert len(first) + len(second) == 20


def test_an_expired_claim_can_be_taken_over(database: Database) -> None:
    with database.transaction() as session:
        claim_due_policies(session, owner="one", now=NOW, limit=10, lease=timedelta(minutes=5))
    with database.transaction() as session:
        later = claim_due_policies(
            session, owner="two", now=NOW + timedelta(minutes=6), limit=10, lease=timedelta(hours=1)
        )
    assert len(later) == 2


def test_a_polled_policy_is_not_due_until_its_next_poll(database: Database) -> None:
    a = policy_id(database, "A")
    with database.transaction() as session:
        claim_due_policies(session, owner="one", now=NOW, limit=10, lease=timedelta(hours=1))
        finish_poll(session, a, now=NOW, next_poll_at=NOW + timedelta(hours=24), error=None)
    with database.transaction() as session:
        due = claim_due_policies(session, owner="two", now=NOW + timedelta(hours=2), limit=10, lease=timedelta(hours=1))
    assert [p.name for p in due] == ["B"]  # B's claim lapsed unfinished; A waits for its next poll


def test_a_dropped_policy_is_deactivated_not_deleted(database: Database) -> None:
    with database.transaction() as session:
        sync_policies(session, [Policy("A", "https://a.example/privacy", "a.example")])
    with database.reader() as session:
        assert [s.policy.name for s in queries.policy_summaries(session)] == ["A"]
        assert queries.policy_by_name(session, "B") is not None


def test_a_renamed_policy_keeps_its_row_its_versions_and_the_subscriptions_that_named_it(database: Database) -> None:
    a = policy_id(database, "A")
    with database.transaction() as session:
        add_version(session, a, version("20150101000000", "one"))
        add_subscription(session, Subscription(name="legal", target="l@example.org", policies=("a", "B*")), now=NOW)
    renamed = Policy("Acme", "https://a.example/privacy", "a.example", renamed_from="A")
    with database.transaction() as session:
        sync_policies(session, [renamed, Policy("B", "https://b.example/privacy", "b.example")])
    assert policy_id(database, "Acme") == a
    with database.reader() as session:
        assert queries.policy_by_name(session, "A") is None
        assert len(queries.versions(session, a)) == 1
        assert [s.policies for s in active_subscriptions(session)] == [["Acme", "B*"]]


def make_change(database: Database) -> int:
    a = policy_id(database, "A")
    with database.transaction() as session:
        old = add_version(session, a, version("20150101000000", "one"))
        new = add_version(session, a, version("20160101000000", "two"))
        change = StoredChange(Change(VersionClass.SUBSTANTIVE), reverted_to=None, alertable=True, section_ids=())
        return add_change(session, a, old_version_id=old, new_version_id=new, stored=change)


SPLIT_OLD = "# P\n\n## Sharing\n\nWe share it with processors.\n\nWe also share it with advertisers.\n"
SPLIT_NEW = SPLIT_OLD.replace("We also", "## Advertising\n\nWe also")


def test_a_stored_change_comes_back_as_what_storage_keeps_of_it(database: Database) -> None:
    a = policy_id(database, "A")
    change = replace(compare(SPLIT_OLD, SPLIT_NEW).change, version_class=VersionClass.REVERTED)
    stored = StoredChange(change, reverted_to=None, alertable=True, section_ids=(None,))
    with database.transaction() as session:
        old = add_version(session, a, version("20150101000000", "one"))
        new = add_version(session, a, version("20160101000000", "two"))
        change_id = add_change(session, a, old_version_id=old, new_version_id=new, stored=stored)
    with database.reader() as session:
        detail = queries.change_detail(session, change_id)
        assert detail is not None
        read_back = change_of(detail[0])
    assert read_back == as_stored(change)
    assert read_back.version_class is VersionClass.REVERTED
    # The parts of a split are not kept: only the path of the part that keeps the section's identity.
    assert change.sections[0].new_paths == ("P > Sharing", "P > Advertising")
    assert read_back.sections[0].new_paths == ("P > Sharing",)


def test_a_stored_version_comes_back_as_the_domain_value(database: Database) -> None:
    a = policy_id(database, "A")
    stored = version("20150101000000", "body\n\nmore\n")
    with database.transaction() as session:
        add_version(session, a, stored)
    with database.reader() as session:
        latest = queries.latest_version(session, a)
        assert latest is not None
        assert latest.markdown == "# T\n\nbody\n\nmore\n"
        assert version_of(latest) == stored


def subscribe(database: Database, name: str = "legal", mode: AlertMode = AlertMode.IMMEDIATE) -> int:
    subscription = Subscription(name=name, target=f"{name}@example.org", mode=mode)
    with database.transaction() as session:
        return add_subscription(session, subscription, now=NOW).id


def gather(session: Session, subscription_id: int, now: datetime) -> int | None:
    return gather_digest(session, subscription_id, now=now, recipient="legal@example.org", message_id_for=str)


def test_an_alert_is_unique_per_change_subscription_and_channel(database: Database) -> None:
    change_id = make_change(database)
    alert = {"recipient": "legal@example.org", "channel": "email", "message_id": "<m@x>"}
    subscription_id = subscribe(database)
    with database.transaction() as session:
        queue_alert(session, change_id, **alert, subscription_id=subscription_id)
    with pytest.raises(IntegrityError), database.transaction() as session:
        queue_alert(session, change_id, **alert, subscription_id=subscription_id)


def test_a_digest_gathers_the_held_changes_once_when_its_period_ends(database: Database) -> None:
    subscription_id = subscribe(database, mode=AlertMode.DAILY)
    change_id = make_change(database)
    with database.transaction() as session:
        queue_alert(
            session,
            change_id,
            recipient="legal@example.org",
            channel="email",
            message_id="<c@x>",
            subscription_id=subscription_id,
            held=True,
        )
    with database.transaction() as session:  # not due yet
        assert gather(session, subscription_id, NOW + timedelta(hours=23)) is None
    with database.transaction() as session:
        digest_id = gather(session, subscription_id, NOW + timedelta(days=1))
    with database.transaction() as session:  # the same period again: nothing more
        assert gather(session, subscription_id, NOW + timedelta(days=1)) is None
    with database.reader() as session:
        assert digest_id is not None and digest_change_ids(session, digest_id) == [change_id]
        assert queries.alert_counts(session) == {"digested": 1, "pending": 1}


def test_a_subscription_dropped_from_the_config_stops_but_one_made_on_the_command_line_stays(
    database: Database,
) -> None:
    subscribe(database, "cli-made")
    from_config = Subscription(name="from-config", target="c@example.org")
    with database.transaction() as session:
        sync_config_subscriptions(session, [from_config], now=NOW)
    with database.transaction() as session:
        sync_config_subscriptions(session, [], now=NOW)
    with database.reader() as session:
        assert [s.name for s in active_subscriptions(session)] == ["cli-made"]


def test_a_claimed_alert_is_not_claimed_again_before_its_lease_ends(database: Database) -> None:
    change_id = make_change(database)
    with database.transaction() as session:
        queue_alert(session, change_id, recipient="x@example.org", channel="email", message_id="<m@x>")
    now = datetime.now(UTC) + timedelta(seconds=1)
    with database.transaction() as session:
        first = claim_pending_alerts(session, owner="one", now=now, limit=10, lease=timedelta(minutes=10))
    with database.transaction() as session:
        second = claim_pending_alerts(session, owner="two", now=now, limit=10, lease=timedelta(minutes=10))
    assert len(first) == 1 and second == []


def test_a_row_another_daemon_is_claiming_is_skipped_not_waited_for(database: Database) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("row locks with SKIP LOCKED are a PostgreSQL feature; SQLite serialises writers instead")
    with database.transaction() as first:
        held = claim_due_policies(first, owner="one", now=NOW, limit=1, lease=timedelta(hours=1))
        with database.transaction() as second:  # the first transaction is still open and holds its row lock
            other = claim_due_policies(second, owner="two", now=NOW, limit=10, lease=timedelta(hours=1))
    assert len(held) == 1 and len(other) == 1
    assert held[0].name != other[0].name


def test_the_migrations_build_exactly_the_schema_the_models_describe(database: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from storage.schema import Base

    with database.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
