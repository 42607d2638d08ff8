"""Delivery from the outbox over real SMTP: sent once, retried when the server falters, failed when it refuses."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from jobs import history
from jobs.app import App
from jobs.deliver import deliver_pending
from jobs.poll import poll_due
from storage import queries
from storage.alerts_outbox import claim_pending_alerts
from tests.apps import RECIPIENTS, make_settings, start_app
from tests.fake_archive import FakeArchive
from tests.smtp_server import SmtpServer

URL = "https://bsky.social/about/support/privacy-policy"
HISTORY = "bluesky-privacy-policy"
LATER = timedelta(hours=2)  # past any back-off of the first retries


@pytest.fixture
def app(fake_archive: FakeArchive, smtp_server: SmtpServer, sqlite_url: str) -> Iterator[App]:
    """An app with one change queued for each recipient."""
    settings = make_settings(
        database_url=sqlite_url,
        archive_url=fake_archive.base_url,
        smtp_port=smtp_server.port,
        policies=[{"name": "Bluesky", "url": URL}],
    )
    application = start_app(settings)
    fake_archive.add_history(HISTORY, URL, count=1)
    poll_due(application)
    fake_archive.add_history(HISTORY, URL, count=1, start=1)
    poll_due(application, names=("Bluesky",))
    yield application
    application.close()


def statuses(app: App) -> dict[str, int]:
    with app.database.reader() as session:
        return queries.alert_counts(session)


def test_each_queued_alert_is_sent_once(app: App, smtp_server: SmtpServer) -> None:
    assert deliver_pending(app).sent == len(RECIPIENTS)
    assert deliver_pending(app, now=datetime.now(UTC) + LATER).sent == 0
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(RECIPIENTS)


def test_a_temporary_refusal_stays_queued_and_is_sent_on_a_later_run(app: App, smtp_server: SmtpServer) -> None:
    smtp_server.fail_next(len(RECIPIENTS), code=451)
    assert deliver_pending(app).retrying == len(RECIPIENTS)
    assert deliver_pending(app).sent == 0  # not due again yet: backing off
    assert deliver_pending(app, now=datetime.now(UTC) + LATER).sent == len(RECIPIENTS)
    assert statuses(app) == {"sent": len(RECIPIENTS)}
    assert len(smtp_server.messages) == len(RECIPIENTS)


def test_a_server_that_is_down_then_back_gets_everything_once(app: App, smtp_server: SmtpServer) -> None:
    smtp_server.stop()
    assert deliver_pending(app).retrying == len(RECIPIENTS)
    smtp_server.start()
    deliver_pending(app, now=datetime.now(UTC) + LATER)
    deliver_pending(app, now=datetime.now(UTC) + 2 * LATER)
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(RECIPIENTS)


def test_a_permanent_refusal_is_marked_failed_and_shown_by_status(app: App, smtp_server: SmtpServer) -> None:
    smtp_server.fail_next(len(RECIPIENTS), code=550)
    assert deliver_pending(app).failed == len(RECIPIENTS)
    assert deliver_pending(app, now=datetime.now(UTC) + LATER).sent == 0
    with app.database.reader() as session:
        status = history.alert_status(session)
    assert status["counts"] == {"failed": len(RECIPIENTS)}
    assert sorted(f["recipient"] for f in status["failed"]) == sorted(RECIPIENTS)
    assert all("550" in f["error"] for f in status["failed"])


def test_an_alert_held_by_a_sender_that_died_is_sent_after_its_lease_with_the_same_message_id(
    app: App, smtp_server: SmtpServer
) -> None:
    now = datetime.now(UTC) + timedelta(seconds=1)
    with app.database.transaction() as session:
        claimed = claim_pending_alerts(session, owner="crashed", now=now, limit=10, lease=timedelta(minutes=10))
    message_ids = sorted(alert.message_id for alert in claimed)
    assert deliver_pending(app, now=now).sent == 0
    assert deliver_pending(app, now=now + timedelta(minutes=11)).sent == len(RECIPIENTS)
    assert sorted(m["Message-ID"] for m in smtp_server.messages) == message_ids
