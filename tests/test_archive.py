"""The Wayback client against the fake archive: what it asks for and how each answer ends."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from monitor.archive import ArchiveSettings, WaybackArchive
from monitor.errors import ArchiveError, CaptureUnavailable, RateLimited
from monitor.models import Capture
from tests.fake_archive import FakeArchive

URL = "https://example.org/privacy"
PAGE = b"<html><head><title>Privacy</title></head><body><h1>Privacy</h1><p>We collect nothing.</p></body></html>"
USER_AGENT = "policy-monitor-tests (+mailto:tests@example.org)"


@pytest.fixture
def archive(fake_archive: FakeArchive) -> Iterator[WaybackArchive]:
    settings = ArchiveSettings(
        base_url=fake_archive.base_url,
        user_agent=USER_AGENT,
        cdx_per_minute=6000,
        captures_per_second=200,
        timeout=5,
        retries=1,
        backoff=0.01,
        rate_limit_pause=0.5,
        max_capture_bytes=50_000,
    )
    client = WaybackArchive(settings)
    yield client
    client.close()


def only(archive: WaybackArchive) -> Capture:
    (capture,) = archive.list_captures(URL)
    return capture


def test_every_request_names_us_in_the_user_agent(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE)
    archive.fetch_snapshot(only(archive))
    assert {r.user_agent for r in fake_archive.requests} == {USER_AGENT}


def test_the_cdx_query_asks_for_distinct_html_captures_since_the_cursor(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE)
    archive.list_captures(URL, since="20190101000000")
    query = fake_archive.requests[-1].query
    assert query["output"] == ["json"] and query["collapse"] == ["digest"] and query["from"] == ["20190101000000"]
    assert sorted(query["filter"]) == ["mimetype:text/html", "statuscode:200"]


def test_multi_page_cdx_results_are_followed_without_repeats(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    for day in range(1, 8):
        fake_archive.add_capture(URL, f"202001{day:02d}000000", PAGE + str(day).encode())
    fake_archive.duplicate_rows = True
    small_pages = WaybackArchive(replace(archive.settings, cdx_page_size=3))
    captures = small_pages.list_captures(URL)
    small_pages.close()
    assert sum(r.path == "/cdx/search/cdx" for r in fake_archive.requests) >= 3
    assert [c.timestamp for c in captures] == [f"202001{day:02d}000000" for day in range(1, 8)]


def test_a_capture_is_fetched_in_id_mode_with_its_bytes(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE)
    snapshot = archive.fetch_snapshot(only(archive))
    assert snapshot.content == PAGE
    assert fake_archive.requests[-1].path == f"/web/20200101000000id_/{URL}"


def test_the_archives_redirect_to_a_near_capture_is_followed_and_its_time_recorded(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE, playable=False)
    fake_archive.add_capture(URL, "20200101060000", PAGE + b"<!-- later -->")
    capture = archive.list_captures(URL)[0]
    snapshot = archive.fetch_snapshot(capture)
    assert snapshot.timestamp == "20200101060000"


def test_a_redirect_to_a_capture_outside_the_window_is_no_capture(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE, playable=False)
    fake_archive.add_capture(URL, "20200301000000", PAGE + b"<!-- later -->")
    with pytest.raises(CaptureUnavailable) as caught:
        archive.fetch_snapshot(archive.list_captures(URL)[0])
    assert caught.value.outcome == "no-capture"


def test_a_redirect_off_the_archive_host_is_never_followed(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE)
    capture = only(archive)
    fake_archive.inject(302, path_prefix="/web/", headers={"Location": "http://evil.example/web/20200101000000id_/x"})
    with pytest.raises(CaptureUnavailable) as caught:
        archive.fetch_snapshot(capture)
    assert caught.value.outcome == "playback-error" and "off the archive" in caught.value.reason


def test_an_archived_redirect_is_recorded_as_a_redirect(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", b"", status=301, location="https://example.org/new-privacy")
    capture = Capture("20200101000000", URL, "text/html", 301, "X")
    with pytest.raises(CaptureUnavailable) as caught:
        archive.fetch_snapshot(capture)
    assert caught.value.outcome == "redirect" and "example.org/new-privacy" in caught.value.reason


def test_a_page_over_the_size_limit_is_too_large(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", b"<html><body>" + b"x" * 100_000 + b"</body></html>")
    with pytest.raises(CaptureUnavailable) as caught:
        archive.fetch_snapshot(only(archive))
    assert caught.value.outcome == "too-large"


def test_a_blocked_site_is_recorded_as_blocked(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE)
    fake_archive.blocked.add("example.org")
    with pytest.raises(CaptureUnavailable) as caught:
        archive.list_captures(URL)
    assert caught.value.outcome == "blocked"


def test_a_5xx_that_persists_is_a_transient_error(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.inject(503, count=10, path_prefix="/cdx")
    with pytest.raises(ArchiveError) as caught:
        archive.list_captures(URL)
    assert caught.value.transient


def test_a_5xx_once_is_retried(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE)
    fake_archive.inject(503, count=1, path_prefix="/cdx")
    assert len(archive.list_captures(URL)) == 1


def test_a_connection_reset_is_a_transient_error(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.inject("reset", count=10, path_prefix="/cdx")
    with pytest.raises(ArchiveError) as caught:
        archive.list_captures(URL)
    assert caught.value.transient


def test_a_429_is_not_retried_and_pauses_later_requests(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.inject(429, count=1, path_prefix="/cdx")
    with pytest.raises(RateLimited):
        archive.list_captures(URL)
    with pytest.raises(RateLimited):
        archive.list_captures(URL)
    assert len(fake_archive.requests) == 1


def test_retry_after_sets_the_length_of_the_pause(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.inject(429, count=1, path_prefix="/cdx", headers={"Retry-After": "120"})
    with pytest.raises(RateLimited) as caught:
        archive.list_captures(URL)
    assert caught.value.retry_after == 120
