"""What is history and what is news: a new URL's past, and whatever follows a first listing that held nothing,
are imported without an alert; a 200 that is no listing is an error, not an empty listing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jobs import history
from jobs.app import App
from jobs.poll import poll_due
from storage import queries
from tests.apps import make_settings, start_app
from tests.fake_archive import FakeArchive
from tests.smtp_server import SmtpServer

HISTORY = "bluesky-privacy-policy"
OLD_URL = "https://bsky.social/about/support/privacy-policy"
NEW_URL = "https://bsky.app/privacy"


@pytest.fixture
def open_with(fake_archive: FakeArchive, smtp_server: SmtpServer, sqlite_url: str) -> Iterator[Any]:
    """Opens the app (a new daemon start) with the policy at a URL; each start closes the one before."""
    apps: list[App] = []

    def start(url: str) -> App:
        if apps:
            apps[-1].close()
        settings = make_settings(
            database_url=sqlite_url,
            archive_url=fake_archive.base_url,
            smtp_port=smtp_server.port,
            policies=[{"name": "Bluesky", "url": url}],
        )
        apps.append(start_app(settings))
        return apps[-1]

    yield start
    apps[-1].close()


def _alerts(app: App) -> int:
    with app.database.reader() as session:
        return sum(queries.alert_counts(session).values())


def test_a_new_url_s_past_is_imported_as_history_and_alerts_nobody(open_with: Any, fake_archive: FakeArchive) -> None:
    app = open_with(OLD_URL)
    fake_archive.add_history(HISTORY, OLD_URL, count=2)
    poll_due(app)
    fake_archive.add_history(HISTORY, NEW_URL, start=2)

    app = open_with(NEW_URL)
    report = poll_due(app)[0]

    assert report.versions > 3 and _alerts(app) == 0


def test_the_history_shows_where_the_url_changed(open_with: Any, fake_archive: FakeArchive) -> None:
    app = open_with(OLD_URL)
    fake_archive.add_history(HISTORY, OLD_URL, count=2)
    poll_due(app)
    fake_archive.add_history(HISTORY, NEW_URL, start=2, count=1)
    app = open_with(NEW_URL)
    poll_due(app)

    with app.database.reader() as session:
        rows = history.version_history(session, "Bluesky")

    assert [row["url_changed"] for row in rows] == [False, False, True]


def test_captures_after_an_empty_first_listing_are_history(open_with: Any, fake_archive: FakeArchive) -> None:
    app = open_with(OLD_URL)
    poll_due(app)  # the archive has nothing of it yet
    fake_archive.add_history(HISTORY, OLD_URL, count=4)

    report = poll_due(app, names=("Bluesky",))[0]

    assert report.changes == 3 and _alerts(app) == 0


def test_a_200_that_is_no_listing_is_an_error_and_the_import_waits(open_with: Any, fake_archive: FakeArchive) -> None:
    app = open_with(OLD_URL)
    fake_archive.add_history(HISTORY, OLD_URL, count=4)
    fake_archive.inject(200, path_prefix="/cdx")

    first = poll_due(app)[0]
    second = poll_due(app, names=("Bluesky",))[0]

    assert first.error is not None and "no readable row" in first.error
    assert second.changes == 3 and _alerts(app) == 0


def test_a_policy_the_archive_never_captured_is_shown_so(open_with: Any) -> None:
    app = open_with(OLD_URL)
    poll_due(app)

    with app.database.reader() as session:
        (row,) = history.policy_list(session)

    assert row["stale"] == "never captured by the archive"


def test_a_policy_not_captured_for_stale_after_is_shown_stale(open_with: Any, fake_archive: FakeArchive) -> None:
    app = open_with(OLD_URL)
    fake_archive.add_history(HISTORY, OLD_URL, count=2)  # 2024
    poll_due(app)

    with app.database.reader() as session:
        (row,) = history.policy_list(session, stale_after=timedelta(days=180), now=datetime(2026, 12, 7, tzinfo=UTC))
        (fresh,) = history.policy_list(session, stale_after=timedelta(days=180), now=datetime(2024, 4, 1, tzinfo=UTC))

    assert row["stale"] is not None and row["stale"].startswith("no capture since 2024-")
    assert fresh["stale"] is None
