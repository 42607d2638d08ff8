"""Three alert emails as a reader sees them: each HTML part rendered by headless Chromium to a PNG.

    python benchmarks/email_screenshots.py OUT_DIR

1. a revert: a clause selling information to data brokers added to Bluesky's real "Service Providers" section, then
   removed again (what the code builds for the REVERTED version);
2. a postal-address change in X's bold contact block (the first real one in X's history);
3. a link-only change (Bluesky, 2024-08-07 → 2024-11-18).

Writes <name>.html, <name>.txt (the text part) and <name>.png to OUT_DIR. Needs /usr/bin/chromium.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from itertools import pairwise
from pathlib import Path

from monitor.alerts.email_message import build_email, make_message_id
from monitor.alerts.email_render import ChangeNotice
from monitor.compare.changes import compare
from monitor.compare.sections import parse_sections
from monitor.models import Change, VersionClass

HISTORIES = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "histories"
BLUESKY_URL = "https://bsky.social/about/support/privacy-policy"
CLAUSE = " We may also sell information about you to data brokers."


def chromium_screenshot(html_file: Path, png: Path) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                f"--screenshot={png}",
                "--window-size=900,1400",
                html_file.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def revert_notice() -> ChangeNotice:
    folder = HISTORIES / "bluesky-privacy-policy"
    base = (folder / "20250815003030.md").read_text()
    providers = next(s for s in parse_sections(base).sections if s.path_text.endswith("Service Providers"))
    with_clause = base.replace(providers.text, providers.text + CLAUSE)
    change = compare(with_clause, base).change
    reverted = Change(VersionClass.REVERTED, change.sections, change.matches, change.unreported)
    return ChangeNotice(
        "Bluesky", BLUESKY_URL, "20250901000000", "20250915000000", reverted, reverted_to_timestamp="20250815003030"
    )


def address_notice() -> ChangeNotice:
    folder = HISTORIES / "x-privacy-policy"
    files = sorted(folder.glob("*.md"))
    for old, new in pairwise(files):
        a, b = old.read_text(), new.read_text()
        if "1355 Market Street" in a and "1355 Market Street" not in b:
            change = compare(a, b).change
            sections = tuple(s for s in change.sections if "1355 Market Street" in s.old_text)
            return ChangeNotice(
                "X", "https://x.com/en/privacy", old.stem, new.stem, Change(change.version_class, sections)
            )
    raise SystemExit("no address change found in X's history")


def link_notice() -> ChangeNotice:
    folder = HISTORIES / "bluesky-privacy-policy"
    old, new = "20240807003004", "20241118123004"
    change = compare((folder / f"{old}.md").read_text(), (folder / f"{new}.md").read_text()).change
    return ChangeNotice("Bluesky", BLUESKY_URL, old, new, change)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, notice in (("revert", revert_notice()), ("address", address_notice()), ("link-only", link_notice())):
        message_id = make_message_id(change_id=1, recipient="dpo@example.org", domain="monitor.test")
        email = build_email(notice, sender="alerts@monitor.test", recipient="dpo@example.org", message_id=message_id)
        text, html = (part.get_content() for part in email.iter_parts())  # type: ignore[attr-defined]
        (out / f"{name}.txt").write_text(text)
        (out / f"{name}.html").write_text(html)
        chromium_screenshot(out / f"{name}.html", out / f"{name}.png")
        print(out / f"{name}.png")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots"))
