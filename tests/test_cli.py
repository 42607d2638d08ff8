"""The policy-monitor command as a user runs it: text and JSON answers, one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text

from jobs.cli import COMMANDS, cli
from tests.corpus import SNAPSHOTS
from tests.fake_archive import FakeArchive
from tests.smtp_server import SmtpServer

URL = "https://bsky.social/about/support/privacy-policy"
HISTORY = "bluesky-privacy-policy"
ROOT = Path(__file__).resolve().parents[1]


def config_text(archive_url: str, smtp_port: int, database: Path) -> str:
    return f"""
[storage]
url = "sqlite:///{database}"
[wayback]
base_url = "{archive_url}"
user_agent = "policy-monitor-tests (+mailto:tests@example.org)"
cdx_per_minute = 6000
captures_per_second = 200
[email]
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
sender = "policy-monitor@example.org"
recipients = ["privacy-team@example.org"]
[[policies]]
name = "Bluesky"
url = "{URL}"
"""


@pytest.fixture
def config(tmp_path: Path, fake_archive: FakeArchive, smtp_server: SmtpServer) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(config_text(fake_archive.base_url, smtp_server.port, tmp_path / "pm.db"))
    return path


@pytest.fixture
def polled(config: Path, fake_archive: FakeArchive) -> Path:
    fake_archive.add_history(HISTORY, URL, count=3)
    assert run(config, "poll").exit_code == 0
    return config


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), *args])


def test_help_explains_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    commands = ("daemon", "poll", "extract", "reextract", "list", "history", "show", "diff", "changes", "status")
    for command in commands:
        assert command in result.output


def test_every_command_in_the_table_loads_under_its_own_name() -> None:
    with click.Context(cli) as ctx:
        assert [cli.get_command(ctx, name).name for name in COMMANDS] == list(COMMANDS)  # type: ignore[union-attr]


def test_a_history_question_loads_neither_the_archive_client_nor_the_channels_nor_the_extractor(
    polled: Path,
) -> None:
    # Start-up is most of a quick command's time; these imports are the daemon's, not a reader's.
    probe = (
        "import sys; from jobs.cli import cli; "
        f"cli(['--config', {str(polled)!r}, 'sections', 'Bluesky'], standalone_mode=False); "
        "print(sorted(m for m in ('alembic', 'apprise', 'bs4', 'requests', 'wayback', 'apscheduler') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.splitlines()[-1] == "[]"


def test_compare_refuses_a_file_that_is_not_utf8_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "old.md").write_bytes(b"\xff\xfe# Politique de confidentialit\xe9\n")
    (tmp_path / "new.md").write_text("# Privacy\n")
    result = CliRunner().invoke(cli, ["compare", str(tmp_path / "old.md"), str(tmp_path / "new.md")])
    assert result.exit_code == 2
    assert result.output.strip().endswith("not UTF-8 text (byte 0 cannot be read): save it as UTF-8 Markdown")


def test_extract_prints_the_reference_header_line_of_a_snapshot() -> None:
    html = SNAPSHOTS / "00extreme.com" / "20120617142727.html"
    reference = (SNAPSHOTS / "00extreme.com" / "20120617142727.md").read_text().splitlines()[0]
    result = CliRunner().invoke(
        cli,
        ["extract", str(html), "--url", "http://www.00extreme.com/privacy_policy.php", "--timestamp", "20120617142727"],
    )
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == reference


def test_extract_reads_a_capture_date_as_every_command_does() -> None:
    html = SNAPSHOTS / "00extreme.com" / "20120617142727.html"
    args = ["extract", str(html), "--url", "http://www.00extreme.com/privacy_policy.php", "--timestamp"]
    header = CliRunner().invoke(cli, [*args, "2012-06-17"]).output.splitlines()[0]
    assert "archived on 2012-06-17." in header
    assert "web.archive.org/web/20120617000000id_/" in header


def test_extract_refuses_a_capture_date_it_cannot_read_in_one_line() -> None:
    html = SNAPSHOTS / "00extreme.com" / "20120617142727.html"
    args = ["extract", str(html), "--url", "http://example.org/p", "--timestamp", "2023-13-45"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert result.output.strip().endswith(
        "cannot read the date '2023-13-45': use YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] or a 14-digit timestamp"
    )


def test_poll_reports_what_it_stored(config: Path, fake_archive: FakeArchive) -> None:
    fake_archive.add_history(HISTORY, URL, count=2)
    result = run(config, "poll")
    assert result.exit_code == 0
    assert "Bluesky: 2 new captures (2 fetched, 0 already held), 2 new versions" in result.output


def test_list_shows_each_policy_with_its_versions(polled: Path) -> None:
    rows = json.loads(run(polled, "list", "--json").output)
    assert [(r["name"], r["versions"]) for r in rows] == [("Bluesky", 3)]


def test_history_lists_versions_oldest_first(polled: Path) -> None:
    rows = json.loads(run(polled, "history", "Bluesky", "--json").output)
    assert [r["timestamp"] for r in rows] == sorted(r["timestamp"] for r in rows)
    assert rows[0]["version_class"] == "first"


def test_history_captures_lists_each_outcome(polled: Path) -> None:
    rows = json.loads(run(polled, "history", "Bluesky", "--captures", "--json").output)
    assert {r["outcome"] for r in rows} == {"stored"}


def test_show_at_a_date_prints_the_version_then_in_force(polled: Path, fake_archive: FakeArchive) -> None:
    second = json.loads(run(polled, "history", "Bluesky", "--json").output)[1]
    day = f"{second['timestamp'][:4]}-{second['timestamp'][4:6]}-{second['timestamp'][6:8]}"
    result = run(polled, "show", "Bluesky", "--at", day)
    assert result.exit_code == 0
    assert result.output.startswith("> *The following text is extracted and transformed from the bsky.social")
    assert f"/web/{second['timestamp']}id_/" in result.output.splitlines()[0]


def test_diff_lists_section_changes_between_the_last_two_versions(polled: Path) -> None:
    result = json.loads(run(polled, "diff", "Bluesky", "--json").output)
    assert result["old"]["id"] != result["new"]["id"]
    assert result["sections"]
    assert {"kind", "old_path", "new_path", "words"} <= set(result["sections"][0])


def test_changes_lists_changes_since_a_date(polled: Path) -> None:
    rows = json.loads(run(polled, "changes", "--since", "2000-01-01", "--json").output)
    assert len(rows) == 2 and all(r["policy"] == "Bluesky" for r in rows)


def test_an_unknown_policy_name_is_one_line_and_exit_code_2(polled: Path) -> None:
    result = run(polled, "show", "Nope")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == ["policy-monitor: no policy named 'Nope' (known: Bluesky)"]


def test_an_unreadable_date_is_one_line_and_exit_code_2(polled: Path) -> None:
    result = run(polled, "show", "Bluesky", "--at", "last tuesday")
    assert result.exit_code == 2
    assert "cannot read the date 'last tuesday'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_date_before_the_first_version_says_so(polled: Path) -> None:
    result = run(polled, "show", "Bluesky", "--at", "1999-01-01")
    assert result.exit_code == 2
    assert "no stored version of 'Bluesky' on or before 1999-01-01" in result.stderr


def test_a_malformed_config_names_the_key_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[schedule]\npoll_interval = "often"\n')
    result = run(path, "list")
    assert result.exit_code == 2
    assert "line 2: schedule.poll_interval must be a duration" in result.stderr


def test_poll_of_an_unknown_policy_is_refused(config: Path) -> None:
    result = run(config, "poll", "--policy", "Nope")
    assert result.exit_code == 2
    assert "no policy named 'Nope'" in result.stderr


def test_reextract_reports_how_many_versions_changed(polled: Path) -> None:
    result = run(polled, "reextract")
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == "0 versions changed in 0 policies"


def test_reextract_of_an_unknown_policy_is_refused(polled: Path) -> None:
    result = run(polled, "reextract", "Nope")
    assert result.exit_code == 2 and "no policy named 'Nope'" in result.stderr


def test_a_firewall_block_is_shown_by_status_and_honoured_after_a_restart(
    tmp_path: Path, fake_archive: FakeArchive, smtp_server: SmtpServer
) -> None:
    config = tmp_path / "config.toml"
    text = config_text(fake_archive.base_url, smtp_server.port, tmp_path / "pm.db")
    fast_refusals = 'retries = 2\nbackoff = 0.01\nblock_cooldown = "1h"\n'
    config.write_text(text.replace("[email]", fast_refusals + "[email]"))
    fake_archive.add_history(HISTORY, URL, count=1)
    fake_archive.block_now(0.5)  # the archive listens again long before our cool-down ends
    assert "refuses connections" in run(config, "poll").output
    status = run(config, "status")
    assert "ARCHIVE BLOCKED: 127.0.0.1" in status.output and "(block #1)" in status.output
    time.sleep(0.6)
    fake_archive.clear_requests()
    run(config, "poll")  # a new process would open a new client: the block comes back from the database
    assert fake_archive.requests == []


def test_subscribe_lists_and_unsubscribe_a_subscription(config: Path) -> None:
    result = run(config, "subscribe", "legal", "--email", "legal@example.org", "--sections", "sell|share")
    assert result.exit_code == 0, result.output
    rows = json.loads(run(config, "subscriptions", "--json").output)
    assert {r["name"]: r["sections"] for r in rows}["legal"] == "sell|share"
    assert run(config, "unsubscribe", "legal").exit_code == 0
    assert "legal" not in {r["name"] for r in json.loads(run(config, "subscriptions", "--json").output)}


def test_a_bad_section_filter_is_one_line_naming_the_option(config: Path) -> None:
    result = run(config, "subscribe", "legal", "--email", "legal@example.org", "--sections", "sell(")
    assert result.exit_code == 2
    assert "--sections" in result.output and "not a regular expression" in result.output


def test_a_subscription_to_a_policy_that_does_not_exist_is_one_line_and_exit_code_2(config: Path) -> None:
    result = run(config, "subscribe", "legal", "--email", "legal@example.org", "--policy", "Blusky")
    assert result.exit_code == 2
    assert "--policy: no policy named 'Blusky' (known: Bluesky)" in result.output
    assert "legal" not in run(config, "subscriptions").output


def test_a_glob_that_matches_no_policy_yet_is_a_warning_and_the_subscription_is_kept(config: Path) -> None:
    result = run(config, "subscribe", "legal", "--email", "legal@example.org", "--policy", "Face*")
    assert result.exit_code == 0
    assert "warning: --policy 'Face*' matches no policy" in result.output
    assert "legal" in run(config, "subscriptions").output


def test_subscribing_a_name_again_needs_replace_and_then_replaces_its_filters(config: Path) -> None:
    assert run(config, "subscribe", "legal", "--email", "legal@example.org", "--sections", "sell").exit_code == 0
    again = run(config, "subscribe", "legal", "--email", "legal@example.org", "--sections", "share")
    assert again.exit_code == 2 and "--replace" in again.output
    replaced = run(config, "subscribe", "legal", "--email", "legal@example.org", "--sections", "share", "--replace")
    assert replaced.exit_code == 0 and replaced.output.strip() == "replaced legal"
    rows = json.loads(run(config, "subscriptions", "--json").output)
    assert {r["name"]: r["sections"] for r in rows}["legal"] == "share"


def test_a_subscription_from_the_config_cannot_be_removed_from_the_command_line(config: Path) -> None:
    result = run(config, "unsubscribe", "privacy-team@example.org")
    assert result.exit_code == 2 and "remove it there" in result.output


def test_alerts_preview_prints_the_email_about_the_latest_change(polled: Path) -> None:
    result = run(polled, "alerts", "preview", "Bluesky")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Subject: [policy-monitor] Bluesky")
    assert "policy-monitor diff Bluesky --from" in result.output


def test_alerts_preview_writes_the_html_part_to_a_file(polled: Path, tmp_path: Path) -> None:
    page = tmp_path / "alert.html"
    assert run(polled, "alerts", "preview", "Bluesky", "--html", str(page)).exit_code == 0
    assert page.read_text().lstrip().lower().startswith("<!doctype html>")


def test_history_names_the_version_a_revert_returns_to(config: Path, fake_archive: FakeArchive) -> None:
    fake_archive.add_history(HISTORY, URL, count=2)
    fake_archive.add_capture(URL, "20250101000000", fake_archive.render_history_version(HISTORY, 0))
    assert run(config, "poll").exit_code == 0
    rows = json.loads(run(config, "history", "Bluesky", "--json").output)
    first, last = rows[0], rows[-1]
    assert (last["version_class"], last["reverted_to"]) == ("reverted", {k: first[k] for k in last["reverted_to"]})
    assert f"reverted to v{first['id']} ({first['captured_at']})" in run(config, "history", "Bluesky").output
    assert f"(reverted to v{first['id']} ({first['captured_at']}))" in run(config, "diff", "Bluesky").output


def storage_config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "storage.toml"
    path.write_text(
        f'[storage]\nurl = "{url}"\n\n[[policies]]\nname = "Example"\nurl = "https://example.org/privacy"\n'
    )
    return path


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("nosuchdb://x", "cannot open the database nosuchdb://x: Can't load plugin"),
        ("postgresql://u:s3cret@127.0.0.1:1/x", "cannot open the database postgresql://u:***@127.0.0.1:1/x:"),
        ("postgresql//u:s3cret@127.0.0.1/x", "cannot open the database postgresql//***@127.0.0.1/x:"),
        ("postgresql://u:s3cret@127.0.0.1:port/x", "cannot open the database postgresql://***@127.0.0.1:port/x:"),
        ("mysql+nosuchdriver://u:s3cret@127.0.0.1/x", "cannot open the database mysql+nosuchdriver://u:***@"),
    ],
)
def test_a_database_that_cannot_be_opened_is_one_line_without_its_password(tmp_path: Path, url: str, said: str) -> None:
    result = run(storage_config(tmp_path, url), "list")
    assert result.exit_code == 2
    assert said in result.output and "s3cret" not in result.output and "Traceback" not in result.output


def test_a_database_from_a_newer_policy_monitor_is_refused_untouched(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pm.db'}"
    config = storage_config(tmp_path, url)
    assert run(config, "list").exit_code == 0
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    result = run(config, "list")
    assert result.exit_code == 2
    assert "schema is at revision 9999, newer than this program's" in result.output
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "9999"
    engine.dispose()
