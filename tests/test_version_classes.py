"""Classes a lawyer would sign: what a reader sees decides, not the Markdown that writes it.

Any added or removed word other than a date → substantive, restructures included; the same words with a link
removed (its text kept), moved or retargeted → link-only; punctuation, whitespace or a paragraph turned heading
→ formatting-only. (Every pair of the corpus's histories is checked against this rule in test_corpus_changes.)
"""

from __future__ import annotations

from monitor.compare.changes import compare
from monitor.models import VersionClass
from tests.corpus import history_pair

OPENING = "# Privacy Policy\n\nWe respect your privacy.\n\n"


def _class(old_body: str, new_body: str) -> VersionClass:
    return compare(OPENING + old_body, OPENING + new_body).change.version_class


def test_a_link_removed_with_its_text_kept_is_link_only() -> None:
    assert _class("Use our [form](https://x.example).\n", "Use our form.\n") is VersionClass.LINK_ONLY


def test_a_link_retargeted_is_link_only() -> None:
    old, new = "Use our [form](https://x.example).\n", "Use our [form](https://y.example).\n"

    assert _class(old, new) is VersionClass.LINK_ONLY


def test_a_link_moved_to_other_words_is_link_only() -> None:
    old, new = "Use [our form](https://x.example) here.\n", "Use our [form here](https://x.example).\n"

    assert _class(old, new) is VersionClass.LINK_ONLY


def test_one_full_stop_added_is_formatting_only() -> None:
    assert _class("We keep your data for a year\n", "We keep your data for a year.\n") is VersionClass.FORMATTING_ONLY


def test_brackets_around_a_date_dropped_are_formatting_only() -> None:
    old, new = "This policy takes effect on [19 November 2023].\n", "This policy takes effect on 19 November 2023.\n"

    assert _class(old, new) is VersionClass.FORMATTING_ONLY


def test_an_html_entity_and_the_character_it_writes_are_the_same_text() -> None:
    assert _class("Terms &amp; conditions.\n", "Terms & conditions.\n") is VersionClass.FORMATTING_ONLY


def test_bullets_turned_headings_with_the_same_words_are_formatting_only() -> None:
    old = "## Partners\n\n* Ad partners\n\n  We share ids.\n\n* Analytics partners\n\n  We share events.\n"
    new = "## Partners\n\n### Ad partners\n\nWe share ids.\n\n### Analytics partners\n\nWe share events.\n"

    assert _class(old, new) is VersionClass.FORMATTING_ONLY


def test_a_restructure_that_also_adds_a_section_is_substantive() -> None:
    old = "## Partners\n\n* Ad partners\n\n  We share ids.\n\n* Analytics partners\n\n  We share events.\n"
    new = (
        "## Partners\n\n### Ad partners\n\nWe share ids.\n\n### Analytics partners\n\nWe share events.\n\n"
        "### Anti-Fraud Partners\n\nWe share device signals to detect fraud.\n"
    )

    assert _class(old, new) is VersionClass.SUBSTANTIVE


def test_a_real_linkedin_version_changing_punctuation_and_a_link_is_link_only() -> None:
    assert compare(*history_pair("linkedin-privacy-policy", "20240725003236")).change.version_class is (
        VersionClass.LINK_ONLY
    )


def test_a_real_reddit_version_dropping_a_stray_quote_mark_is_formatting_only() -> None:
    assert compare(*history_pair("reddit-privacy-policy", "20240221003334")).change.version_class is (
        VersionClass.FORMATTING_ONLY
    )


def test_a_bullet_list_turned_numbered_is_formatting_only() -> None:
    old, new = "* We collect ids.\n* We collect events.\n", "1. We collect ids.\n2. We collect events.\n"

    assert _class(old, new) is VersionClass.FORMATTING_ONLY
