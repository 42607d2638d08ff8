"""Subscriptions through the real poll and delivery workflows: filters, digests, webhooks, Apprise."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jobs import history
from jobs.app import App
from jobs.config import Settings
from jobs.deliver import deliver_pending
from jobs.poll import poll_due
from storage import queries
from tests.apps import make_settings, start_app
from tests.fake_archive import FakeArchive
from tests.http_receiver import HttpReceiver
from tests.smtp_server import SmtpServer

URL = "https://bsky.social/about/support/privacy-policy"
HISTORY = "bluesky-privacy-policy"
SECRET = "webhook-secret-for-tests"


@pytest.fixture
def make_app(fake_archive: FakeArchive, smtp_server: SmtpServer, sqlite_url: str) -> Iterator[Any]:
    """An app with the given subscriptions (and no plain recipients), its history imported and one new version."""
    apps: list[App] = []

    def make(subscriptions: Sequence[dict[str, Any]], new_versions: int = 1) -> App:
        app = start_app(settings_with(subscriptions, fake_archive, smtp_server, sqlite_url))
        apps.append(app)
        fake_archive.add_history(HISTORY, URL, count=1)
        poll_due(app)
        fake_archive.add_history(HISTORY, URL, count=new_versions, start=1)
        poll_due(app, names=("Bluesky",))
        return app

    yield make
    for app in apps:
        app.close()


def settings_with(
    subscriptions: Sequence[dict[str, Any]], fake_archive: FakeArchive, smtp_server: SmtpServer, database_url: str
) -> Settings:
    return make_settings(
        database_url=database_url,
        archive_url=fake_archive.base_url,
        smtp_port=smtp_server.port,
        policies=[{"name": "Bluesky", "url": URL}],
        recipients=(),
        subscriptions=subscriptions,
    )


def counts(app: App) -> dict[str, int]:
    with app.database.reader() as session:
        return queries.alert_counts(session)


def test_a_section_filter_that_matches_nothing_queues_nothing_for_that_subscriber(make_app: Any) -> None:
    app = make_app(
        [
            {"email": "everything@example.org"},
            {"email": "narrow@example.org", "sections": "quantum entanglement"},
        ]
    )
    with app.database.reader() as session:
        assert [a.recipient for a in queries.alerts(session)] == ["everything@example.org"]


def test_a_policy_glob_that_does_not_match_queues_nothing(make_app: Any) -> None:
    app = make_app([{"email": "other@example.org", "policies": ["Face*"]}])
    assert counts(app) == {}


def test_a_daily_digest_gathers_every_change_into_one_email_when_the_day_is_over(
    make_app: Any, smtp_server: SmtpServer
) -> None:
    app = make_app([{"email": "digest@example.org", "mode": "daily"}], new_versions=2)
    assert counts(app) == {"held": 2}
    assert deliver_pending(app).sent == 0  # the day is not over
    report = deliver_pending(app, now=datetime.now(UTC) + timedelta(days=1, minutes=1))
    assert (report.digests, report.sent) == (1, 1)
    (message,) = smtp_server.messages
    assert "daily digest" in str(message["Subject"])
    assert counts(app) == {"digested": 2, "sent": 1}


def test_a_webhook_gets_signed_json_and_is_retried_after_a_503(
    make_app: Any, http_receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICY_MONITOR_TEST_WEBHOOK_SECRET", SECRET)
    app = make_app([{"webhook": http_receiver.url("/hook"), "secret_env": "POLICY_MONITOR_TEST_WEBHOOK_SECRET"}])
    http_receiver.answer(503)
    assert deliver_pending(app).retrying == 1
    assert deliver_pending(app, now=datetime.now(UTC) + timedelta(hours=2)).sent == 1
    first, second = http_receiver.requests
    assert first.body == second.body and first.headers["idempotency-key"] == second.headers["idempotency-key"]
    expected = "sha256=" + hmac.new(SECRET.encode(), second.body, hashlib.sha256).hexdigest()
    assert second.headers["x-policy-monitor-signature"] == expected
    assert second.json()["policy"]["name"] == "Bluesky"


def test_a_webhook_whose_secret_is_not_set_waits_and_says_why(make_app: Any, http_receiver: HttpReceiver) -> None:
    app = make_app([{"webhook": http_receiver.url("/hook"), "secret_env": "POLICY_MONITOR_TEST_UNSET_SECRET"}])
    deliver_pending(app)
    with app.database.reader() as session:
        (retry,) = history.alert_status(session)["retrying"]
    assert "$POLICY_MONITOR_TEST_UNSET_SECRET is not set" in retry["error"]
    assert http_receiver.requests == []


def test_an_apprise_url_from_the_environment_receives_the_alert(
    make_app: Any, http_receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICY_MONITOR_TEST_APPRISE_URL", f"json://127.0.0.1:{http_receiver.port}/apprise")
    app = make_app([{"name": "chat", "apprise_env": "POLICY_MONITOR_TEST_APPRISE_URL"}])
    assert deliver_pending(app).sent == 1
    (request,) = http_receiver.requests
    assert request.path == "/apprise" and "Bluesky" in request.body.decode()
    with app.database.reader() as session:
        (alert,) = queries.alerts(session)
    assert alert.recipient == "$POLICY_MONITOR_TEST_APPRISE_URL"  # the URL (with its tokens) is never stored


def test_an_alert_for_a_subscription_stopped_before_sending_is_cancelled_not_sent(
    make_app: Any, smtp_server: SmtpServer, fake_archive: FakeArchive, sqlite_url: str
) -> None:
    app = make_app([{"email": "leaving@example.org"}])
    # restarted with the subscription gone from the config
    start_app(settings_with([], fake_archive, smtp_server, sqlite_url)).close()
    assert deliver_pending(app).cancelled == 1
    assert smtp_server.messages == [] and counts(app) == {"cancelled": 1}
