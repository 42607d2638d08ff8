"""Faults of the archive, through the real poll workflow against the fake archive.

In each, once the faults stop, the next poll records exactly the captures that exist, each once, and neither the
client's gate nor the fake archive's own log shows a request during a back-off. Time is scaled down: a 429 pause
of 0.5 s, a firewall cool-down of 1 s.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from jobs.app import App, open_app
from jobs.poll import PollReport, poll_due
from monitor.wayback.client import WaybackArchive
from storage import queries
from tests.apps import make_settings
from tests.fake_archive import FakeArchive, FakeCapture
from tests.fake_archive.corpus import history_versions

BLUESKY, BEREAL = "https://bsky.social/about/support/privacy-policy", "https://bereal.com/en/privacy"
POLICIES = {"Bluesky": (BLUESKY, "bluesky-privacy-policy"), "BeReal": (BEREAL, "bereal-privacy-policy")}
NAMES = tuple(POLICIES)


@pytest.fixture
def app(fake_archive: FakeArchive, sqlite_url: str) -> Iterator[App]:
    yield from _app(fake_archive, sqlite_url, POLICIES)


def _app(
    fake_archive: FakeArchive, database_url: str, policies: dict[str, tuple[str, str]], **archive: object
) -> Iterator[App]:
    settings = make_settings(
        database_url=database_url,
        archive_url=fake_archive.base_url,
        smtp_port=2525,  # nothing is delivered while polling
        policies=[{"name": name, "url": url} for name, (url, _) in policies.items()],
    )
    fast = {"retries": 2, "backoff": 0.01, "timeout": 2.0, "rate_limit_pause": 0.5, "block_cooldown": 1.0} | archive
    application = open_app(settings, archive=WaybackArchive(replace(settings.archive, **fast)))  # type: ignore[arg-type]
    yield application
    application.close()


def add_histories(fake_archive: FakeArchive, count: int = 3) -> dict[str, list[FakeCapture]]:
    return {name: fake_archive.add_history(document, url, count=count) for name, (url, document) in POLICIES.items()}


def recorded(app: App, name: str) -> list[tuple[str, str]]:
    with app.database.reader() as session:
        policy = queries.policy_by_name(session, name)
        assert policy is not None
        return [(c.timestamp, c.outcome) for c in queries.captures(session, policy.id)]


def timestamps(captures: list[FakeCapture]) -> list[str]:
    return [c.timestamp for c in captures]


def poll_until_quiet(app: App, names: tuple[str, ...] = NAMES, rounds: int = 6) -> None:
    """Poll the named policies, waiting out any back-off, until each has had a poll without an error."""
    pending, reports = set(names), list[PollReport]()
    for _ in range(rounds):
        time.sleep(app.archive.unavailable_for())
        reports = poll_due(app, names=tuple(sorted(pending)))
        pending -= {r.policy for r in reports if r.error is None}
        if not pending:
            return
    raise AssertionError(f"still failing: {[r.error for r in reports]}")


def assert_every_capture_recorded_once(app: App, expected: dict[str, list[str]]) -> None:
    for name, stamps in expected.items():
        assert [ts for ts, _ in recorded(app, name)] == sorted(stamps), name


def assert_silent_during_backoffs(app: App, fake_archive: FakeArchive) -> None:
    """Neither an attempt through the gate nor an arrival at the archive inside any pause or block."""
    backoffs = app.archive.gate.backoffs
    sent = [s.at for s in app.archive.gate.sent]
    arrived = [r.time for r in fake_archive.requests]
    for backoff in backoffs:
        assert not [t for t in sent if backoff.start < t < backoff.end], backoff
        # An answer in flight when the pause began may arrive a moment later; none may arrive well inside it.
        assert not [t for t in arrived if backoff.start + 0.05 < t < backoff.end], backoff


# -- rate limits -----------------------------------------------------------------------------------


def test_worker_threads_sharing_the_limiter_never_exceed_the_archives_own_limits(
    fake_archive: FakeArchive, sqlite_url: str
) -> None:
    policies = {f"P{n}": (f"https://site{n}.example/privacy", "bluesky-privacy-policy") for n in range(9)}
    for n, (url, document) in enumerate(policies.values()):
        for index, version in enumerate(history_versions(document)[:2]):
            page = fake_archive.render_history_version(document, index) + f"<!-- site {n} -->".encode()
            fake_archive.add_capture(url, version.timestamp, page)
    fake_archive.limit_cdx(per_minute=600, window=2.0)  # 10 per second, counted by the archive over 2 s
    fake_archive.limit_playback(per_minute=1200, window=2.0)  # 20 per second
    app = next(_app(fake_archive, sqlite_url, policies, cdx_per_minute=600, captures_per_second=20))
    try:
        names = sorted(policies)
        # Each worker polls its own policies: SQLite claims do not keep two workers off one policy.
        workers = [
            threading.Thread(target=poll_due, args=(app,), kwargs={"names": tuple(names[i::3])}) for i in range(3)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=30)
        assert [r.status for r in fake_archive.requests].count(429) == 0
        for prefix, allowed in (("/cdx", 20), ("/web/", 40)):
            times = [r.time for r in fake_archive.requests if r.path.startswith(prefix)]
            assert max(sum(1 for t in times if start <= t < start + 2.0) for start in times) <= allowed
        assert all(len(recorded(app, name)) == 2 for name in policies)
    finally:
        app.close()


# -- 429 -------------------------------------------------------------------------------------------


def test_a_429_storm_without_retry_after_pauses_all_requests_and_never_brings_the_firewall(
    fake_archive: FakeArchive, sqlite_url: str
) -> None:
    policies = {f"P{n}": (f"https://site{n}.example/privacy", "bluesky-privacy-policy") for n in range(6)}
    for url, document in policies.values():
        fake_archive.add_history(document, url, count=1)
    fake_archive.limit_cdx(per_minute=240, window=1.0)  # 4 per second, while the client believes in 6
    fake_archive.enable_firewall(after=0.4, duration=60.0)
    app = next(_app(fake_archive, sqlite_url, policies, cdx_per_minute=360))
    try:
        poll_until_quiet(app, tuple(policies), rounds=10)
        assert fake_archive.firewall_blocks == []
        assert [b.kind for b in app.archive.gate.backoffs][:1] == ["pause"]
        assert all(len(recorded(app, name)) == 1 for name in policies)
        assert_silent_during_backoffs(app, fake_archive)
    finally:
        app.close()


def test_a_429_with_retry_after_pauses_for_as_long_as_asked(app: App, fake_archive: FakeArchive) -> None:
    captures = add_histories(fake_archive)
    fake_archive.inject(429, count=1, path_prefix="/web/", headers={"Retry-After": "1"})
    first = poll_due(app)
    assert first[0].error is not None and len(first) == 1  # the run stopped at the 429
    (pause,) = app.archive.gate.backoffs
    assert pause.end - pause.start == pytest.approx(1.0, abs=0.01)
    poll_until_quiet(app)
    assert_every_capture_recorded_once(app, {name: timestamps(c) for name, c in captures.items()})
    assert_silent_during_backoffs(app, fake_archive)


def test_a_poll_during_a_pause_claims_nothing_and_sends_nothing(app: App, fake_archive: FakeArchive) -> None:
    add_histories(fake_archive)
    fake_archive.inject(429, count=1, path_prefix="/cdx")
    poll_due(app)
    sent = len(fake_archive.requests)
    assert poll_due(app) == [] and len(fake_archive.requests) == sent


# -- transient failures ----------------------------------------------------------------------------


@pytest.mark.parametrize("fault", [503, "reset", "truncate", "slow:0.6"])
def test_a_persistent_fault_stops_only_its_policy_and_the_next_poll_records_each_capture_once(
    fake_archive: FakeArchive, sqlite_url: str, fault: int | str
) -> None:
    captures = add_histories(fake_archive)
    app = next(_app(fake_archive, sqlite_url, POLICIES, timeout=0.3))
    try:
        broken = captures["Bluesky"][1].timestamp
        fake_archive.inject(fault, count=1000, path_prefix=f"/web/{broken}")
        reports = {r.policy: r for r in poll_due(app)}
        assert reports["Bluesky"].error is not None and reports["BeReal"].error is None
        assert [ts for ts, _ in recorded(app, "Bluesky")] == [captures["Bluesky"][0].timestamp]
        fake_archive.clear_faults()
        poll_until_quiet(app)
        assert_every_capture_recorded_once(app, {name: timestamps(c) for name, c in captures.items()})
        assert {outcome for name in NAMES for _, outcome in recorded(app, name)} == {"stored"}
    finally:
        app.close()


@pytest.mark.parametrize("fault", [503, "reset", "truncate", "slow:0.6"])
def test_a_passing_fault_is_retried_within_the_poll(
    fake_archive: FakeArchive, sqlite_url: str, fault: int | str
) -> None:
    captures = add_histories(fake_archive)
    app = next(_app(fake_archive, sqlite_url, POLICIES, timeout=0.3))
    try:
        fake_archive.inject(fault, count=2, path_prefix="/web/")
        assert [r.error for r in poll_due(app)] == [None, None]
        assert_every_capture_recorded_once(app, {name: timestamps(c) for name, c in captures.items()})
    finally:
        app.close()


# -- captures that cannot be had -------------------------------------------------------------------


def test_a_capture_redirecting_in_a_loop_is_recorded_once_as_a_redirect_loop(
    app: App, fake_archive: FakeArchive
) -> None:
    captures = add_histories(fake_archive, count=2)
    login = "https://bsky.social/login"
    fake_archive.add_capture(BLUESKY, "20250101000000", b"", status=302, location=login)
    fake_archive.add_capture(login, "20250101000000", b"", status=302, location=BLUESKY)
    poll_until_quiet(app)
    assert recorded(app, "Bluesky")[-1] == ("20250101000000", "redirect")
    fake_archive.clear_requests()
    poll_until_quiet(app)
    assert [r.path for r in fake_archive.requests if r.path.startswith("/web/")] == []
    expected = {name: timestamps(c) for name, c in captures.items()}
    assert_every_capture_recorded_once(app, expected | {"Bluesky": [*expected["Bluesky"], "20250101000000"]})


def test_a_redirect_off_the_archive_is_recorded_and_never_followed(app: App, fake_archive: FakeArchive) -> None:
    captures = add_histories(fake_archive, count=2)
    elsewhere = FakeArchive().start()
    try:
        target = captures["Bluesky"][1].timestamp
        location = f"{elsewhere.base_url}/web/{target}id_/{BLUESKY}"
        fake_archive.inject(302, count=1000, path_prefix=f"/web/{target}", headers={"Location": location})
        poll_until_quiet(app)
        assert recorded(app, "Bluesky")[-1] == (target, "playback-error")
        assert elsewhere.requests == []
        assert_every_capture_recorded_once(app, {name: timestamps(c) for name, c in captures.items()})
    finally:
        elsewhere.stop()


def test_a_blocked_site_records_nothing_until_unblocked_then_everything_once(
    app: App, fake_archive: FakeArchive
) -> None:
    captures = add_histories(fake_archive)
    fake_archive.blocked.add("bsky.social")
    reports = {r.policy: r for r in poll_due(app)}
    assert "excluded" in (reports["Bluesky"].error or "") and recorded(app, "Bluesky") == []
    fake_archive.blocked.clear()
    poll_until_quiet(app)
    assert_every_capture_recorded_once(app, {name: timestamps(c) for name, c in captures.items()})


# -- firewall --------------------------------------------------------------------------------------


def test_a_firewall_block_stops_the_whole_run_and_nothing_is_sent_until_the_cooldown_ends(
    app: App, fake_archive: FakeArchive
) -> None:
    captures = add_histories(fake_archive)
    fake_archive.block_now(0.8)
    reports = poll_due(app)
    assert len(reports) == 1 and "refuses connections" in (reports[0].error or "")
    assert app.archive.blocked_until() is not None
    assert poll_due(app) == []  # nothing claimed, nothing sent during the cool-down
    poll_until_quiet(app)
    assert_every_capture_recorded_once(app, {name: timestamps(c) for name, c in captures.items()})
    (block,) = [b for b in app.archive.gate.backoffs if b.kind == "block"]
    assert block.end - block.start == pytest.approx(1.0, abs=0.01)
    assert_silent_during_backoffs(app, fake_archive)


def test_the_doubling_of_firewall_blocks_survives_a_restart(fake_archive: FakeArchive, sqlite_url: str) -> None:
    add_histories(fake_archive)
    fake_archive.block_now(1.5)
    app = next(_app(fake_archive, sqlite_url, POLICIES))
    poll_due(app)
    time.sleep(app.archive.unavailable_for())
    app.close()  # the daemon stops after its block is over, while the archive still refuses
    restarted = next(_app(fake_archive, sqlite_url, POLICIES))
    poll_due(restarted, names=NAMES)
    (block,) = [b for b in restarted.archive.gate.backoffs if b.kind == "block"]
    restarted.close()
    assert round(block.end - block.start, 2) == 2.0


def test_a_policy_left_unpolled_by_a_block_keeps_no_poll_time_and_stays_due(
    app: App, fake_archive: FakeArchive
) -> None:
    add_histories(fake_archive)
    fake_archive.block_now(0.8)
    (report,) = poll_due(app)
    (other,) = set(NAMES) - {report.policy}
    with app.database.reader() as session:
        skipped = queries.policy_by_name(session, other)
    assert skipped is not None
    assert (skipped.last_polled_at, skipped.next_poll_at, skipped.claimed_by, skipped.last_error) == (None,) * 4


def test_the_firewall_block_doubles_when_the_archive_still_refuses_after_the_cooldown(
    app: App, fake_archive: FakeArchive
) -> None:
    add_histories(fake_archive)
    fake_archive.block_now(1.5)
    poll_due(app)
    time.sleep(app.archive.unavailable_for())
    poll_due(app, names=NAMES)
    lengths = [round(b.end - b.start, 2) for b in app.archive.gate.backoffs if b.kind == "block"]
    assert lengths == [1.0, 2.0]
    starts = [b.start for b in app.archive.gate.backoffs]
    assert [round(b - a, 1) for a, b in itertools.pairwise(starts)] == [1.0]
