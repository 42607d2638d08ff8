"""Which changes reach which subscriber: policies by name or glob, version classes, section filters."""

from __future__ import annotations

from typing import Any

import pytest

from jobs.cli.alerts import subscribe
from jobs.config.tables import SubscriptionEntry
from monitor.alerts.channels import CHANNELS
from monitor.alerts.email_render import render_subject
from monitor.alerts.subscription_rule import (
    check_subscription,
    compile_section_filter,
    covers_policy,
    parse_mode,
    parse_policies,
    parse_version_classes,
    select_change,
    select_notice,
)
from monitor.errors import ConfigError, SubscriptionError
from monitor.models import ALL_POLICIES, DEFAULT_ALERT_ON, AlertMode, Subscription, VersionClass
from tests.notices import BLUESKY_LINKS, bluesky_notice, x_notice

SHARING = "sell|share|third part"
PREFIX = "Bluesky App Privacy Policy > "


def subscription(**fields: Any) -> Subscription:
    return check_subscription(Subscription(**{"name": "legal", "target": "dpo@example.org", **fields}))


def kept_paths(sub: Subscription) -> list[str | None]:
    notice = select_notice(sub, bluesky_notice(), policy_alert_on=DEFAULT_ALERT_ON)
    assert notice is not None
    return [section.new_path for section in notice.change.sections]


# ---- policies ------------------------------------------------------------------------------------------------------


def test_a_subscription_covers_every_policy_by_default() -> None:
    assert covers_policy(subscription(), "Bluesky") and covers_policy(subscription(), "Space-O Technologies")


def test_a_policy_named_in_a_subscription_is_covered_whatever_its_case() -> None:
    assert covers_policy(subscription(policies=("bluesky", "X")), "Bluesky")


def test_a_policy_not_named_is_not_covered() -> None:
    assert select_notice(subscription(policies=("Bluesky",)), x_notice(), policy_alert_on=DEFAULT_ALERT_ON) is None


def test_a_glob_covers_the_policies_it_matches_ignoring_case() -> None:
    sub = subscription(policies=("BLUE*", "face?ook*"))
    assert [covers_policy(sub, name) for name in ("Bluesky", "Facebook terms", "X")] == [True, True, False]


# ---- version classes -----------------------------------------------------------------------------------------------


def test_a_substantive_change_reaches_a_default_subscription_unchanged() -> None:
    notice = bluesky_notice()
    assert select_notice(subscription(), notice, policy_alert_on=DEFAULT_ALERT_ON) == notice


def test_a_link_only_change_does_not_reach_a_default_subscription() -> None:
    assert select_notice(subscription(), bluesky_notice(BLUESKY_LINKS), policy_alert_on=DEFAULT_ALERT_ON) is None


def test_a_subscription_without_classes_of_its_own_follows_the_policys() -> None:
    link_only = bluesky_notice(BLUESKY_LINKS)
    policy_alert_on = frozenset({VersionClass.LINK_ONLY})
    assert select_notice(subscription(), link_only, policy_alert_on=policy_alert_on) is not None


def test_a_link_only_change_reaches_a_subscription_that_asks_for_it() -> None:
    classes = frozenset({VersionClass.SUBSTANTIVE, VersionClass.LINK_ONLY})
    assert (
        select_notice(subscription(alert_on=classes), bluesky_notice(BLUESKY_LINKS), policy_alert_on=DEFAULT_ALERT_ON)
        is not None
    )


# ---- section filters -----------------------------------------------------------------------------------------------


def test_a_section_filter_keeps_only_the_section_changes_it_matches() -> None:
    assert kept_paths(subscription(sections=SHARING)) == [
        PREFIX + "Direct Messages Are Private",
        PREFIX + "3. DIRECT MESSAGES ARE PRIVATE",
        PREFIX + "Other Users You Share or Interact With",
    ]


def test_a_section_filter_matches_section_paths_ignoring_case() -> None:
    assert kept_paths(subscription(sections="your direct MESSAGES")) == [PREFIX + "Your Direct Messages"]


def test_a_section_filter_matches_the_words_a_change_inserted() -> None:
    assert kept_paths(subscription(sections=r"information, messages")) == [
        PREFIX + "Other Users You Share or Interact With"
    ]


def test_a_section_filter_matches_the_words_a_change_deleted() -> None:
    assert kept_paths(subscription(sections=r"February 5")) == [PREFIX.removesuffix(" > ")]


def test_a_section_filter_ignores_matches_in_unchanged_words_around_a_change() -> None:
    # "An Important Note" renumbers its table of contents around "HOW WE SHARE PERSONAL INFORMATION".
    assert PREFIX + "An Important Note" not in kept_paths(subscription(sections=SHARING))


def test_a_change_with_no_section_matching_the_filter_sends_nothing() -> None:
    assert select_notice(subscription(sections=SHARING), x_notice(), policy_alert_on=DEFAULT_ALERT_ON) is None


def test_a_filtered_notice_counts_what_it_left_out_and_its_subject_counts_what_it_kept() -> None:
    notice = select_notice(subscription(sections=SHARING), bluesky_notice(), policy_alert_on=DEFAULT_ALERT_ON)
    assert notice is not None and notice.filtered_out == 3
    assert "Bluesky privacy policy: 1 section changed, 2 added (" in render_subject(notice)


def test_select_change_applies_the_same_rules_to_a_bare_change() -> None:
    change = bluesky_notice().change
    assert select_change(subscription(policies=("X",)), "Bluesky", change, policy_alert_on=DEFAULT_ALERT_ON) is None
    selected = select_change(subscription(sections=SHARING), "Bluesky", change, policy_alert_on=DEFAULT_ALERT_ON)
    assert selected is not None and len(selected.sections) == 3


# ---- validation ----------------------------------------------------------------------------------------------------


def test_an_invalid_section_regex_is_refused_naming_it() -> None:
    with pytest.raises(SubscriptionError, match=r"'sell\|\(share' is not a regular expression"):
        subscription(sections="sell|(share")


def test_a_section_filter_that_matches_empty_text_is_refused() -> None:
    with pytest.raises(SubscriptionError, match="empty text"):
        compile_section_filter("sell|")


def test_an_unknown_mode_is_refused_listing_the_modes() -> None:
    with pytest.raises(SubscriptionError, match="immediate, daily, weekly"):
        parse_mode("hourly")


def test_modes_are_read_from_their_names() -> None:
    assert [parse_mode(name) for name in ("immediate", "daily", "weekly")] == list(AlertMode)


def test_an_unknown_version_class_is_refused_naming_it() -> None:
    with pytest.raises(SubscriptionError, match="'cosmetic'"):
        parse_version_classes(["substantive", "cosmetic"])


def test_an_empty_list_of_version_classes_is_refused() -> None:
    with pytest.raises(SubscriptionError, match="empty"):
        parse_version_classes([])


def test_policies_read_all_or_a_name_or_a_list() -> None:
    assert parse_policies("all") == ALL_POLICIES
    assert parse_policies("Bluesky") == ("Bluesky",)
    assert parse_policies(["Blue*", " X "]) == ("Blue*", "X")


def test_an_empty_list_of_policies_is_refused() -> None:
    with pytest.raises(SubscriptionError, match="policies"):
        subscription(policies=())


def test_an_email_subscription_needs_an_email_address() -> None:
    with pytest.raises(SubscriptionError, match="not an email address"):
        subscription(target="https://example.org/hook")


def test_a_webhook_subscription_needs_an_http_url() -> None:
    with pytest.raises(SubscriptionError, match="http"):
        subscription(channel="webhook", target="ftp://example.org/hook", secret_env="HOOK_SECRET")


def test_a_webhook_subscription_needs_the_variable_of_its_signing_secret() -> None:
    with pytest.raises(SubscriptionError, match="secret_env must name an environment variable"):
        subscription(channel="webhook", target="https://example.org/hook")


def test_only_a_webhook_subscription_takes_a_signing_secret() -> None:
    with pytest.raises(SubscriptionError, match="secret_env is only for webhook subscriptions"):
        subscription(secret_env="HOOK_SECRET")


def test_an_apprise_subscription_names_the_variable_holding_its_url_never_the_url() -> None:
    with pytest.raises(SubscriptionError, match="apprise_env must name an environment variable"):
        subscription(channel="apprise", target="slack://token-a/token-b/token-c")


def test_an_unknown_channel_is_refused() -> None:
    with pytest.raises(SubscriptionError, match="email, apprise, webhook"):
        subscription(channel="pager")


def test_a_subscription_error_is_a_configuration_error() -> None:
    assert issubclass(SubscriptionError, ConfigError)


def test_each_channel_brings_its_target_key_to_the_config_and_to_subscribe() -> None:
    options = {option for parameter in subscribe.params for option in parameter.opts}
    for kind in CHANNELS.values():
        assert kind.target_key in SubscriptionEntry.model_fields
        assert f"--{kind.target_key.replace('_', '-')}" in options
