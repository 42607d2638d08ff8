"""Malformed config files: each is one line on stderr naming file, line and key, and exit code 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from jobs.cli import cli

AGENT = '[wayback]\nuser_agent = "t (+mailto:t@example.org)"\n'
POLICY = '\n[[policies]]\nname = "A"\nurl = "https://a.example.org/privacy"\n'


def wayback(line: str) -> str:
    return f"{AGENT}{line}\n{POLICY}"


def table(name: str, line: str) -> str:
    return f"{AGENT}\n[{name}]\n{line}\n{POLICY}"


MALFORMED: list[tuple[str, str | bytes, str]] = [
    ("empty", "", "the file is empty: it needs at least one [[policies]] table"),
    ("comments only", "# nothing here\n", "the file is empty"),
    ("no policies", AGENT, "policies is required: add at least one [[policies]] table"),
    ("binary", b"\x00\x01\x02\xff\xfe", "not a UTF-8 text file"),
    ("NUL bytes", b'[storage]\nurl = "x"\x00\n', "not a text file"),
    ("latin-1", "[storage]\nurl = 'caf\xe9'\n".encode("latin-1"), "not a UTF-8 text file"),
    ("huge duration", table("schedule", 'poll_interval = "99999999999d"'), "line 5: schedule.poll_interval must be"),
    ("long duration", table("schedule", 'poll_interval = "3000000d"'), "at most 365d, not '3000000d'"),
    ("zero duration", table("schedule", 'check_interval = "0s"'), "schedule.check_interval must be a duration"),
    ("number duration", table("schedule", "poll_interval = 5"), "schedule.poll_interval must be a duration"),
    ("nan", wayback("captures_per_second = nan"), "line 3: wayback.captures_per_second must be a finite number"),
    ("inf", wayback("captures_per_second = inf"), "wayback.captures_per_second must be a finite number, not inf"),
    ("negative rate", wayback("cdx_per_minute = -1"), "wayback.cdx_per_minute must be a number above 0"),
    ("string number", wayback('cdx_per_minute = "24"'), "wayback.cdx_per_minute must be a number, not '24'"),
    ("boolean number", wayback("cdx_per_minute = true"), "wayback.cdx_per_minute must be a number, not True"),
    ("huge timeout", wayback("timeout = 1e300"), "wayback.timeout must be a number of at most 3600"),
    ("CRLF agent", '[wayback]\nuser_agent = "t (+mailto:t@e.org)\\r\\nX: y"\n' + POLICY, "must not hold control"),
    ("LF agent", '[wayback]\nuser_agent = """t\n(+mailto:t@e.org)"""\n' + POLICY, "must not hold control"),
    ("huge int", wayback("retries = 9223372036854775807"), "wayback.retries must be a whole number of at most 20"),
    ("boolean int", wayback("retries = true"), "wayback.retries must be a whole number, not True"),
    ("float int", wayback("retries = 2.5"), "wayback.retries must be a whole number, not 2.5"),
    ("zero page", wayback("cdx_page_size = 0"), "wayback.cdx_page_size must be a whole number of at least 1"),
    ("ftp archive", wayback('base_url = "ftp://x"'), "wayback.base_url must be an http(s) URL"),
    ("table as value", "wayback = 3\n" + POLICY, "line 1: wayback must be a table, not 3"),
    ("policies as table", AGENT + '[policies]\nname = "A"\nurl = "https://a.org"\n', "policies must be a list"),
    ("nameless policy", AGENT + '[[policies]]\nname = " "\nurl = "https://a.org"\n', "policies[0].name must be a"),
    ("duplicate policy", AGENT + POLICY + POLICY, "line 9: policies[\"A\"].name: 'A' is used twice"),
    ("hostless URL", AGENT + '[[policies]]\nname = "A"\nurl = "https:///p"\n', 'policies["A"].url must be an http'),
    ("unknown policy key", AGENT + POLICY + 'sites = "x"\n', 'policies["A"].sites is not a known key (known: '),
    ("bad selector", AGENT + POLICY + 'select = ["div[[x"]\n', "'div[[x' is not a CSS selector"),
    ("selector string", AGENT + POLICY + 'select = "div"\n', 'policies["A"].select must be a list'),
    ("port zero", table("email", "smtp_port = 0"), "email.smtp_port must be a whole number of at least 1"),
    ("port huge", table("email", "smtp_port = 70000"), "email.smtp_port must be a whole number of at most 65535"),
    ("port string", table("email", 'smtp_port = "25"'), "email.smtp_port must be a whole number, not '25'"),
    ("starttls string", table("email", 'starttls = "yes"'), "email.starttls must be true or false"),
    ("bad recipient", table("email", 'recipients = ["nobody"]'), "email.recipients must be an email address"),
    ("unknown table", table("emails", "x = 1"), "emails is not a known key (known: email, policies, schedule"),
    ("nested table", table("email.extra", "x = 1"), "email.extra is not a known key"),
    ("empty database URL", table("storage", 'url = ""'), "storage.url must be a non-empty string"),
    ("bad regex", AGENT + POLICY + '[[subscriptions]]\nemail = "a@b.org"\nsections = "a(b"\n', "not a regular"),
    ("two targets", AGENT + POLICY + '[[subscriptions]]\nemail = "a@b.org"\nwebhook = "https://x.org"\n', "exactly"),
    ("unsigned webhook", AGENT + POLICY + '[[subscriptions]]\nwebhook = "https://x.org"\n', "secret_env must name"),
    ("digest hourly", AGENT + POLICY + '[[subscriptions]]\nemail = "a@b.org"\nmode = "hourly"\n', ".mode must be"),
    (
        "unknown policy",
        AGENT + POLICY + '[[subscriptions]]\nemail = "a@b.org"\npolicies = ["Twiter"]\n',
        "no policy named",
    ),
]


@pytest.mark.parametrize(("text", "said"), [case[1:] for case in MALFORMED], ids=[case[0] for case in MALFORMED])
def test_a_malformed_config_is_one_line_and_exit_2(tmp_path: Path, text: str | bytes, said: str) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    result = CliRunner().invoke(cli, ["--config", str(path), "list"])
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"policy-monitor: {path}") and said in result.stderr
    assert list(tmp_path.iterdir()) == [path]  # no database made
