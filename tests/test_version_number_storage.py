"""Version numbers in the database: given per policy when stored, unique among current versions, and given to the
versions stored before numbers existed by migration 0009."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from monitor.models import Document, Policy, Version
from storage import queries
from storage.db import Database, normalize_url, open_database
from storage.migrate import _config
from storage.policies import sync_policies
from storage.versions import add_version, supersede_versions


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = open_database(database_url)
    with db.transaction() as session:
        sync_policies(
            session, [Policy("A", "https://a.example/p", "a.example"), Policy("B", "https://b.example/p", "b")]
        )
    yield db
    db.dispose()


def version(timestamp: str) -> Version:
    return Version(
        Document("T", timestamp), timestamp, "https://a.example/p", text_hash=timestamp, extractor_version="1"
    )


def store(db: Database, name: str, timestamp: str, *, number: int | None = None) -> None:
    with db.transaction() as session:
        policy = queries.policy_by_name(session, name)
        assert policy is not None
        add_version(session, policy.id, version(timestamp), number=number)


def numbers(db: Database, name: str) -> list[int]:
    with db.reader() as session:
        policy = queries.policy_by_name(session, name)
        assert policy is not None
        return [v.number for v in queries.versions(session, policy.id)]


def test_each_policy_numbers_its_versions_from_one(database: Database) -> None:
    store(database, "A", "20200101000000")
    store(database, "A", "20210101000000")
    store(database, "B", "20220101000000")
    assert (numbers(database, "A"), numbers(database, "B")) == ([1, 2], [1])


def test_two_current_versions_of_a_policy_never_share_a_number(database: Database) -> None:
    store(database, "A", "20200101000000")
    with pytest.raises(IntegrityError):
        store(database, "A", "20210101000000", number=1)


def test_a_number_superseded_by_a_rebuild_is_not_given_to_a_new_version(database: Database) -> None:
    store(database, "A", "20200101000000")
    store(database, "A", "20210101000000")
    with database.transaction() as session:
        policy = queries.policy_by_name(session, "A")
        assert policy is not None
        supersede_versions(session, policy.id, now=datetime.now(UTC))
    store(database, "A", "20200101000000", number=1)  # the rebuild kept v1; v2 read the same as v1 this time
    store(database, "A", "20220101000000")
    assert numbers(database, "A") == [1, 3]


def test_migration_0009_numbers_existing_versions_by_first_seen_order_per_policy(database_url: str) -> None:
    engine = create_engine(normalize_url(database_url))
    with engine.begin() as connection:
        config = _config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0008")
        for policy_id, name in ((1, "A"), (2, "B")):
            connection.execute(
                text(
                    "INSERT INTO policies (id, name, url, site, active, history_imported, created_at) "
                    "VALUES (:id, :name, 'https://x.example/p', 'x', true, true, '2026-01-01 00:00:00')"
                ),
                {"id": policy_id, "name": name},
            )
        # Ids interleaved between policies, and one stored out of capture order.
        for version_id, policy_id, captured in ((1, 1, "2021"), (2, 2, "2020"), (3, 1, "2020"), (4, 1, "2022")):
            connection.execute(
                text(
                    "INSERT INTO versions (id, policy_id, timestamp, captured_at, original_url, title, markdown, "
                    "text_hash, extractor_version, created_at) VALUES (:id, :policy, '20200101000000', "
                    ":captured, 'u', 't', 'm', 'h', '1', '2026-01-01 00:00:00')"
                ),
                {"id": version_id, "policy": policy_id, "captured": f"{captured}-01-01 00:00:00"},
            )
        command.upgrade(config, "head")
        rows = connection.execute(text("SELECT id, number FROM versions ORDER BY id")).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [(1, 2), (2, 1), (3, 1), (4, 3)]
