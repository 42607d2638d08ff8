"""Versions are numbered within their policy (v1, v2, …), and a rebuild keeps the numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from jobs.cli import cli
from tests.fake_archive import FakeArchive
from tests.smtp_server import SmtpServer
from tests.test_cli import config_text

BLUESKY_URL = "https://bsky.social/about/support/privacy-policy"
TIKTOK_URL = "https://www.tiktok.com/legal/privacy-policy"
TIKTOK = f"""
[[policies]]
name = "TikTok"
url = "{TIKTOK_URL}"
"""


@pytest.fixture
def config(tmp_path: Path, fake_archive: FakeArchive, smtp_server: SmtpServer) -> Path:
    """Bluesky's first three versions stored before TikTok's first two: the database's ids run on."""
    path = tmp_path / "config.toml"
    path.write_text(config_text(fake_archive.base_url, smtp_server.port, tmp_path / "pm.db"))
    fake_archive.add_history("bluesky-privacy-policy", BLUESKY_URL, count=3)
    assert run(path, "poll").exit_code == 0
    path.write_text(path.read_text() + TIKTOK)
    fake_archive.add_history("tiktok-privacy-policy", TIKTOK_URL, count=2)
    assert run(path, "poll", "--policy", "TikTok").exit_code == 0
    return path


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), *args])


def history(config: Path, name: str) -> list[dict[str, object]]:
    result = run(config, "history", name, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_second_policys_first_version_is_v1(config: Path) -> None:
    assert [row["number"] for row in history(config, "TikTok")] == [1, 2]
    assert run(config, "history", "TikTok").output.splitlines()[0].split()[1] == "v1"


def test_versions_are_numbered_in_first_seen_order(config: Path) -> None:
    rows = history(config, "Bluesky")
    assert [row["number"] for row in rows] == [1, 2, 3]
    assert [row["timestamp"] for row in rows] == sorted(str(row["timestamp"]) for row in rows)


def test_a_rebuild_keeps_each_versions_number(config: Path) -> None:
    before = history(config, "Bluesky")
    config.write_text(
        config.read_text().replace(f'url = "{BLUESKY_URL}"', f'url = "{BLUESKY_URL}"\nremove = ["main ul"]')
    )
    assert "rebuilt" in run(config, "reextract", "Bluesky").output
    after = history(config, "Bluesky")
    assert [(row["timestamp"], row["number"]) for row in after] == [(row["timestamp"], row["number"]) for row in before]
    assert {row["id"] for row in after}.isdisjoint(row["id"] for row in before)  # new rows, the same numbers


def test_show_takes_a_version_number(config: Path) -> None:
    shown = json.loads(run(config, "show", "TikTok", "--at", "v1", "--json").output)
    assert (shown["number"], shown["timestamp"]) == (1, "20220711150026")


def test_diff_takes_version_numbers_and_names_them(config: Path) -> None:
    result = run(config, "diff", "Bluesky", "--from", "v1", "--to", "v3")
    assert result.exit_code == 0
    assert result.output.startswith("Bluesky: v1 (") and " -> v3 (" in result.output.splitlines()[0]


def test_changes_name_the_versions_of_each_change(config: Path) -> None:
    rows = json.loads(run(config, "changes", "--json").output)
    tiktok = [(row["old"]["number"], row["new"]["number"]) for row in rows if row["policy"] == "TikTok"]
    assert tiktok == [(1, 2)]
    assert any("TikTok  v1 -> v2" in line for line in run(config, "changes").output.splitlines())


def test_an_unknown_version_number_is_one_line_and_exit_code_2(config: Path) -> None:
    result = run(config, "show", "TikTok", "--at", "v9")
    assert result.exit_code == 2
    assert result.stderr == "policy-monitor: 'TikTok' has no version v9 (versions: v1 to v2)\n"


def test_an_alert_names_the_versions_it_compares(
    config: Path, fake_archive: FakeArchive, smtp_server: SmtpServer
) -> None:
    fake_archive.add_history("tiktok-privacy-policy", TIKTOK_URL, count=1, start=4)  # a change, not an upgrade
    assert run(config, "poll", "--policy", "TikTok").exit_code == 0
    (message,) = smtp_server.messages
    assert "Captured 2022-07-12 (v2) → 2022-11-02 (v3)" in message.get_body(("plain",)).get_content()
