"""The Wayback client against the fake archive: what it asks for and how each answer ends.

Recorded exchanges from ../shared/corpus/wayback are replayed by the fake where a behaviour was recorded.
"""

from __future__ import annotations

import gzip
import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from monitor.errors import ArchiveBlocked, ArchiveError, CaptureUnavailable, RateLimited
from monitor.models import Capture
from monitor.wayback.client import WaybackArchive
from monitor.wayback.firewall_breaker import BlockMemory
from monitor.wayback.settings import ArchiveSettings
from tests.corpus import WAYBACK
from tests.fake_archive import FakeArchive

URL = "https://example.org/privacy"
PAGE = (
    b"<html><head><title>Privacy</title></head><body><h1>Privacy policy</h1>"
    b"<p>We collect nothing about you: no name, no address, no cookies, no server logs of any kind.</p>"
    b"<p>Write to privacy@example.org with any question about this policy; we answer within a week.</p>"
    b"</body></html>"
)
USER_AGENT = "policy-monitor-tests (+mailto:tests@example.org)"

MakeClient = Callable[..., WaybackArchive]


@pytest.fixture
def make_client(fake_archive: FakeArchive) -> Iterator[MakeClient]:
    """Clients of the fake archive with fast test settings; keyword arguments override them."""
    clients: list[WaybackArchive] = []

    def make(**overrides: Any) -> WaybackArchive:
        settings = ArchiveSettings(
            base_url=fake_archive.base_url,
            user_agent=USER_AGENT,
            cdx_per_minute=6000,
            captures_per_second=200,
            timeout=5,
            retries=1,
            backoff=0.01,
            rate_limit_pause=0.5,
            block_cooldown=1.0,
            max_capture_bytes=200_000,
        )
        client = WaybackArchive(replace(settings, **overrides))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def archive(make_client: MakeClient) -> WaybackArchive:
    return make_client()


def only(archive: WaybackArchive) -> Capture:
    (capture,) = archive.list_captures(URL)
    return capture


def outcome_of(archive: WaybackArchive, capture: Capture) -> tuple[str, str]:
    with pytest.raises(CaptureUnavailable) as caught:
        archive.fetch_snapshot(capture)
    return caught.value.outcome, caught.value.reason


def playback_paths(fake_archive: FakeArchive) -> list[str]:
    return [r.path for r in fake_archive.requests if r.path.startswith("/web/")]


# -- CDX -------------------------------------------------------------------------------------------


def test_every_request_names_us_in_the_user_agent(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE)
    archive.fetch_snapshot(only(archive))
    assert {r.user_agent for r in fake_archive.requests} == {USER_AGENT}


def test_the_cdx_query_asks_for_distinct_content_since_the_cursor_without_filtering_statuses(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE)
    archive.list_captures(URL, since="20190101000000")
    query = fake_archive.requests[-1].query
    assert query["output"] == ["json"] and query["collapse"] == ["digest"] and query["from"] == ["20190101000000"]
    assert "filter" not in query  # redirects must be listed to be followed, revisits to be resolved


def test_multi_page_cdx_results_are_followed_without_repeats(
    make_client: MakeClient, fake_archive: FakeArchive
) -> None:
    for day in range(1, 8):
        fake_archive.add_capture(URL, f"202001{day:02d}000000", PAGE + str(day).encode())
    fake_archive.duplicate_rows = True
    captures = make_client(cdx_page_size=3).list_captures(URL)
    assert sum(r.path == "/cdx/search/cdx" for r in fake_archive.requests) >= 3
    assert [c.timestamp for c in captures] == [f"202001{day:02d}000000" for day in range(1, 8)]


def test_2026_resume_keys_are_passed_back_as_opaque_strings(make_client: MakeClient, fake_archive: FakeArchive) -> None:
    for day in range(1, 6):
        fake_archive.add_capture(URL, f"202001{day:02d}000000", PAGE + str(day).encode())
    fake_archive.resume_key_style = "b"
    fake_archive.trailing_empty_page = True
    captures = make_client(cdx_page_size=2).list_captures(URL)
    assert [c.timestamp for c in captures] == [f"202001{day:02d}000000" for day in range(1, 6)]
    # zlib + base64 (docs/wayback.md#resume-keys)
    assert fake_archive.requests[-1].query["resumeKey"][0].startswith("eJ")


def test_malformed_rows_are_skipped_and_the_listing_completes(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE)
    fake_archive.add_capture(URL, "20200201000000", PAGE + b"<!-- 2 -->")
    fake_archive.malformed_rows = True
    captures = archive.list_captures(URL)
    assert {c.timestamp for c in captures} >= {"20200101000000", "20200201000000"}
    assert all(c.original_url.startswith("https://example.org") for c in captures)


def test_a_policy_url_with_a_fragment_lists_the_captures_of_the_page(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE)
    assert [c.timestamp for c in archive.list_captures(f"{URL}#privacy")] == ["20200101000000"]
    assert fake_archive.requests[-1].query["url"] == [URL]


def test_two_captures_in_the_same_second_with_different_content_are_both_listed(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE)
    fake_archive.add_capture(URL, "20200101000000", PAGE + b"<!-- other -->")
    assert len({c.digest for c in archive.list_captures(URL)}) == 2


def test_a_revisit_row_takes_the_status_of_the_capture_it_repeats(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    first = fake_archive.add_capture(URL, "20200101000000", PAGE)
    fake_archive.add_capture(URL, "20200201000000", PAGE + b"<!-- changed -->")
    fake_archive.add_capture(URL, "20200301000000", PAGE, revisit=True)
    revisit = archive.list_captures(URL)[-1]
    assert (revisit.timestamp, revisit.digest, revisit.status, revisit.mimetype) == (
        "20200301000000",
        first.digest,
        200,
        "text/html",
    )


def test_a_blocked_site_is_recorded_as_blocked(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE)
    fake_archive.blocked.add("example.org")
    with pytest.raises(CaptureUnavailable) as caught:
        archive.list_captures(URL)
    assert caught.value.outcome == "blocked"


def test_a_site_excluded_by_robots_is_recorded_as_blocked(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE)
    fake_archive.robots_blocked.add("example.org")
    with pytest.raises(CaptureUnavailable) as caught:
        archive.list_captures(URL)
    assert caught.value.outcome == "blocked"


# -- playback --------------------------------------------------------------------------------------


def test_a_capture_is_fetched_in_id_mode_with_its_bytes(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE)
    snapshot = archive.fetch_snapshot(only(archive))
    assert snapshot.content == PAGE
    assert fake_archive.requests[-1].path == f"/web/20200101000000id_/{URL}"


def test_memento_datetime_is_trusted_over_the_requested_timestamp(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE, served_as="20200101000007")
    assert archive.fetch_snapshot(only(archive)).timestamp == "20200101000007"


def test_the_archives_redirect_to_a_near_capture_is_followed_and_its_time_recorded(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE, playable=False)
    fake_archive.add_capture(URL, "20200101060000", PAGE + b"<!-- later -->")
    snapshot = archive.fetch_snapshot(archive.list_captures(URL)[0])
    assert snapshot.timestamp == "20200101060000"


def test_a_redirect_to_a_capture_outside_the_window_is_no_capture(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE, playable=False)
    fake_archive.add_capture(URL, "20200301000000", PAGE + b"<!-- later -->")
    assert outcome_of(archive, archive.list_captures(URL)[0])[0] == "no-capture"


def test_a_redirect_off_the_archive_host_is_never_followed(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    elsewhere = FakeArchive().start()
    try:
        fake_archive.add_capture(URL, "20200101000000", PAGE)
        capture = only(archive)
        location = f"{elsewhere.base_url}/web/20200101000000id_/{URL}"
        fake_archive.inject(302, path_prefix="/web/", headers={"Location": location})
        outcome, reason = outcome_of(archive, capture)
        assert (outcome, "off the archive" in reason) == ("playback-error", True)
        assert elsewhere.requests == []
    finally:
        elsewhere.stop()


@pytest.mark.parametrize("form", ["absolute", "path", "scheme-relative"])
def test_an_archived_redirect_is_followed_to_the_capture_of_its_target(
    archive: WaybackArchive, fake_archive: FakeArchive, form: str
) -> None:
    fake_archive.redirect_location_form = form
    fake_archive.add_capture(URL, "20200101000000", b"", status=301, location="https://example.org/new-privacy")
    fake_archive.add_capture("https://example.org/new-privacy", "20200101000500", PAGE)
    snapshot = archive.fetch_snapshot(only(archive))
    assert (snapshot.content, snapshot.timestamp) == (PAGE, "20200101000500")
    assert snapshot.served_url == "https://example.org/new-privacy"
    assert snapshot.note == "followed archived 301 redirect to https://example.org/new-privacy"


def test_an_archived_redirect_loop_is_recorded_as_a_redirect_loop(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    other = "https://example.org/login"
    fake_archive.add_capture(URL, "20200101000000", b"", status=302, location=other)
    fake_archive.add_capture(other, "20200101000000", b"", status=302, location=URL)
    outcome, reason = outcome_of(archive, only(archive))
    assert (outcome, reason.startswith("redirect loop")) == ("redirect", True)
    assert len(playback_paths(fake_archive)) == 2


def test_a_redirect_chain_longer_than_the_hop_limit_is_recorded_as_a_redirect(
    make_client: MakeClient, fake_archive: FakeArchive
) -> None:
    for hop in range(4):
        fake_archive.add_capture(f"{URL}/{hop}", "20200101000000", b"", status=301, location=f"{URL}/{hop + 1}")
    fake_archive.add_capture(f"{URL}/4", "20200101000000", PAGE)
    client = make_client(max_redirect_hops=2)
    (capture,) = client.list_captures(f"{URL}/0")
    outcome, reason = outcome_of(client, capture)
    assert (outcome, "more than 2 redirects" in reason) == ("redirect", True)
    assert len(playback_paths(fake_archive)) == 3


def test_an_archived_redirect_whose_location_leaves_the_archive_is_not_followed(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE)
    capture = only(archive)
    moved = {"Location": "https://elsewhere.example/privacy", "Memento-Datetime": "Wed, 01 Jan 2020 00:00:00 GMT"}
    fake_archive.inject(301, path_prefix="/web/", headers=moved)
    outcome, reason = outcome_of(archive, capture)
    assert (outcome, "not followed" in reason) == ("redirect", True)
    assert len(playback_paths(fake_archive)) == 1


def test_a_page_over_the_size_limit_is_too_large(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", b"<html><body>" + b"x" * 300_000 + b"</body></html>")
    assert outcome_of(archive, only(archive))[0] == "too-large"


def test_a_capture_listed_with_an_error_status_is_low_quality_without_a_request(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE, status=403)
    capture = only(archive)
    assert outcome_of(archive, capture) == ("low-quality", "captured with status 403")
    assert playback_paths(fake_archive) == []


def test_a_capture_listed_as_not_html_is_not_html_without_a_request(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    fake_archive.add_capture(URL, "20200101000000", b"%PDF-1.4", mimetype="application/pdf")
    assert outcome_of(archive, only(archive))[0] == "not-html"
    assert playback_paths(fake_archive) == []


def test_a_capture_served_as_another_type_is_not_html(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", b"\x89PNG" + b"\0" * 400, mimetype="unk", content_type="image/png")
    assert outcome_of(archive, only(archive))[0] == "not-html"


def test_a_captured_cloudflare_challenge_is_low_quality(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    challenge = b"<html><head><title>Just a moment...</title></head><body>" + b" " * 300 + b"</body></html>"
    fake_archive.add_capture(URL, "20200101000000", challenge)
    outcome, reason = outcome_of(archive, only(archive))
    assert (outcome, "Cloudflare" in reason) == ("low-quality", True)


def test_an_archived_429_is_a_low_quality_capture_not_a_live_limit(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    fake_archive.add_capture(URL, "20200101000000", b"Too many requests", status=429, mimetype="text/html")
    capture = Capture("20200101000000", URL, "text/html", 200, "X")  # as if CDX had listed it as a 200
    assert outcome_of(archive, capture) == ("low-quality", "the archived page answered 429")
    assert archive.unavailable_for() == 0


def test_a_never_archived_url_is_no_capture(archive: WaybackArchive) -> None:
    assert outcome_of(archive, Capture("20200101000000", URL, "text/html", 200, "X"))[0] == "no-capture"


def test_playback_of_an_excluded_site_is_blocked(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE)
    capture = only(archive)
    fake_archive.blocked.add("example.org")
    assert outcome_of(archive, capture)[0] == "blocked"


def test_playback_of_a_site_excluded_by_robots_is_blocked(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE)
    capture = only(archive)
    fake_archive.robots_blocked.add("example.org")
    assert outcome_of(archive, capture)[0] == "blocked"


def test_a_doubled_content_encoding_header_still_yields_the_page(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    fake_archive.doubled_content_encoding = True
    fake_archive.add_capture(URL, "20200101000000", PAGE)
    assert archive.fetch_snapshot(only(archive)).content == PAGE


def test_a_payload_gzipped_by_the_site_is_stored_decompressed(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    fake_archive.add_capture(URL, "20200101000000", gzip.compress(PAGE), headers={"Content-Encoding": "gzip"})
    assert archive.fetch_snapshot(only(archive)).content == PAGE


def test_a_digest_that_does_not_match_the_bytes_does_not_stop_the_fetch(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE, chunked_digest=True)
    assert archive.fetch_snapshot(only(archive)).content == PAGE


# -- recorded exchanges replayed -------------------------------------------------------------------


def replayed(fake_archive: FakeArchive, cassette: str) -> Capture:
    """The first recorded request of ``cassette`` as the capture that asks for it."""
    first = fake_archive.replay(cassette)[0].target
    timestamp, _, original = first.removeprefix("/web/").partition("id_/")
    return Capture(timestamp, original, "text/html", 200, "X")


def test_recorded_historical_redirects_are_followed_to_the_target_page(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    capture = replayed(fake_archive, "test_get_memento_follows_historical_redirects")
    snapshot = archive.fetch_snapshot(capture)
    assert snapshot.timestamp == "20200201024405"
    assert snapshot.served_url == "https://www.epa.gov/sites/production/files/signpost/cc.html"
    assert len(playback_paths(fake_archive)) == 4


def test_a_recorded_redirect_loop_ends_as_a_redirect_loop(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    capture = replayed(fake_archive, "test_get_memento_raises_for_mementos_that_redirect_in_a_loop")
    outcome, reason = outcome_of(archive, capture)
    assert (outcome, reason.startswith("redirect loop")) == ("redirect", True)


@pytest.mark.parametrize(
    "cassette", ["test_get_memento_with_path_based_redirects", "test_get_memento_with_schemeless_redirects"]
)
def test_a_recorded_redirect_to_an_archived_404_is_a_redirect(
    archive: WaybackArchive, fake_archive: FakeArchive, cassette: str
) -> None:
    outcome, reason = outcome_of(archive, replayed(fake_archive, cassette))
    assert (outcome, reason.endswith("the archived page answered 404")) == ("redirect", True)


@pytest.mark.parametrize(
    ("cassette", "outcome"),
    [
        ("test_get_memento_raises_blocked_error", "blocked"),
        ("test_get_memento_raises_no_memento_error", "no-capture"),
        ("test_get_memento_raises_when_memento_is_outside_target_window", "no-capture"),
        ("test_get_memento_should_fail_for_non_playbackable_mementos", "no-capture"),
        ("test_get_memento_works_on_archived_rate_limit_responses", "low-quality"),
    ],
)
def test_recorded_unusable_captures_end_with_their_outcome(
    archive: WaybackArchive, fake_archive: FakeArchive, cassette: str, outcome: str
) -> None:
    assert outcome_of(archive, replayed(fake_archive, cassette))[0] == outcome
    assert archive.unavailable_for() == 0


def test_a_recorded_memento_is_stored_byte_for_byte(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    snapshot = archive.fetch_snapshot(replayed(fake_archive, "test_get_memento"))
    assert snapshot.content == (WAYBACK / "fws-gov-birds.txt").read_bytes()


def test_a_recorded_surt_equivalent_capture_names_the_url_actually_captured(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    snapshot = archive.fetch_snapshot(replayed(fake_archive, "test_get_memento_returns_memento_with_accurate_url"))
    assert snapshot.served_url == "https://www.fws.gov/"


def test_recorded_multipage_results_are_followed_to_the_empty_last_page_without_repeats(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    pages = fake_archive.replay("test_search_multipage", by="path")
    captures = archive.list_captures("cnn.com")
    sent_keys = [r.query["resumeKey"][0] for r in fake_archive.requests[1:]]
    recorded_keys = [page.body.decode().rstrip("\n").rpartition("\n")[2] for page in pages[:-1]]
    assert len(fake_archive.requests) == len(pages) == 15
    assert sent_keys == recorded_keys  # passed back untouched
    assert len({(c.timestamp, c.digest) for c in captures}) == len(captures)


def test_a_recorded_2026_listing_is_read_whole(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.replay("tutorial", by="path")
    captures = archive.list_captures("nasa.gov")
    assert captures[0].timestamp == "19961231235847" and captures[-1].timestamp == "20040905075719"
    assert len(fake_archive.requests) == 2  # the repeated key ends the listing


# -- retries ---------------------------------------------------------------------------------------


def test_a_5xx_that_persists_is_a_transient_error(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.inject(503, count=10, path_prefix="/cdx")
    with pytest.raises(ArchiveError) as caught:
        archive.list_captures(URL)
    assert caught.value.transient and len(fake_archive.requests) == 2


def test_a_5xx_once_is_retried(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE)
    fake_archive.inject(503, count=1, path_prefix="/cdx")
    assert len(archive.list_captures(URL)) == 1


def test_a_connection_reset_is_a_transient_error(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.inject("reset", count=10, path_prefix="/cdx")
    with pytest.raises(ArchiveError) as caught:
        archive.list_captures(URL)
    assert caught.value.transient and not isinstance(caught.value, ArchiveBlocked)


def test_a_body_cut_off_midway_is_fetched_again_whole(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE)
    capture = only(archive)
    fake_archive.inject("truncate", count=1, path_prefix="/web/")
    assert archive.fetch_snapshot(capture).content == PAGE
    assert len(playback_paths(fake_archive)) == 2


def test_an_answer_slower_than_the_timeout_is_retried(make_client: MakeClient, fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE)
    fake_archive.inject("slow:1.0", count=1, path_prefix="/cdx")
    assert len(make_client(timeout=0.3).list_captures(URL)) == 1


def test_retries_wait_for_their_slot_like_any_request(make_client: MakeClient, fake_archive: FakeArchive) -> None:
    fake_archive.inject(503, count=2, path_prefix="/cdx")
    client = make_client(cdx_per_minute=600, retries=2, backoff=0.0)  # one every 0.1 s
    client.list_captures(URL)
    released = [s.at for s in client.gate.sent]
    assert len(fake_archive.requests) == len(released) == 3
    assert all(b - a >= 0.1 for a, b in itertools.pairwise(released))


# -- 429 pauses ------------------------------------------------------------------------------------


def test_a_429_is_not_retried_and_pauses_later_requests(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.inject(429, count=1, path_prefix="/cdx")
    with pytest.raises(RateLimited):
        archive.list_captures(URL)
    with pytest.raises(RateLimited):
        archive.list_captures(URL)
    assert len(fake_archive.requests) == 1


def test_a_429_on_search_pauses_playback_too(archive: WaybackArchive, fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE)
    capture = only(archive)
    fake_archive.inject(429, count=1, path_prefix="/cdx")
    with pytest.raises(RateLimited):
        archive.list_captures(URL)
    with pytest.raises(RateLimited):
        archive.fetch_snapshot(capture)
    assert playback_paths(fake_archive) == []


def test_retry_after_in_seconds_sets_the_length_of_the_pause(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    fake_archive.inject(429, count=1, path_prefix="/cdx", headers={"Retry-After": "120"})
    with pytest.raises(RateLimited) as caught:
        archive.list_captures(URL)
    assert caught.value.retry_after == 120


def test_retry_after_as_an_http_date_sets_the_length_of_the_pause(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    fake_archive.inject(429, count=1, path_prefix="/cdx", headers={"Retry-After": when})
    with pytest.raises(RateLimited) as caught:
        archive.list_captures(URL)
    assert 85 <= (caught.value.retry_after or 0) <= 90


def test_the_pause_doubles_when_429s_repeat(make_client: MakeClient, fake_archive: FakeArchive) -> None:
    client = make_client(rate_limit_pause=0.2)
    fake_archive.inject(429, count=2, path_prefix="/cdx")
    pauses = []
    for _ in range(2):
        with pytest.raises(RateLimited) as caught:
            client.list_captures(URL)
        pauses.append(caught.value.retry_after)
        time.sleep(client.unavailable_for() + 0.01)
    assert pauses == [0.2, 0.4]


def test_clients_of_one_host_share_one_pause(make_client: MakeClient, fake_archive: FakeArchive) -> None:
    first, second = make_client(), make_client()
    fake_archive.inject(429, count=1, path_prefix="/cdx")
    with pytest.raises(RateLimited):
        first.list_captures(URL)
    with pytest.raises(RateLimited):
        second.list_captures(URL)
    assert first.gate is second.gate and len(fake_archive.requests) == 1


# -- firewall blocks -------------------------------------------------------------------------------


def test_a_run_of_refused_connections_opens_the_breaker(make_client: MakeClient, fake_archive: FakeArchive) -> None:
    client = make_client(retries=5, block_after_refusals=3)
    fake_archive.block_now(5.0)
    with pytest.raises(ArchiveBlocked) as caught:
        client.list_captures(URL)
    assert client.blocked_until() == caught.value.until
    assert len(client.gate.sent) == 3  # the third refusal stopped the retries


def test_nothing_is_sent_while_the_breaker_is_open(make_client: MakeClient, fake_archive: FakeArchive) -> None:
    client = make_client(retries=5)
    fake_archive.block_now(5.0)
    with pytest.raises(ArchiveBlocked):
        client.list_captures(URL)
    sent = len(client.gate.sent)
    with pytest.raises(ArchiveBlocked):
        client.fetch_snapshot(Capture("20200101000000", URL, "text/html", 200, "X"))
    assert len(client.gate.sent) == sent


def test_after_the_cooldown_a_refused_probe_reopens_the_breaker_for_twice_as_long(
    make_client: MakeClient, fake_archive: FakeArchive
) -> None:
    client = make_client(retries=5, block_cooldown=0.2)
    fake_archive.block_now(5.0)
    with pytest.raises(ArchiveBlocked) as first:
        client.list_captures(URL)
    time.sleep(0.25)
    sent = len(client.gate.sent)
    with pytest.raises(ArchiveBlocked) as second:
        client.list_captures(URL)
    assert len(client.gate.sent) == sent + 1
    assert (first.value.retry_after, second.value.retry_after) == (0.2, 0.4)


def test_the_archive_is_used_again_once_the_cooldown_is_over(
    make_client: MakeClient, fake_archive: FakeArchive
) -> None:
    fake_archive.add_capture(URL, "20200101000000", PAGE)
    client = make_client(retries=5, block_cooldown=0.5)
    fake_archive.block_now(0.3)
    with pytest.raises(ArchiveBlocked):
        client.list_captures(URL)
    time.sleep(0.55)
    assert len(client.list_captures(URL)) == 1 and client.blocked_until() is None


def test_a_restored_block_keeps_every_request_back_until_it_ends(
    archive: WaybackArchive, fake_archive: FakeArchive
) -> None:
    until = datetime.now(UTC) + timedelta(seconds=0.3)
    archive.restore_block(BlockMemory(until, repeats=0))
    with pytest.raises(ArchiveBlocked):
        archive.list_captures(URL)
    assert fake_archive.requests == [] and archive.blocked_until() == until
    time.sleep(0.35)
    archive.list_captures(URL)
    assert len(fake_archive.requests) == 1


def test_a_block_that_ended_before_a_restart_still_doubles_the_next(
    make_client: MakeClient, fake_archive: FakeArchive
) -> None:
    client = make_client(retries=5, block_cooldown=0.2)
    client.restore_block(BlockMemory(datetime.now(UTC) - timedelta(minutes=5), repeats=1))
    assert client.blocked_until() is None and fake_archive.requests == []
    fake_archive.block_now(5.0)
    with pytest.raises(ArchiveBlocked) as caught:
        client.list_captures(URL)
    assert caught.value.retry_after == 0.8  # block #3: 0.2 s doubled twice
    assert client.last_block() == BlockMemory(client.blocked_until(), repeats=2)  # type: ignore[arg-type]


def test_a_block_ended_over_a_day_ago_is_forgotten(make_client: MakeClient) -> None:
    client = make_client()
    client.restore_block(BlockMemory(datetime.now(UTC) - timedelta(days=2), repeats=4))
    assert client.last_block() is None
