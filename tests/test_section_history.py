"""Sections keep their identity across versions, so one section's whole history can be asked for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from jobs.cli import cli
from tests.corpus import HISTORIES
from tests.fake_archive import FakeArchive
from tests.smtp_server import SmtpServer
from tests.test_cli import config_text

URL = "https://bsky.social/about/support/privacy-policy"
HISTORY = "bluesky-privacy-policy"
SENTENCE = b"We may transfer personal information internationally."


@pytest.fixture
def config(tmp_path: Path, fake_archive: FakeArchive, smtp_server: SmtpServer) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(config_text(fake_archive.base_url, smtp_server.port, tmp_path / "pm.db"))
    fake_archive.add_history(HISTORY, URL, count=4)
    page = fake_archive.render_history_version(HISTORY, 3)
    fake_archive.add_capture(URL, "20250301000000", page.replace(SENTENCE, b"We sell personal information abroad."))
    renamed = page.replace(b"International Transfers", b"Transfers Abroad")
    fake_archive.add_capture(URL, "20250401000000", renamed.replace(SENTENCE, b"We sell personal data abroad."))
    assert run(path, "poll").exit_code == 0
    return path


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), *args])


def tree(config: Path, *args: str) -> list[dict[str, object]]:
    return json.loads(run(config, "sections", "Bluesky", "--json", *args).output)["sections"]


def test_sections_lists_the_tree_with_ids(config: Path) -> None:
    sections = tree(config)
    assert sections[0]["path"] == "Bluesky App Privacy Policy"
    assert any(str(s["path"]).endswith("> Transfers Abroad") for s in sections)
    assert len({s["id"] for s in sections}) == len(sections)


def test_a_section_keeps_its_id_across_versions(config: Path) -> None:
    before = {s["path"]: s["id"] for s in tree(config, "--at", "2024-12-01")}
    after = {s["path"]: s["id"] for s in tree(config)}
    shared = set(before) & set(after)
    assert shared and all(before[path] == after[path] for path in shared)


def test_section_history_follows_a_section_through_a_rename(config: Path) -> None:
    result = run(config, "section-history", "Bluesky", "Bluesky App Privacy Policy > International Transfers", "--json")
    changes = json.loads(result.output)["changes"]
    assert [c["kind"] for c in changes][-2:] == ["modified", "renamed"]
    assert changes[-1]["new_path"].endswith("> Transfers Abroad")


def test_section_history_takes_an_id(config: Path) -> None:
    section = next(s for s in tree(config) if str(s["path"]).endswith("> Transfers Abroad"))
    by_id = json.loads(run(config, "section-history", "Bluesky", str(section["id"]), "--json").output)
    assert by_id["section_id"] == section["id"] and by_id["changes"]


def test_an_unknown_section_is_one_line_and_exit_code_2(config: Path) -> None:
    result = run(config, "section-history", "Bluesky", "No Such Section")
    assert result.exit_code == 2
    assert "has no section 'No Such Section'" in result.stderr


def test_compare_two_markdown_files_without_a_database(tmp_path: Path) -> None:
    folder = HISTORIES / HISTORY
    files = sorted(folder.glob("*.md"))
    result = CliRunner().invoke(cli, ["compare", str(files[0]), str(files[1]), "--json"])
    assert result.exit_code == 0
    change = json.loads(result.output)
    assert change["version_class"] == "substantive"
    assert {"kind", "old_path", "new_path", "words"} <= set(change["sections"][0])
