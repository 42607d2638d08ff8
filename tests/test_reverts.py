"""A version that returns to an earlier text: told to whoever was told of what it undoes, and to nobody else.

The texts are Bluesky's real privacy policy of 2024-03-14 and the same with one clause added to its Service
Providers section, served by the fake archive and polled as the daemon polls them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from email.message import EmailMessage
from typing import Any

import pytest

from jobs import history
from jobs.app import App
from jobs.deliver import deliver_pending
from jobs.poll import poll_due
from tests.apps import start_app
from tests.corpus import HISTORIES
from tests.fake_archive import FakeArchive
from tests.fake_archive.corpus import render_policy_page
from tests.smtp_server import SmtpServer
from tests.test_subscription_delivery import URL, settings_with

ORIGINAL = (HISTORIES / "bluesky-privacy-policy" / "20240314123133.md").read_text()
PROVIDERS = "customer service, and related services."
SOLD = ORIGINAL.replace(PROVIDERS, PROVIDERS + " We may also sell information about you to data brokers.")
LINK_ONLY = ORIGINAL.replace("](https://bsky.social/about/support/contact)", "](https://bsky.social/contact)")


@pytest.fixture
def polled(fake_archive: FakeArchive, smtp_server: SmtpServer, sqlite_url: str) -> Iterator[Any]:
    """An app that has imported ``ORIGINAL`` and polled each later text in turn (one capture a day)."""
    apps: list[App] = []

    def poll(subscriptions: Sequence[dict[str, Any]], texts: Sequence[str]) -> App:
        app = start_app(settings_with(subscriptions, fake_archive, smtp_server, sqlite_url))
        apps.append(app)
        for day, text in enumerate([ORIGINAL, *texts], start=1):
            fake_archive.add_capture(URL, f"202501{day:02d}120000", render_policy_page(text, "Privacy Policy"))
            poll_due(app, names=("Bluesky",))
        return app

    yield poll
    for app in apps:
        app.close()


def _sent_to(app: App, smtp_server: SmtpServer) -> list[tuple[str, str]]:
    deliver_pending(app)
    return [(str(m["To"]), str(m["Subject"])) for m in smtp_server.messages]


def _text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def test_a_revert_of_an_alerted_clause_is_told_to_the_subscription_filtered_on_its_words(
    polled: Any, smtp_server: SmtpServer
) -> None:
    app = polled([{"email": "dpo@example.org", "sections": "sell|broker"}], [SOLD, ORIGINAL])

    sent = _sent_to(app, smtp_server)

    assert [to for to, _ in sent] == ["dpo@example.org", "dpo@example.org"]
    assert "reverted" in sent[1][1].lower()


def test_the_revert_email_says_what_went_away_and_which_change_it_undoes(polled: Any, smtp_server: SmtpServer) -> None:
    app = polled([{"email": "dpo@example.org"}], [SOLD, ORIGINAL])
    _sent_to(app, smtp_server)

    text = _text_of(smtp_server.messages[1])

    assert "The text of 2025-01-01 (v1) is back: this undoes the change to 2025-01-02 (v2) you were alerted of." in text
    assert "[-We may also sell information about you to data brokers.-]" in text


def test_a_revert_is_told_only_to_those_told_of_what_it_undoes(polled: Any, smtp_server: SmtpServer) -> None:
    subscriptions = [{"email": "dpo@example.org"}, {"email": "cookies@example.org", "sections": "cookie"}]
    app = polled(subscriptions, [SOLD, ORIGINAL])

    assert [to for to, _ in _sent_to(app, smtp_server)] == ["dpo@example.org", "dpo@example.org"]


def test_a_flap_nobody_was_told_of_stays_quiet_but_is_recorded(polled: Any, smtp_server: SmtpServer) -> None:
    app = polled([{"email": "dpo@example.org"}], [LINK_ONLY, ORIGINAL])

    assert _sent_to(app, smtp_server) == []
    with app.database.reader() as session:
        classes = [row["version_class"] for row in history.version_history(session, "Bluesky")]
    assert classes == ["first", "link-only", "reverted"]


def test_an_opt_out_that_appears_and_goes_is_told_both_times(polled: Any, smtp_server: SmtpServer) -> None:
    opt_out = ORIGINAL.replace(PROVIDERS, PROVIDERS + " You may opt out of this sharing at any time.")
    app = polled([{"email": "dpo@example.org"}], [opt_out, ORIGINAL])

    sent = _sent_to(app, smtp_server)

    assert len(sent) == 2
    assert "[-You may opt out of this sharing at any time.-]" in _text_of(smtp_server.messages[1])


def test_a_policy_that_keeps_flapping_is_marked_unstable_in_list_with_what_alternates(
    polled: Any, smtp_server: SmtpServer
) -> None:
    app = polled([{"email": "dpo@example.org"}], [SOLD, ORIGINAL, SOLD, ORIGINAL, SOLD, ORIGINAL])

    with app.database.reader() as session:
        (row,) = history.policy_list(session)

    assert row["unstable"] == (
        "unstable: 5 of 6 changes since 2025-01-02 return to an earlier text (alternating: "
        "Bluesky App Privacy Policy > Service Providers)"
    )


def test_a_policy_that_returned_once_is_not_unstable(polled: Any, smtp_server: SmtpServer) -> None:
    app = polled([{"email": "dpo@example.org"}], [SOLD, ORIGINAL])

    with app.database.reader() as session:
        (row,) = history.policy_list(session)

    assert row["unstable"] is None


def test_a_page_that_flaps_stops_alerting_its_returns_and_the_last_email_says_so(
    polled: Any, smtp_server: SmtpServer
) -> None:
    app = polled([{"email": "dpo@example.org"}], [SOLD, ORIGINAL, SOLD, ORIGINAL, SOLD, ORIGINAL])

    sent = _sent_to(app, smtp_server)

    assert len(sent) == 4  # the clause, then three returns: the third makes the page one that flaps
    assert "its next returns are not alerted" in _text_of(smtp_server.messages[-1])
