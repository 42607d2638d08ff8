"""The poll workflow against the fake archive: what is fetched, stored, recorded and alerted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jobs.app import App
from jobs.poll import RETRY_FAILED_POLL, poll_due
from storage import queries
from tests.apps import make_settings, start_app
from tests.fake_archive import FakeArchive
from tests.smtp_server import SmtpServer

URL = "https://bsky.social/about/support/privacy-policy"
HISTORY = "bluesky-privacy-policy"


@pytest.fixture
def app(fake_archive: FakeArchive, smtp_server: SmtpServer, sqlite_url: str) -> Iterator[App]:
    settings = make_settings(
        database_url=sqlite_url,
        archive_url=fake_archive.base_url,
        smtp_port=smtp_server.port,
        policies=[{"name": "Bluesky", "url": URL}],
    )
    application = start_app(settings)
    yield application
    application.close()


def playback_requests(fake_archive: FakeArchive) -> list[str]:
    return [r.path for r in fake_archive.requests if r.path.startswith("/web/")]


def outcomes(app: App) -> list[tuple[str, str]]:
    with app.database.reader() as session:
        policy = queries.policy_by_name(session, "Bluesky")
        assert policy is not None
        return [(c.timestamp, c.outcome) for c in queries.captures(session, policy.id)]


def stored_versions(app: App) -> list[str]:
    with app.database.reader() as session:
        policy = queries.policy_by_name(session, "Bluesky")
        assert policy is not None
        return [v.timestamp for v in queries.versions(session, policy.id)]


def test_first_poll_imports_every_distinct_capture_oldest_first(app: App, fake_archive: FakeArchive) -> None:
    captures = fake_archive.add_history(HISTORY, URL, count=3)
    poll_due(app)
    assert stored_versions(app) == [c.timestamp for c in captures]


def test_a_poll_with_nothing_new_sends_one_cdx_request_and_fetches_nothing(app: App, fake_archive: FakeArchive) -> None:
    fake_archive.add_history(HISTORY, URL, count=2)
    poll_due(app)
    fake_archive.clear_requests()
    poll_due(app, names=("Bluesky",))
    assert [r.path for r in fake_archive.requests] == ["/cdx/search/cdx"]


def test_a_known_digest_is_not_fetched_again_and_its_return_is_a_reverted_version(
    app: App, fake_archive: FakeArchive
) -> None:
    fake_archive.add_history(HISTORY, URL, count=2)
    fake_archive.add_capture(URL, "20250101000000", fake_archive.render_history_version(HISTORY, 0))
    poll_due(app)
    assert len(playback_requests(fake_archive)) == 2
    assert outcomes(app)[-1] == ("20250101000000", "duplicate")
    with app.database.reader() as session:
        history = queries.changes_since(session, None)
    assert history[-1][0].version_class == "reverted"


def test_the_import_queues_no_alerts(app: App, fake_archive: FakeArchive) -> None:
    fake_archive.add_history(HISTORY, URL, count=3)
    poll_due(app)
    with app.database.reader() as session:
        assert queries.alert_counts(session) == {}


def test_a_new_text_after_the_import_queues_one_alert_per_recipient(app: App, fake_archive: FakeArchive) -> None:
    fake_archive.add_history(HISTORY, URL, count=1)
    poll_due(app)
    fake_archive.add_history(HISTORY, URL, count=1, start=1)
    poll_due(app, names=("Bluesky",))
    with app.database.reader() as session:
        assert queries.alert_counts(session) == {"pending": 2}


def test_a_failed_fetch_keeps_the_cursor_and_the_next_poll_stores_each_capture_once(
    app: App, fake_archive: FakeArchive
) -> None:
    captures = fake_archive.add_history(HISTORY, URL, count=3)
    fake_archive.inject(503, count=100, path_prefix=f"/web/{captures[1].timestamp}")
    report = poll_due(app)[0]
    assert report.error is not None
    assert [ts for ts, _ in outcomes(app)] == [captures[0].timestamp]
    fake_archive.clear_faults()
    poll_due(app, names=("Bluesky",))
    assert [ts for ts, _ in outcomes(app)] == [c.timestamp for c in captures]
    assert stored_versions(app) == [c.timestamp for c in captures]


def test_a_429_pauses_every_request_to_the_archive(app: App, fake_archive: FakeArchive) -> None:
    fake_archive.add_history(HISTORY, URL, count=1)
    fake_archive.inject(429, count=1, path_prefix="/cdx")
    report = poll_due(app)[0]
    assert report.error is not None and "rate limited" in report.error
    sent = len(fake_archive.requests)
    again = poll_due(app, names=("Bluesky",))[0]
    assert again.error is not None and "paused" in again.error
    assert len(fake_archive.requests) == sent  # nothing was sent during the pause


def test_a_page_that_is_not_html_is_recorded_as_not_extractable(app: App, fake_archive: FakeArchive) -> None:
    fake_archive.add_history(HISTORY, URL, count=1)
    fake_archive.add_capture(URL, "20250101000000", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    poll_due(app)
    assert outcomes(app)[-1] == ("20250101000000", "not-extractable")
    assert len(stored_versions(app)) == 1


def test_a_capture_the_archive_cannot_play_back_is_recorded_as_no_capture(app: App, fake_archive: FakeArchive) -> None:
    fake_archive.add_history(HISTORY, URL, count=2)
    fake_archive.add_capture(URL, "20260101000000", b"<html><body><p>unplayable</p></body></html>", playable=False)
    poll_due(app)
    assert outcomes(app)[-1] == ("20260101000000", "no-capture")


def test_a_new_digest_with_the_same_text_makes_no_new_version(app: App, fake_archive: FakeArchive) -> None:
    fake_archive.add_history(HISTORY, URL, count=1)
    page = fake_archive.render_history_version(HISTORY, 0)
    fake_archive.add_capture(URL, "20250101000000", page.replace(b"</footer>", b" Cookie settings</footer>"))
    poll_due(app)
    assert outcomes(app)[-1] == ("20250101000000", "stored")
    assert len(stored_versions(app)) == 1


def test_a_failed_poll_is_retried_sooner_than_the_poll_interval(app: App, fake_archive: FakeArchive) -> None:
    fake_archive.add_history(HISTORY, URL, count=1)
    fake_archive.inject(503, count=100, path_prefix="/cdx")
    poll_due(app)
    with app.database.reader() as session:
        policy = queries.policy_by_name(session, "Bluesky")
        assert policy is not None and policy.next_poll_at is not None and policy.last_polled_at is not None
        assert policy.next_poll_at - policy.last_polled_at == RETRY_FAILED_POLL
        assert policy.last_error is not None


def test_a_blocked_site_is_reported_and_its_history_not_marked_imported(app: App, fake_archive: FakeArchive) -> None:
    fake_archive.add_history(HISTORY, URL, count=1)
    fake_archive.blocked.add("bsky.social")
    report = poll_due(app)[0]
    assert report.error is not None and "excluded" in report.error
    with app.database.reader() as session:
        policy = queries.policy_by_name(session, "Bluesky")
        assert policy is not None and not policy.history_imported


def link_only_edit(fake_archive: FakeArchive) -> None:
    page = fake_archive.render_history_version(HISTORY, 0)
    edited = page.replace(b'href="mailto:support@bsky.app"', b'href="mailto:privacy@bsky.app"')
    assert edited != page
    fake_archive.add_capture(URL, "20250101000000", edited)


def test_a_link_only_change_is_stored_but_not_alerted_by_default(app: App, fake_archive: FakeArchive) -> None:
    fake_archive.add_history(HISTORY, URL, count=1)
    poll_due(app)
    link_only_edit(fake_archive)
    poll_due(app, names=("Bluesky",))
    with app.database.reader() as session:
        assert queries.changes_since(session, None)[-1][0].version_class == "link-only"
        assert queries.alert_counts(session) == {}


def test_a_policy_can_ask_for_link_only_alerts(
    fake_archive: FakeArchive, smtp_server: SmtpServer, sqlite_url: str
) -> None:
    settings = make_settings(
        database_url=sqlite_url,
        archive_url=fake_archive.base_url,
        smtp_port=smtp_server.port,
        policies=[{"name": "Bluesky", "url": URL, "alert_on": ["substantive", "link-only"]}],
    )
    app = start_app(settings)
    fake_archive.add_history(HISTORY, URL, count=1)
    poll_due(app)
    link_only_edit(fake_archive)
    poll_due(app, names=("Bluesky",))
    with app.database.reader() as session:
        assert queries.alert_counts(session) == {"pending": 2}
    app.close()
