"""The whole path once: two policies, an import that alerts nobody, a change that alerts each recipient once."""

from __future__ import annotations

from sqlalchemy import func, select

from jobs.app import App
from jobs.deliver import deliver_pending
from jobs.poll import poll_due
from storage.schema import AlertRecord, Base, ChangeRecord, VersionRecord
from tests.apps import RECIPIENTS, make_settings, start_app
from tests.fake_archive import FakeArchive
from tests.smtp_server import SmtpServer

BLUESKY_URL = "https://bsky.social/about/support/privacy-policy"
SILICONDUST_URL = "http://www.silicondust.com/privacy/"
OLD_SENTENCE = "We may transfer personal information internationally."
NEW_SENTENCE = "We may transfer and sell personal information internationally to our advertising partners."


def count(app: App, model: type[Base]) -> int:
    with app.database.reader() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_changed_section_is_stored_once_and_emailed_once_per_recipient(
    fake_archive: FakeArchive, smtp_server: SmtpServer, database_url: str
) -> None:
    fake_archive.add_history("bluesky-privacy-policy", BLUESKY_URL, count=3)
    silicondust = fake_archive.add_snapshot_site("silicondust.com")
    settings = make_settings(
        database_url=database_url,
        archive_url=fake_archive.base_url,
        smtp_port=smtp_server.port,
        policies=[{"name": "Bluesky", "url": BLUESKY_URL}, {"name": "SiliconDust", "url": silicondust[0].url}],
    )
    app = start_app(settings)

    # First poll: the archived past is imported, nobody is alerted about it.
    first = poll_due(app)
    deliver_pending(app)
    assert sorted(r.policy for r in first) == ["Bluesky", "SiliconDust"]
    assert all(r.error is None for r in first)
    imported_versions = count(app, VersionRecord)
    assert imported_versions >= 4
    assert count(app, AlertRecord) == 0
    assert smtp_server.messages == []

    # A new capture appears in which one section says something new.
    page = fake_archive.render_history_version("bluesky-privacy-policy", 2)
    assert OLD_SENTENCE.encode() in page
    fake_archive.add_capture(BLUESKY_URL, "20250101120000", page.replace(OLD_SENTENCE.encode(), NEW_SENTENCE.encode()))

    changes_before = count(app, ChangeRecord)
    poll_due(app, names=("Bluesky",))
    deliver_pending(app)
    assert count(app, VersionRecord) == imported_versions + 1
    assert count(app, ChangeRecord) == changes_before + 1
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(RECIPIENTS)
    for message in smtp_server.messages:
        text = message.get_body(preferencelist=("plain",)).get_content()
        assert "International Transfers" in text
        assert "sell" in text and "advertising partners" in text
        assert "Bluesky" in message["Subject"]

    # Polling again, and again after a restart, sends nothing more.
    poll_due(app, names=("Bluesky", "SiliconDust"))
    deliver_pending(app)
    app.close()
    restarted = start_app(settings)
    poll_due(restarted, names=("Bluesky", "SiliconDust"))
    deliver_pending(restarted)
    assert len(smtp_server.messages) == len(RECIPIENTS)
    assert count(restarted, VersionRecord) == imported_versions + 1
    restarted.close()
