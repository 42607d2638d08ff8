from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from jobs.config import Settings, load_settings
from monitor.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """
[wayback]
user_agent = "test (+mailto:test@example.org)"

[[policies]]
name = "Example"
url = "https://www.example.org/privacy"
"""


def test_shipped_config_tracks_the_five_seed_policies() -> None:
    settings = load_settings(ROOT / "config.toml", env={})
    assert [p.site for p in settings.policies] == [
        "sostec.so",
        "softorino.com",
        "ostoto.com",
        "spaceotechnologies.com",
        "faasoft.com",
    ]


def test_site_defaults_to_the_url_host_without_www(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, MINIMAL), env={})
    assert settings.policies[0].site == "example.org"


def test_durations_are_read_with_their_units(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, MINIMAL + '\n[schedule]\npoll_interval = "90m"\n'), env={})
    assert settings.schedule.poll_interval == timedelta(minutes=90)


def test_environment_overrides_the_database_url(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, MINIMAL), env={"POLICY_MONITOR_DATABASE_URL": "sqlite:///other.db"})
    assert settings.database_url == "sqlite:///other.db"


def test_smtp_password_comes_only_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, MINIMAL), env={"POLICY_MONITOR_SMTP_PASSWORD": "s3cret"})
    assert settings.email.smtp.password == "s3cret"
    assert "s3cret" not in repr(settings)


def test_a_password_in_the_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="POLICY_MONITOR_SMTP_PASSWORD"):
        load_settings(write(tmp_path, MINIMAL + '\n[email]\npassword = "x"\n'), env={})


def test_an_unknown_key_is_named_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + '\n[schedule]\npoll_intervall = "1h"\n')
    with pytest.raises(ConfigError, match=r"line 10: schedule\.poll_intervall is not a known key"):
        load_settings(path, env={})


def test_a_bad_duration_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"schedule\.poll_interval must be a duration"):
        load_settings(write(tmp_path, MINIMAL + '\n[schedule]\npoll_interval = "daily"\n'), env={})


def test_a_policy_without_url_names_its_entry(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + '\n[[policies]]\nname = "Second"\n')
    with pytest.raises(ConfigError, match=r'line 9: policies\["Second"\]\.url is required'):
        load_settings(path, env={})


def test_a_non_http_policy_url_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("https://www.example.org/privacy", "ftp://example.org/x"))
    with pytest.raises(ConfigError, match=r'line 7: policies\["Example"\]\.url must be an http\(s\) URL'):
        load_settings(path, env={})


def test_two_policies_with_one_name_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + '\n[[policies]]\nname = "Example"\nurl = "https://example.org/p2"\n')
    with pytest.raises(ConfigError, match="used twice"):
        load_settings(path, env={})


def test_a_user_agent_without_contact_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("test (+mailto:test@example.org)", "my-bot"))
    with pytest.raises(ConfigError, match="must name a contact"):
        load_settings(path, env={})


def test_toml_syntax_errors_give_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="line 2"):
        load_settings(write(tmp_path, "[storage]\nurl = \n"), env={})


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_settings(tmp_path / "nope.toml", env={})


def test_an_invalid_css_selector_is_named_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + 'select = ["div[[broken"]\n')
    with pytest.raises(
        ConfigError, match=r"line 8: policies\[\"Example\"\]\.select: 'div\[\[broken' is not a CSS selector"
    ):
        load_settings(path, env={})


def test_alert_classes_default_to_substantive_and_can_be_widened(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, MINIMAL + 'alert_on = ["substantive", "date-only"]\n'), env={})
    assert {c.value for c in settings.policies[0].alert_on} == {"substantive", "date-only"}
    assert {c.value for c in load_settings(write(tmp_path, MINIMAL), env={}).policies[0].alert_on} == {"substantive"}


def test_an_unknown_alert_class_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r'policies\["Example"\]\.alert_on must be a list of version classes'):
        load_settings(write(tmp_path, MINIMAL + 'alert_on = ["typos"]\n'), env={})


WAYBACK_EXTRA = MINIMAL.replace(
    "[[policies]]",
    'rate_limit_pause = "90s"\nblock_cooldown = "2h"\nredirect_window = "6h"\n'
    "retries = 0\nmax_redirect_hops = 2\ncdx_page_size = 500\n\n[[policies]]",
)


def load(tmp_path: Path, text: str) -> Settings:
    return load_settings(write(tmp_path, text), env={})


def test_wayback_backoff_settings_take_durations_and_counts(tmp_path: Path) -> None:
    archive = load(tmp_path, WAYBACK_EXTRA).archive
    assert archive.rate_limit_pause == 90.0 and archive.block_cooldown == 7200.0
    assert archive.redirect_window == timedelta(hours=6)
    assert (archive.retries, archive.max_redirect_hops, archive.cdx_page_size) == (0, 2, 500)


def test_a_negative_retry_count_is_refused_naming_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"line 8: wayback.retries must be a whole number"):
        load(tmp_path, WAYBACK_EXTRA.replace("retries = 0", "retries = -1"))


def test_a_subscription_glob_that_matches_no_policy_yet_is_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = MINIMAL + '\n[[subscriptions]]\nemail = "a@example.org"\npolicies = ["Ex*", "Face*"]\n'
    settings = load_settings(write(tmp_path, text))
    assert [s.policies for s in settings.subscriptions] == [("Ex*", "Face*")]
    assert "'Face*' matches no policy yet" in caplog.text
    assert "'Ex*'" not in caplog.text


def test_a_config_subscription_naming_a_policy_by_its_former_name_follows_the_rename(tmp_path: Path) -> None:
    text = MINIMAL.replace('name = "Example"', 'name = "Example Co"\nrenamed_from = "Example"')
    text += '\n[[subscriptions]]\nemail = "a@example.org"\npolicies = ["example"]\n'
    settings = load_settings(write(tmp_path, text))
    assert [s.policies for s in settings.subscriptions] == [("Example Co",)]


def test_a_former_name_that_is_still_a_policy_is_refused(tmp_path: Path) -> None:
    text = MINIMAL + '\n[[policies]]\nname = "Other"\nurl = "https://o.example.org/p"\nrenamed_from = "Example"\n'
    with pytest.raises(ConfigError, match="renamed_from"):
        load_settings(write(tmp_path, text))
