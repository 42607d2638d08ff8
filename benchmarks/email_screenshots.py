"""Three alert emails as a reader gets them, each HTML part rendered by headless Chromium to a PNG.

    .venv/bin/python benchmarks/email_screenshots.py OUT_DIR

Each email goes the whole way: texts served by the fake archive, polled, queued, sent to a loopback SMTP server
and read back from it.

1. ``revert``: Bluesky's real policy of 2024-03-14, then the same with "We may also sell information about you
   to data brokers." added to its Service Providers section, then the original again (the second email);
2. ``address``: X's real policy of 2024-07-25 and the same with its US address block as X's 2024-11-16 version
   writes it (1355 Market Street, San Francisco → 865 FM 1209, Bastrop; in X's own history the change comes
   through a month in which the page shows the old and the new policy one after the other);
3. ``link-only``: Bluesky's real 2024-08-07 → 2024-11-18 change, to a subscription that asks for link-only ones.

Writes <name>.txt (the text part), <name>.html and <name>.png to OUT_DIR. Needs /usr/bin/chromium.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jobs.deliver import deliver_pending
from jobs.poll import poll_due
from tests.apps import make_settings, start_app
from tests.corpus import HISTORIES
from tests.fake_archive import FakeArchive
from tests.fake_archive.corpus import render_policy_page
from tests.smtp_server import SmtpServer

BLUESKY = ("Bluesky", "https://bsky.social/about/support/privacy-policy")
X = ("X", "https://x.com/en/privacy")
PROVIDERS = "customer service, and related services."
CLAUSE = " We may also sell information about you to data brokers."


def emails(policy: tuple[str, str], texts: list[tuple[str, str]], subscription: dict[str, Any]) -> list[EmailMessage]:
    """What a subscriber receives when ``texts`` (timestamp, Markdown) are captured and polled one after another."""
    with tempfile.TemporaryDirectory() as folder, SmtpServer() as smtp:
        archive = FakeArchive().start()
        settings = make_settings(
            database_url=f"sqlite:///{folder}/emails.db",
            archive_url=archive.base_url,
            smtp_port=smtp.port,
            policies=[{"name": policy[0], "url": policy[1]}],
            recipients=(),
            subscriptions=[subscription],
        )
        app = start_app(settings)
        try:
            for timestamp, text in texts:
                archive.add_capture(policy[1], timestamp, render_policy_page(text, "Privacy Policy"))
                poll_due(app, names=(policy[0],))
            deliver_pending(app)
            return list(smtp.messages)
        finally:
            app.close()
            archive.stop()


def revert_email() -> EmailMessage:
    original = (HISTORIES / "bluesky-privacy-policy" / "20240314123133.md").read_text()
    sold = original.replace(PROVIDERS, PROVIDERS + CLAUSE)
    texts = [("20250101120000", original), ("20250201120000", sold), ("20250301120000", original)]
    return emails(BLUESKY, texts, {"email": "dpo@example.org", "sections": "sell|broker"})[-1]


def address_email() -> EmailMessage:
    folder = HISTORIES / "x-privacy-policy"
    old = (folder / "20240725003545.md").read_text()
    new = old.replace(
        "1355 Market Street, Suite 900  \nSan Francisco, CA 94103", "865 FM 1209, Building 2   \nBastrop, TX 78602"
    )
    assert new != old
    texts = [("20240725003545", old), ("20241116003849", new)]
    return emails(X, texts, {"email": "dpo@example.org"})[-1]


def link_only_email() -> EmailMessage:
    folder = HISTORIES / "bluesky-privacy-policy"
    texts = [(stamp, (folder / f"{stamp}.md").read_text()) for stamp in ("20240807003004", "20241118123004")]
    return emails(BLUESKY, texts, {"email": "dpo@example.org", "alert_on": ["link-only"]})[-1]


def chromium_screenshot(html_file: Path, png: Path) -> None:
    with tempfile.TemporaryDirectory() as profile:
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
        flags += ["--disable-background-networking", "--disable-component-update", "--disable-sync"]
        command = ["chromium", *flags, f"--user-data-dir={profile}", f"--screenshot={png}", "--window-size=900,1400"]
        subprocess.run([*command, html_file.as_uri()], check=True, capture_output=True, timeout=120)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, make in (("revert", revert_email), ("address", address_email), ("link-only", link_only_email)):
        message = make()
        text, html = (message.get_body((kind,)) for kind in ("plain", "html"))
        assert text is not None and html is not None
        (out / f"{name}.txt").write_text(f"Subject: {message['Subject']}\n\n{text.get_content()}")
        (out / f"{name}.html").write_text(html.get_content())
        chromium_screenshot(out / f"{name}.html", out / f"{name}.png")
        print(out / f"{name}.png")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots"))
