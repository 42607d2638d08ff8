"""section-history finds a section by a bare heading or the end of its path, and follows it through a period
when the page shows the old policy and the new one together (X's "effective until" pages of 2024)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from jobs.cli import cli
from tests.fake_archive import FakeArchive
from tests.smtp_server import SmtpServer
from tests.test_cli import config_text

X_URL = "https://x.com/en/privacy"
FACEBOOK_URL = "https://www.facebook.com/privacy/policy/"
# 2024-07-25: the policy; 2024-10-17: the new policy above the old one ("Effective until November 15, 2024");
# 2024-11-16: the new policy alone.
X_FROM, X_VERSIONS = 4, 3
FACEBOOK_WITH_TAKE_CONTROL_TWICE = 84  # 2023-09-07: "Take control" under two headings
POLICIES = f"""
[[policies]]
name = "X"
url = "{X_URL}"
[[policies]]
name = "Facebook"
url = "{FACEBOOK_URL}"
"""


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lookup")
    with FakeArchive() as archive, SmtpServer() as smtp:
        path = folder / "config.toml"
        path.write_text(config_text(archive.base_url, smtp.port, folder / "pm.db") + POLICIES)
        archive.add_history("x-privacy-policy", X_URL, count=X_VERSIONS, start=X_FROM)
        archive.add_history("facebook-privacy-policy", FACEBOOK_URL, count=1, start=FACEBOOK_WITH_TAKE_CONTROL_TWICE)
        assert run(path, "poll", "--policy", "X").exit_code == 0
        assert run(path, "poll", "--policy", "Facebook").exit_code == 0
    return path


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), *args])


def section_history(config: Path, name: str, section: str) -> dict[str, object]:
    result = run(config, "section-history", name, section, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def section_id(config: Path, name: str, path: str, at: str) -> int:
    tree = json.loads(run(config, "sections", name, "--at", at, "--json").output)["sections"]
    return next(int(s["id"]) for s in tree if s["path"] == path)


def test_a_bare_heading_names_the_section_whatever_its_case_and_numbering(config: Path) -> None:
    full = section_history(config, "X", "X Privacy Policy > 3. Sharing Information > With partners")
    assert section_history(config, "X", "with PARTNERS")["section_id"] == full["section_id"]
    assert (
        section_history(config, "X", "sharing information")["followed"]
        == section_history(config, "X", "X Privacy Policy > 3. Sharing Information")["followed"]
    )


def test_any_end_of_a_path_names_the_section(config: Path) -> None:
    by_end = section_history(config, "Facebook", "How do we use your information? > Take control")
    tree = json.loads(run(config, "sections", "Facebook", "--json").output)["sections"]
    assert next(s["path"] for s in tree if s["id"] == by_end["section_id"]).endswith(
        "How do we use your information? > Take control"
    )


def test_a_heading_several_sections_have_lists_their_paths_and_exits_with_2(config: Path) -> None:
    result = run(config, "section-history", "Facebook", "take control")
    assert result.exit_code == 2
    assert result.stderr.startswith("policy-monitor: 'take control' matches ") and result.stderr.count("\n") == 1
    paths = [line.strip().split("  ", 1)[1] for line in result.stdout.splitlines()]
    assert "What information do we collect? > Take control" in paths
    assert "How do we use your information? > Take control" in paths


def test_a_heading_no_section_has_is_one_line_and_exit_code_2(config: Path) -> None:
    result = run(config, "section-history", "X", "Sharing Information > With pirates")
    assert result.exit_code == 2
    assert result.stderr == (
        "policy-monitor: 'X' has no section 'Sharing Information > With pirates': see `policy-monitor sections X`\n"
    )


def test_a_section_is_followed_through_the_versions_that_show_it_twice(config: Path) -> None:
    path = "X Privacy Policy > 3. Sharing Information > With partners"
    before, after = section_id(config, "X", path, "v1"), section_id(config, "X", path, "v3")
    assert before != after  # the new policy's copy came in with an identity of its own
    history = section_history(config, "X", path)
    assert {before, after} <= set(history["followed"])  # type: ignore[arg-type]
    changes = history["changes"]
    assert isinstance(changes, list)
    assert [c["new"]["number"] for c in changes] == [2, 2, 3]
    assert {(c["kind"], c["section_id"]) for c in changes} == {("moved", before), ("added", after), ("removed", before)}


def test_section_history_says_when_it_follows_copies(config: Path) -> None:
    output = run(config, "section-history", "X", "with partners").output
    assert output.startswith("(the page showed this section twice for a while: sections ")
