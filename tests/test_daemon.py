"""The daemon as a real process: it polls, alerts, and stops cleanly on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.fake_archive import FakeArchive
from tests.smtp_server import SmtpServer
from tests.test_cli import HISTORY, URL, config_text


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_daemon_alerts_on_a_new_capture_and_stops_on_sigterm(
    tmp_path: Path, fake_archive: FakeArchive, smtp_server: SmtpServer
) -> None:
    fake_archive.add_history(HISTORY, URL, count=1)
    config = tmp_path / "config.toml"
    text = config_text(fake_archive.base_url, smtp_server.port, tmp_path / "pm.db")
    text = text.replace(
        "[email]", '[schedule]\npoll_interval = "1s"\ncheck_interval = "1s"\ndelivery_interval = "1s"\n[email]'
    )
    config.write_text(text)
    daemon = subprocess.Popen(
        [sys.executable, "-m", "jobs", "--config", str(config), "daemon"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for(lambda: any(r.path.startswith("/web/") for r in fake_archive.requests))
        time.sleep(1.5)  # let the import finish before the new capture appears
        fake_archive.add_history(HISTORY, URL, count=1, start=1)
        assert wait_for(lambda: len(smtp_server.messages) == 1)
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, stderr = daemon.communicate(timeout=30)
    assert daemon.returncode == 0, stderr
    assert "stopped" in stderr
    assert len(smtp_server.messages) == 1
