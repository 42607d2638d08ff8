"""Re-extraction: versions rebuilt from stored snapshots, nothing fetched, nothing lost, nobody alerted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from jobs.app import App
from jobs.deliver import deliver_pending
from jobs.poll import poll_due
from jobs.reextract import reextract
from monitor.extract.pipeline import EXTRACTOR_VERSION
from storage import queries
from storage.schema import VersionRecord
from tests.apps import make_settings, start_app
from tests.fake_archive import FakeArchive
from tests.smtp_server import SmtpServer

URL = "https://bsky.social/about/support/privacy-policy"
HISTORY = "bluesky-privacy-policy"


class Apps:
    """Opens the app with a given policy config, closing the previous one (a restart after editing config.toml)."""

    def __init__(self, fake_archive: FakeArchive, smtp_server: SmtpServer, database_url: str) -> None:
        self.args = {"database_url": database_url, "archive_url": fake_archive.base_url, "smtp_port": smtp_server.port}
        self.current: App | None = None

    def open(self, **policy: Any) -> App:
        self.close()
        settings = make_settings(**self.args, policies=[{"name": "Bluesky", "url": URL, **policy}])
        self.current = start_app(settings)
        return self.current

    def close(self) -> None:
        if self.current is not None:
            self.current.close()


@pytest.fixture
def apps(fake_archive: FakeArchive, smtp_server: SmtpServer, sqlite_url: str) -> Iterator[Apps]:
    opener = Apps(fake_archive, smtp_server, sqlite_url)
    yield opener
    opener.close()


def versions(app: App) -> list[tuple[int, str]]:
    with app.database.reader() as session:
        policy = queries.policy_by_name(session, "Bluesky")
        assert policy is not None
        return [(v.id, v.markdown) for v in queries.versions(session, policy.id)]


def test_the_same_extractor_and_selectors_change_nothing(apps: Apps, fake_archive: FakeArchive) -> None:
    app = apps.open()
    fake_archive.add_history(HISTORY, URL, count=3)
    poll_due(app)
    before = versions(app)
    (report,) = reextract(app)
    assert (report.changed, report.rebuilt, report.versions_after) == (0, False, 3)
    assert versions(app) == before


def test_new_selectors_rebuild_every_version_without_fetching(apps: Apps, fake_archive: FakeArchive) -> None:
    fake_archive.add_history(HISTORY, URL, count=3)
    poll_due(apps.open())
    app = apps.open(remove=["main ul"])
    fake_archive.clear_requests()
    (report,) = reextract(app)
    assert fake_archive.requests == []
    assert report.rebuilt and report.changed == 3
    assert all("Profiles and Posts Are Public**." not in markdown for _, markdown in versions(app))


def test_captures_not_extractable_before_become_versions_after(apps: Apps, fake_archive: FakeArchive) -> None:
    fake_archive.add_history(HISTORY, URL, count=2)
    poll_due(apps.open(select=["#no-such-element"]))
    app = apps.open()
    assert versions(app) == []
    (report,) = reextract(app)
    assert report.versions_after == 2 and len(versions(app)) == 2
    with app.database.reader() as session:
        policy = queries.policy_by_name(session, "Bluesky")
        assert policy is not None
        assert {c.outcome for c in queries.captures(session, policy.id)} == {"stored"}


def test_a_rebuild_keeps_sent_alerts_and_queues_none(
    apps: Apps, fake_archive: FakeArchive, smtp_server: SmtpServer
) -> None:
    app = apps.open()
    fake_archive.add_history(HISTORY, URL, count=1)
    poll_due(app)
    fake_archive.add_history(HISTORY, URL, count=1, start=1)
    poll_due(app, names=("Bluesky",))
    deliver_pending(app)
    sent = len(smtp_server.messages)
    app = apps.open(remove=["main ul"])
    reextract(app)
    deliver_pending(app)
    with app.database.reader() as session:
        assert queries.alert_counts(session) == {"sent": sent}
        assert all(not change.alertable for change, _ in queries.changes_since(session, None))
    assert len(smtp_server.messages) == sent


def section_ids(app: App) -> list[dict[str, int]]:
    """Per current version, path -> section id."""
    with app.database.reader() as session:
        return [{s.path: s.section_id for s in queries.version_sections(session, v)} for v, _ in versions(app)]


def test_a_rebuild_keeps_the_ids_of_the_sections_it_still_finds(apps: Apps, fake_archive: FakeArchive) -> None:
    fake_archive.add_history(HISTORY, URL, count=3)
    app = apps.open()
    poll_due(app)
    before = section_ids(app)
    app = apps.open(remove=["main ul"])
    reextract(app)
    for ids, old in zip(section_ids(app), before, strict=True):
        kept = ids.keys() & old.keys()
        assert kept and {path: ids[path] for path in kept} == {path: old[path] for path in kept}


def test_a_poll_after_an_extractor_upgrade_rereads_what_it_holds_before_comparing_and_alerts_nobody(
    apps: Apps, fake_archive: FakeArchive
) -> None:
    app = apps.open()
    (first,) = fake_archive.add_history(HISTORY, URL, count=1)
    poll_due(app)
    with app.database.transaction() as session:  # as an older extractor would have read the page: a paragraph short
        (record,) = session.scalars(select(VersionRecord)).all()
        record.markdown, record.text_hash, record.extractor_version = record.markdown[:-200], "older", "0"
    fake_archive.add_capture(URL, "20300101000000", first.body + b"<!-- a new nonce -->")  # same text, new digest
    (report,) = poll_due(app, names=("Bluesky",))
    assert (report.reextracted, report.versions, report.alerts) == (1, 0, 0)
    with app.database.reader() as session:
        policy = queries.policy_by_name(session, "Bluesky")
        assert policy is not None
        assert {v.extractor_version for v in queries.versions(session, policy.id)} == {EXTRACTOR_VERSION}
        assert all(not change.alertable for change, _ in queries.changes_since(session, None))


def test_versions_a_rebuild_finds_for_the_first_time_are_numbered_from_one(
    apps: Apps, fake_archive: FakeArchive
) -> None:
    fake_archive.add_history(HISTORY, URL, count=2)
    poll_due(apps.open(select=["#no-such-element"]))
    app = apps.open()
    reextract(app)
    with app.database.reader() as session:
        policy = queries.policy_by_name(session, "Bluesky")
        assert policy is not None
        assert [v.number for v in queries.versions(session, policy.id)] == [1, 2]
