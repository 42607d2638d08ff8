"""Bounded waits: every request to the archive ends by its deadline, and a stop ends every wait at once.

A hostile archive trickles its answer one byte at a time (no read ever times out) or reads the request and never
answers; a stop comes while the pacer holds a request back, during the back-off before a retry, or while a 429
has slowed the pace. "Within 10 s" is the spec of a bounded wait, not a measurement.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from jobs.app import App, open_app
from jobs.poll import PollReport, poll_due
from monitor.errors import ArchiveError, Interrupted
from monitor.wayback.client import WaybackArchive
from monitor.wayback.settings import ArchiveSettings
from storage import queries
from storage.schema import PolicyRecord
from tests.apps import make_settings
from tests.fake_archive import FakeArchive
from tests.test_daemon import wait_for

URL = "https://bsky.social/about/support/privacy-policy"
OTHER_URL = "https://bereal.com/en/privacy"
HISTORY = "bluesky-privacy-policy"
BOUND = 10.0  # seconds: the spec of every bounded wait here

MakeClient = Callable[..., WaybackArchive]


def within_bound(work: Callable[[], Any]) -> Any:
    """What ``work`` returns or raises, asserting that it ends within the bound."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed to the test thread
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(BOUND)
    assert not thread.is_alive(), f"still waiting after {BOUND} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


class Background:
    """``work`` running in a thread, and what it raised."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self.error: BaseException | None = None
        self._work = work
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._work()
        except BaseException as error:
            self.error = error

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def interrupted_within_bound(self) -> bool:
        self._thread.join(BOUND)
        return not self._thread.is_alive() and isinstance(self.error, Interrupted)


@pytest.fixture
def make_client(fake_archive: FakeArchive) -> Iterator[MakeClient]:
    clients: list[WaybackArchive] = []

    def make(**overrides: Any) -> WaybackArchive:
        settings = ArchiveSettings(
            base_url=fake_archive.base_url,
            user_agent="policy-monitor-tests (+mailto:tests@example.org)",
            cdx_per_minute=6000,
            captures_per_second=200,
            timeout=60,
            request_deadline=60,
            retries=0,
            backoff=0.01,
        )
        clients.append(WaybackArchive(replace(settings, **overrides)))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


def open_test_app(fake_archive: FakeArchive, database_url: str, smtp_port: int = 2525, **archive: Any) -> App:
    settings = make_settings(
        database_url=database_url,
        archive_url=fake_archive.base_url,
        smtp_port=smtp_port,
        policies=[{"name": "Bluesky", "url": URL}, {"name": "BeReal", "url": OTHER_URL}],
    )
    fast = {"retries": 1, "backoff": 0.01, "rate_limit_pause": 0.5} | archive
    return open_app(settings, archive=WaybackArchive(replace(settings.archive, **fast)))


def policy_rows(app: App) -> dict[str, tuple[str | None, str | None]]:
    """name -> (claimed_by, last_error)."""
    with app.database.reader() as session:
        return {p.name: (p.claimed_by, p.last_error) for p in session.scalars(select(PolicyRecord))}


# -- the request deadline ----------------------------------------------------------------------------------------


def test_a_trickled_cdx_listing_is_cut_off_at_the_request_deadline(
    make_client: MakeClient, fake_archive: FakeArchive
) -> None:
    fake_archive.inject("trickle:0.2", count=5, path_prefix="/cdx")
    client = make_client(request_deadline=1.0, retries=1)
    with pytest.raises(ArchiveError, match="deadline") as raised:
        within_bound(lambda: client.list_captures(URL))
    assert raised.value.transient


def test_an_archive_that_reads_the_request_and_never_answers_is_cut_off_at_the_request_deadline(
    make_client: MakeClient, fake_archive: FakeArchive
) -> None:
    fake_archive.inject("hang", count=5, path_prefix="/cdx")
    client = make_client(request_deadline=1.0)
    with pytest.raises(ArchiveError, match="deadline"):
        within_bound(lambda: client.list_captures(URL))


def test_a_trickling_capture_fails_its_poll_at_the_deadline_and_is_stored_by_the_next_poll(
    fake_archive: FakeArchive, sqlite_url: str
) -> None:
    captures = fake_archive.add_history(HISTORY, URL, count=2)
    app = open_test_app(fake_archive, sqlite_url, request_deadline=1.0)
    try:
        fake_archive.inject("trickle:0.2", count=2, path_prefix="/web/")  # the first capture, and its one retry
        reports: list[PollReport] = within_bound(lambda: poll_due(app, names=("Bluesky",)))
        assert reports[0].error is not None and "deadline" in reports[0].error
        assert policy_rows(app)["Bluesky"] == (None, reports[0].error)
        with app.database.reader() as session:
            policy = queries.policy_by_name(session, "Bluesky")
            assert policy is not None and policy.cursor is None  # not past the capture that was not stored
            assert queries.captures(session, policy.id) == []
        assert poll_due(app, names=("Bluesky",))[0].error is None
        with app.database.reader() as session:
            stored = [c.timestamp for c in queries.captures(session, policy.id)]
        assert stored == [c.timestamp for c in captures]
    finally:
        app.close()


# -- interrupting ------------------------------------------------------------------------------------------------


def test_interrupting_abandons_a_request_the_archive_never_answers(
    make_client: MakeClient, fake_archive: FakeArchive
) -> None:
    fake_archive.inject("hang", count=5, path_prefix="/cdx")
    client = make_client()
    work = Background(lambda: client.list_captures(URL))
    assert wait_for(lambda: any(r.fault == "hang" for r in fake_archive.requests))
    client.interrupt()
    assert work.interrupted_within_bound()


def test_interrupting_abandons_an_answer_trickling_in(make_client: MakeClient, fake_archive: FakeArchive) -> None:
    fake_archive.inject("trickle:0.2", count=5, path_prefix="/cdx")
    client = make_client()
    work = Background(lambda: client.list_captures(URL))
    assert wait_for(lambda: any(r.fault == "trickle" for r in fake_archive.requests))
    client.interrupt()
    assert work.interrupted_within_bound()


def test_interrupting_wakes_a_request_the_pacer_holds_back(make_client: MakeClient, fake_archive: FakeArchive) -> None:
    client = make_client(cdx_per_minute=1.0)  # the second listing may leave a minute after the first
    client.list_captures(URL)
    work = Background(lambda: client.list_captures(URL))
    work.join(0.5)
    assert len(fake_archive.requests) == 1  # held back by the pacer
    client.interrupt()
    assert work.interrupted_within_bound()
    assert len(fake_archive.requests) == 1


def test_interrupting_wakes_the_back_off_before_a_retry(make_client: MakeClient, fake_archive: FakeArchive) -> None:
    fake_archive.inject(503, count=5, path_prefix="/cdx")
    client = make_client(retries=3, backoff=300.0)
    work = Background(lambda: client.list_captures(URL))
    assert wait_for(lambda: len(fake_archive.requests) == 1)
    client.interrupt()
    assert work.interrupted_within_bound()
    assert len(fake_archive.requests) == 1


def test_an_interrupted_client_sends_nothing_more(make_client: MakeClient, fake_archive: FakeArchive) -> None:
    client = make_client()
    client.interrupt()
    with pytest.raises(Interrupted):
        client.list_captures(URL)
    assert fake_archive.requests == []
