"""The daemon stops within 10 s whatever the archive or the SMTP server does, and leaves no claim held: a policy
in hand stays due with no error recorded, an alert in hand stays pending. As a real process, on SIGTERM; in a
thread, while a 429 has slowed the pace; and a delivery run stops between two sends."""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jobs import deliver
from jobs.app import open_app
from jobs.config import load_settings
from jobs.poll import poll_due
from jobs.scheduler import run_daemon
from storage import queries
from tests.apps import RECIPIENTS
from tests.fake_archive import FakeArchive
from tests.smtp_server import SmtpServer
from tests.test_bounded_waits import open_test_app, policy_rows
from tests.test_cli import HISTORY, URL, config_text
from tests.test_daemon import wait_for

BOUND = 10.0  # seconds from SIGTERM to exit: the spec


class SilentServer:
    """A TCP server that accepts connections and never sends a byte (a stuck SMTP server)."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.accepted.append(self._listener.accept()[0])
            except OSError:
                return

    def close(self) -> None:
        self._listener.close()
        for connection in self.accepted:
            connection.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


def write_config(tmp_path: Path, archive_url: str, smtp_port: int) -> Path:
    config = tmp_path / "config.toml"
    schedule = '[schedule]\ncheck_interval = "1s"\ndelivery_interval = "1s"\n'
    config.write_text(config_text(archive_url, smtp_port, tmp_path / "pm.db").replace("[email]", schedule + "[email]"))
    return config


def start_daemon(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "jobs", "--config", str(config), "daemon"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop_within_bound(daemon: subprocess.Popen[str]) -> str:
    """SIGTERM, then the daemon's stderr once it has exited, asserting that it exits within the bound."""
    daemon.send_signal(signal.SIGTERM)
    try:
        _, stderr = daemon.communicate(timeout=BOUND)
    except subprocess.TimeoutExpired:
        daemon.kill()
        daemon.communicate()
        raise AssertionError(f"the daemon still ran {BOUND} s after SIGTERM") from None
    assert daemon.returncode == 0, stderr
    return stderr


def rows(tmp_path: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(tmp_path / "pm.db") as database:
        return database.execute(query).fetchall()


@pytest.mark.parametrize("fault", ["hang", "trickle:0.5"])
def test_the_daemon_stops_within_10_s_of_sigterm_while_the_archive_does_not_answer_and_leaves_its_policy_due(
    tmp_path: Path, fake_archive: FakeArchive, fault: str
) -> None:
    fake_archive.add_history(HISTORY, URL, count=1)
    fake_archive.inject(fault, count=1000, path_prefix="/cdx")
    daemon = start_daemon(write_config(tmp_path, fake_archive.base_url, smtp_port=2525))
    try:
        assert wait_for(lambda: any(r.fault == fault.partition(":")[0] for r in fake_archive.requests))
    finally:
        stderr = stop_within_bound(daemon)
    assert "stopped" in stderr
    (claimed_by, last_error, last_polled_at), *_ = rows(
        tmp_path, "SELECT claimed_by, last_error, last_polled_at FROM policies"
    )
    assert (claimed_by, last_error, last_polled_at) == (None, None, None)  # due, as if never polled
    assert rows(tmp_path, "SELECT count(*) FROM captures") == [(0,)]


def test_the_daemon_stops_within_10_s_of_sigterm_while_the_smtp_server_never_answers_and_leaves_the_alert_pending(
    tmp_path: Path, fake_archive: FakeArchive, silent_server: SilentServer
) -> None:
    config = write_config(tmp_path, fake_archive.base_url, smtp_port=silent_server.port)
    app = open_app(load_settings(config))
    try:
        fake_archive.add_history(HISTORY, URL, count=1)
        poll_due(app)  # the import: history, nobody alerted
        fake_archive.add_history(HISTORY, URL, count=1, start=1)
        poll_due(app, names=("Bluesky",))  # one alert queued; the policy is not due again for a day
    finally:
        app.close()
    assert rows(tmp_path, "SELECT status, claimed_by FROM alerts") == [("pending", None)]
    daemon = start_daemon(config)
    try:
        assert wait_for(lambda: bool(silent_server.accepted))
        assert wait_for(lambda: rows(tmp_path, "SELECT count(*) FROM alerts WHERE claimed_by IS NOT NULL") == [(1,)])
    finally:
        stop_within_bound(daemon)
    assert rows(tmp_path, "SELECT status, claimed_by FROM alerts") == [("pending", None)]


def test_a_daemon_stopped_while_a_429_slows_the_pace_stops_within_10_s_and_leaves_the_policy_due(
    fake_archive: FakeArchive, sqlite_url: str
) -> None:
    fake_archive.add_history(HISTORY, URL, count=1)
    fake_archive.inject(429, count=1, path_prefix="/cdx", headers={"Retry-After": "0"})
    # After the 429 the pace halves: the next listing waits two minutes.
    app = open_test_app(fake_archive, sqlite_url, cdx_per_minute=1.0, retries=0)
    stop = threading.Event()
    daemon = threading.Thread(target=run_daemon, args=(app, stop), daemon=True)
    try:
        daemon.start()
        # The one that met the 429 is done; the other, in hand, is held back by the pacer.
        assert wait_for(
            lambda: sorted(bool(error or claimed) for claimed, error in policy_rows(app).values()) == [1, 1]
        )
        assert wait_for(lambda: any(error for _, error in policy_rows(app).values()))
        stop.set()
        daemon.join(BOUND)
        assert not daemon.is_alive()
        rows = policy_rows(app)
        assert [claimed for claimed, _ in rows.values()] == [None, None]
        assert sorted(error is None for _, error in rows.values()) == [False, True]  # the held-back one: no error
    finally:
        stop.set()
        daemon.join(BOUND)
        app.close()


def test_a_delivery_stopped_after_one_send_sends_nothing_more_and_gives_back_the_rest_unclaimed(
    fake_archive: FakeArchive, smtp_server: SmtpServer, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_test_app(fake_archive, sqlite_url, smtp_port=smtp_server.port)
    try:
        fake_archive.add_history(HISTORY, URL, count=1)
        poll_due(app, names=("Bluesky",))
        fake_archive.add_history(HISTORY, URL, count=1, start=1)
        poll_due(app, names=("Bluesky",))  # one alert per recipient, claimed in one batch
        stop = threading.Event()
        send_one = deliver._deliver_one

        def send_then_stop(*args: Any) -> None:
            send_one(*args)
            stop.set()

        monkeypatch.setattr(deliver, "_deliver_one", send_then_stop)
        assert deliver.deliver_pending(app, stop=stop).sent == 1
        assert len(smtp_server.messages) == 1
        with app.database.reader() as session:
            assert queries.alert_counts(session) == {"sent": 1, "pending": len(RECIPIENTS) - 1}
            assert [a.claimed_by for a in queries.alerts(session)] == [None] * len(RECIPIENTS)
    finally:
        app.close()
