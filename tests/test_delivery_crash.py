"""kill -9 of the delivery process, again and again: no alert is lost, and a message is sent twice only when
the crash fell between the server accepting it and the outbox marking it sent."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from jobs.poll import poll_due
from storage import queries
from tests.apps import make_settings, start_app
from tests.fake_archive import FakeArchive
from tests.smtp_server import SmtpServer

URL = "https://bsky.social/about/support/privacy-policy"
HISTORY = "bluesky-privacy-policy"
RECIPIENTS = [f"reader{n}@example.org" for n in range(6)]
ROOT = Path(__file__).resolve().parents[1]


def queue_alerts(fake_archive: FakeArchive, smtp_server: SmtpServer, database_url: str) -> int:
    settings = make_settings(
        database_url=database_url,
        archive_url=fake_archive.base_url,
        smtp_port=smtp_server.port,
        policies=[{"name": "Bluesky", "url": URL}],
        recipients=RECIPIENTS,
    )
    app = start_app(settings)
    fake_archive.add_history(HISTORY, URL, count=1)
    poll_due(app)
    fake_archive.add_history(HISTORY, URL, count=6, start=1)
    poll_due(app, names=("Bluesky",))
    with app.database.reader() as session:
        pending = queries.alert_counts(session).get("pending", 0)
    app.close()
    return pending


def write_config(path: Path, database_url: str, archive_url: str, smtp_port: int) -> Path:
    recipients = ", ".join(f'"{r}"' for r in RECIPIENTS)
    path.write_text(
        f'[storage]\nurl = "{database_url}"\n'
        f'[wayback]\nbase_url = "{archive_url}"\nuser_agent = "tests (+mailto:tests@example.org)"\n'
        f'[email]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp_port}\nsender = "policy-monitor@example.org"\n'
        f"recipients = [{recipients}]\n"
        f'[[policies]]\nname = "Bluesky"\nurl = "{URL}"\n'
    )
    return path


def start_delivery(config: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "jobs", "--config", str(config), "deliver"]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for_progress(process: subprocess.Popen[bytes], smtp_server: SmtpServer, seen: int) -> None:
    deadline = time.monotonic() + 30
    while len(smtp_server.messages) <= seen and process.poll() is None:
        assert time.monotonic() < deadline, "the delivery process made no progress"
        time.sleep(0.005)


def test_killing_the_sender_again_and_again_loses_nothing_and_duplicates_only_in_flight_messages(
    tmp_path: Path, fake_archive: FakeArchive, smtp_server: SmtpServer, sqlite_url: str
) -> None:
    queued = queue_alerts(fake_archive, smtp_server, sqlite_url)
    assert queued >= 20
    config = write_config(tmp_path / "config.toml", sqlite_url, fake_archive.base_url, smtp_server.port)
    smtp_server.reply_delay = 0.02  # a window between "accepted" and "marked sent" that a kill can fall into
    rng, kills, in_flight = random.Random(7), 0, set[str]()
    while True:
        process = start_delivery(config)
        wait_for_progress(process, smtp_server, len(smtp_server.messages))
        time.sleep(rng.uniform(0.0, 0.4))
        if process.poll() is not None:
            break
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        kills += 1
        in_flight.add(str(smtp_server.messages[-1]["Message-ID"]))  # the last one accepted may be unmarked
    assert process.returncode == 0
    counts = Counter(str(m["Message-ID"]) for m in smtp_server.messages)
    duplicated = {message_id for message_id, n in counts.items() if n > 1}
    duplicates = sum(counts.values()) - len(counts)
    print(f"{queued} alerts, {kills} kills, {duplicates} duplicates")
    assert len(counts) == queued  # none lost
    assert duplicated <= in_flight  # sent again only when killed between the server's 250 and the mark
    assert duplicates <= kills  # and once per such kill at most
    app = start_app(
        make_settings(
            database_url=sqlite_url,
            archive_url=fake_archive.base_url,
            smtp_port=smtp_server.port,
            policies=[{"name": "Bluesky", "url": URL}],
            recipients=RECIPIENTS,
        )
    )
    with app.database.reader() as session:
        assert queries.alert_counts(session) == {"sent": queued}
    app.close()
