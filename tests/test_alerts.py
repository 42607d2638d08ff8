from __future__ import annotations

import re
import socket
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from html.parser import HTMLParser

import pytest

from monitor.alerts.diff_render import STYLE_DEL, STYLE_INS
from monitor.alerts.digest_render import Digest, render_digest_html, render_digest_subject, render_digest_text
from monitor.alerts.email_message import (
    ChangeNotice,
    build_digest_email,
    build_email,
    digest_thread_id,
    make_digest_message_id,
    make_message_id,
    policy_thread_id,
    render_html,
    render_subject,
    render_text,
    send_email,
)
from monitor.alerts.smtp import SmtpSettings
from monitor.errors import DeliveryError
from monitor.models import Change, SectionAt, SectionChange, SectionChangeKind, VersionClass, WordOp, WordOpKind
from monitor.models import Section as PolicySection
from tests.notices import BLUESKY_LINKS, bluesky_notice, x_notice
from tests.smtp_server import SmtpServer  # the smtp_server fixture comes from conftest

K = SectionChangeKind
EQ, INS, DEL = WordOpKind.EQUAL, WordOpKind.INSERT, WordOpKind.DELETE
XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"
SENDER = "alerts@monitor.test"
RECIPIENT = "dpo@example.org"


def modified(path: str, *ops: tuple[WordOpKind, str]) -> SectionChange:
    words = tuple(WordOp(kind, text) for kind, text in ops)
    old = " ".join(t for k, t in ops if k is not INS)
    new = " ".join(t for k, t in ops if k is not DEL)
    return SectionChange(K.MODIFIED, path, path, old, new, words)


def added(path: str, text: str) -> SectionChange:
    return SectionChange(K.ADDED, None, path, "", text)


def removed(path: str, text: str) -> SectionChange:
    return SectionChange(K.REMOVED, path, None, text, "")


def notice(
    *sections: SectionChange,
    name: str = "SOSTEC",
    old: str | None = "20150102030405",
    version_class: VersionClass = VersionClass.SUBSTANTIVE,
) -> ChangeNotice:
    return ChangeNotice(
        policy_name=name,
        policy_url="https://sostec.example/privacy",
        old_timestamp=old,
        new_timestamp="20150623101112",
        change=Change(version_class, sections),
        change_id=42,
    )


COOKIES = modified("Data > Cookies", (EQ, "We use"), (DEL, "cookies"), (INS, "cookies and beacons"), (EQ, "to track"))
SAMPLE = notice(
    COOKIES,
    SectionChange(K.RENAMED, "Sharing", "Disclosure", "We share.", "We share.", (WordOp(EQ, "We share."),)),
    added("Children", "We do not knowingly collect data from children."),
)


def message_for(
    n: ChangeNotice = SAMPLE, recipient: str = RECIPIENT, unsubscribe_url: str | None = None
) -> EmailMessage:
    message_id = make_message_id(change_id=42, recipient=recipient, domain="monitor.test")
    return build_email(n, sender=SENDER, recipient=recipient, message_id=message_id, unsubscribe_url=unsubscribe_url)


# ---- subject -------------------------------------------------------------------------------------------------------


def test_subject_names_the_policy_counts_section_changes_and_gives_the_capture_date() -> None:
    subject = render_subject(notice(COOKIES, modified("Ads", (DEL, "a"), (INS, "b")), added("Kids", "k")))
    assert subject == "[policy-monitor] SOSTEC privacy policy: 2 sections changed, 1 added (2015-06-23)"


def test_subject_of_a_real_change_counts_its_modified_and_added_sections() -> None:
    subject = render_subject(bluesky_notice())
    assert subject == "[policy-monitor] Bluesky privacy policy: 3 sections changed, 3 added (2024-05-22)"


def test_subject_counts_renamed_sections_apart_from_changed_ones() -> None:
    assert "SOSTEC privacy policy: 1 section changed, 1 renamed, 1 added (" in render_subject(SAMPLE)


def test_subject_uses_the_singular_for_one_section() -> None:
    assert render_subject(notice(COOKIES)) == "[policy-monitor] SOSTEC privacy policy: 1 section changed (2015-06-23)"


def test_subject_names_sections_on_the_first_nonzero_count_when_nothing_was_modified() -> None:
    subject = render_subject(notice(added("A", "a"), removed("B", "b"), removed("C", "c")))
    assert subject == "[policy-monitor] SOSTEC privacy policy: 1 section added, 2 removed (2015-06-23)"


def test_subject_names_moves_splits_and_merges() -> None:
    moved = SectionChange(K.MOVED, "A > B", "C > B", "b", "b")
    split = SectionChange(K.SPLIT, "D", "D", "d", "d e")
    merged = SectionChange(K.MERGED, "E", "E", "e f", "e f")
    subject = render_subject(notice(moved, split, merged))
    assert "SOSTEC privacy policy: 1 section moved, 1 split, 1 merged (2015-06-23)" in subject


def test_subject_of_a_version_without_section_changes_names_its_class() -> None:
    subject = render_subject(notice(version_class=VersionClass.FORMATTING_ONLY))
    assert subject == "[policy-monitor] SOSTEC privacy policy: formatting-only change, no section changed (2015-06-23)"


def test_subject_of_a_substantive_version_without_section_changes_says_a_new_version() -> None:
    assert "SOSTEC privacy policy: new version, no section changed (" in render_subject(notice())


def test_subject_of_a_link_only_change_says_so_before_the_counts() -> None:
    subject = render_subject(bluesky_notice(BLUESKY_LINKS))
    assert subject == "[policy-monitor] Bluesky privacy policy: link-only change, 1 section changed (2024-11-18)"


def test_subject_keeps_a_name_that_already_names_its_document() -> None:
    subject = render_subject(notice(COOKIES, name="Facebook terms of service"))
    assert subject.startswith("[policy-monitor] Facebook terms of service: 1 section changed")


def test_subject_flattens_line_breaks_in_the_policy_name() -> None:
    assert "\n" not in render_subject(notice(COOKIES, name="Evil\r\nBcc: x@y.z"))


# ---- text ----------------------------------------------------------------------------------------------------------


def test_text_shows_the_word_diff_in_wdiff_markers() -> None:
    assert "We use cookies {+and beacons+} to track" in render_text(SAMPLE)


def test_text_of_a_real_change_shows_each_section_path_and_its_words() -> None:
    text = render_text(bluesky_notice())
    assert "== modified: Bluesky App Privacy Policy > Other Users You Share or Interact With ==\n" in text
    assert "may allow you to share personal information, {+messages,+} or interact" in text
    assert "== added: Bluesky App Privacy Policy > Direct Messages Are Private ==\n" in text


def test_text_links_both_captures_in_wayback_view_mode() -> None:
    text = render_text(SAMPLE)
    assert "https://web.archive.org/web/20150102030405/https://sostec.example/privacy" in text
    assert "https://web.archive.org/web/20150623101112/https://sostec.example/privacy" in text


def test_text_has_header_headings_and_the_diff_command_hint() -> None:
    text = render_text(SAMPLE)
    assert "Captured 2015-01-02 → 2015-06-23" in text
    assert "== modified: Data > Cookies ==" in text
    assert "== renamed: Sharing → Disclosure ==" in text
    assert "== added: Children ==\nWe do not knowingly collect data from children." in text
    assert "Full diff: policy-monitor diff SOSTEC --from 20150102030405 --to 20150623101112" in text


def test_text_names_the_version_class() -> None:
    assert "· Link-only change" in render_text(bluesky_notice(BLUESKY_LINKS))


def test_text_and_html_name_the_capture_a_reverted_version_returns_to() -> None:
    reverted = replace(
        bluesky_notice(BLUESKY_LINKS),
        change=Change(version_class=VersionClass.REVERTED),
        reverted_to_timestamp="20240314123133",
    )
    assert "· Reverted to an earlier version (captured 2024-03-14)" in render_text(reverted)
    assert "Reverted to an earlier version (captured 2024-03-14)" in render_html(reverted)


def test_diff_command_quotes_a_policy_name_with_spaces() -> None:
    text = render_text(notice(COOKIES, name="Space-O Technologies"))
    assert "policy-monitor diff 'Space-O Technologies' --from" in text


def test_text_heading_of_a_split_lists_every_part() -> None:
    parts = tuple(SectionAt(i, PolicySection(("Data", title), 2, "t")) for i, title in enumerate(["Use", "Ads"]))
    split = SectionChange(K.SPLIT, "Data > Use", "Data > Use", "t u", "t", new_parts=parts)
    assert "== split: Data > Use → Data > Use, Data > Ads ==" in render_text(notice(split))


def test_text_says_how_many_section_changes_a_subscription_filter_left_out() -> None:
    text = render_text(replace(notice(COOKIES), filtered_out=2))
    assert "2 other section changes did not match this subscription's filter" in text


def test_text_shows_the_old_text_of_a_removed_section() -> None:
    assert "== removed: Ads ==\nWe show ads." in render_text(notice(removed("Ads", "We show ads.")))


def test_text_of_a_first_version_has_no_previous_link() -> None:
    text = render_text(notice(added("All", "Everything."), old=None))
    assert "first version" in text
    assert "/web/2015010" not in text


def test_text_trims_a_long_section_and_says_so() -> None:
    text = render_text(notice(added("Long", "word " * 5000)))
    assert "(truncated)" in text
    assert len(text) < 6000


def test_text_keeps_only_context_around_changes_in_long_unchanged_runs() -> None:
    before = " ".join(f"b{i}" for i in range(200))
    after = " ".join(f"a{i}" for i in range(200))
    text = render_text(notice(modified("S", (EQ, before), (DEL, "old"), (INS, "new"), (EQ, after))))
    assert "… b175" in text and "b174" not in text
    assert "a24 …" in text and "a25" not in text


# ---- HTML ----------------------------------------------------------------------------------------------------------


def test_html_marks_deletions_and_insertions_with_inline_styles() -> None:
    html = render_html(SAMPLE)
    assert f'use cookies <ins style="{STYLE_INS}">and beacons</ins> to' in html
    sold = notice(modified("Data", (EQ, "We"), (DEL, "sell"), (EQ, "data")))
    assert f'<del style="{STYLE_DEL}">sell</del>' in render_html(sold)


def test_html_escapes_markup_in_section_text_and_paths() -> None:
    hostile = notice(
        modified(f"Terms {XSS_SCRIPT}", (EQ, XSS_IMG), (INS, XSS_SCRIPT)),
        added(XSS_IMG, f"text {XSS_SCRIPT}"),
        name=f"Name {XSS_IMG}",
    )
    html = render_html(hostile)
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_html_of_a_hostile_policy_holds_only_the_renderers_own_tags_and_attributes() -> None:
    hostile = notice(modified(XSS_IMG, (EQ, XSS_SCRIPT), (DEL, XSS_IMG), (INS, '"><b onclick=x>')), name=XSS_SCRIPT)
    collector = _TagCollector()
    collector.feed(render_html(hostile))
    assert collector.tags <= {
        "html",
        "head",
        "meta",
        "title",
        "body",
        "h1",
        "h2",
        "p",
        "div",
        "span",
        "del",
        "ins",
        "a",
        "br",
        "code",
        "em",
    }
    assert collector.attributes <= {"style", "href", "charset"}


def test_html_links_only_to_the_archive() -> None:
    hrefs = render_html(SAMPLE).split('href="')[1:]
    assert len(hrefs) >= 2
    assert all(href.startswith("https://web.archive.org/web/") for href in hrefs)


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)


# ---- message -------------------------------------------------------------------------------------------------------


def test_email_is_multipart_alternative_with_text_then_html() -> None:
    message = message_for()
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Subject"] == render_subject(SAMPLE)
    assert message["To"] == RECIPIENT and message["From"] == SENDER


def test_message_id_is_stable_for_a_change_and_recipient_and_differs_between_recipients() -> None:
    first = make_message_id(change_id=42, recipient=RECIPIENT, domain="monitor.test")
    assert first == make_message_id(change_id=42, recipient=RECIPIENT, domain="monitor.test")
    assert first != make_message_id(change_id=42, recipient="other@example.org", domain="monitor.test")
    assert first.startswith("<policy-monitor.change-42.") and first.endswith("@monitor.test>")
    assert message_for()["Message-ID"] == first


def test_email_date_header_uses_the_given_date() -> None:
    message = build_email(
        SAMPLE, sender=SENDER, recipient=RECIPIENT, message_id="<x@y>", date=datetime(2024, 5, 1, tzinfo=UTC)
    )
    assert message["Date"] == "Wed, 01 May 2024 00:00:00 +0000"


def test_email_date_header_reads_a_naive_date_as_utc() -> None:
    message = build_email(SAMPLE, sender=SENDER, recipient=RECIPIENT, message_id="<x@y>", date=datetime(2024, 5, 1))
    assert message["Date"] == "Wed, 01 May 2024 00:00:00 +0000"


def test_message_id_differs_between_two_subscriptions_of_one_recipient_and_is_stable_for_each() -> None:
    ids = [
        make_message_id(change_id=42, recipient=RECIPIENT, domain="monitor.test", subscription=name)
        for name in ("legal", "legal", "security")
    ]
    assert ids[0] == ids[1] != ids[2]
    assert ids[0] != make_message_id(change_id=42, recipient=RECIPIENT, domain="monitor.test")


def test_email_replies_to_the_thread_root_of_its_policy() -> None:
    message = message_for()
    root = policy_thread_id("SOSTEC", domain="monitor.test")
    assert message["In-Reply-To"] == root and message["References"] == root


def test_alerts_about_one_policy_share_a_thread_root_and_other_policies_have_their_own() -> None:
    first = message_for(bluesky_notice())
    second = message_for(bluesky_notice(BLUESKY_LINKS, change_id=9))
    assert first["References"] == second["References"] != message_for(x_notice())["References"]


def test_thread_root_of_a_name_with_spaces_and_symbols_is_a_well_formed_message_id() -> None:
    root = policy_thread_id("Space-O Technologies <&> Co.", domain="monitor.test")
    assert re.fullmatch(r"<policy-monitor\.policy-space-o-technologies-co\.[0-9a-f]{8}@monitor\.test>", root)


def test_an_https_unsubscribe_url_gives_list_unsubscribe_and_one_click_post() -> None:
    message = message_for(unsubscribe_url="https://monitor.test/unsubscribe?token=abc")
    assert message["List-Unsubscribe"] == "<https://monitor.test/unsubscribe?token=abc>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_mailto_unsubscribe_url_gives_list_unsubscribe_without_one_click() -> None:
    message = message_for(unsubscribe_url="mailto:unsubscribe@monitor.test?subject=stop")
    assert message["List-Unsubscribe"] == "<mailto:unsubscribe@monitor.test?subject=stop>"
    assert message["List-Unsubscribe-Post"] is None


def test_without_an_unsubscribe_url_there_is_no_list_unsubscribe_header() -> None:
    assert message_for()["List-Unsubscribe"] is None


def test_an_unsubscribe_url_that_would_break_out_of_its_header_is_refused() -> None:
    with pytest.raises(ValueError, match="unsubscribe URL"):
        message_for(unsubscribe_url="https://monitor.test/u>, <javascript:alert(1)")


# ---- digest --------------------------------------------------------------------------------------------------------


def digest_notices() -> list[ChangeNotice]:
    return [bluesky_notice(BLUESKY_LINKS, change_id=9), x_notice(), bluesky_notice()]


def test_digest_subject_counts_the_policies_and_spans_their_capture_dates() -> None:
    subject = render_digest_subject(Digest(tuple(digest_notices()), "daily"))
    assert subject == "[policy-monitor] daily digest: 2 policies changed (2024-05-17 – 2024-11-18)"


def test_digest_subject_of_changes_captured_on_one_day_gives_that_day() -> None:
    subject = render_digest_subject(Digest((bluesky_notice(),), "weekly"))
    assert subject == "[policy-monitor] weekly digest: 1 policy changed (2024-05-22)"


def test_digest_orders_its_changes_by_policy_then_capture() -> None:
    digest = Digest(tuple(digest_notices()), "daily")
    assert [(n.policy_name, n.change_id) for n in digest.notices] == [("Bluesky", 7), ("Bluesky", 9), ("X", 8)]


def test_digest_text_lists_every_change_then_shows_each_as_its_own_alert_would() -> None:
    text = render_digest_text(Digest(tuple(digest_notices()), "daily"))
    assert "1. Bluesky privacy policy: 3 sections changed, 3 added (2024-05-22)" in text
    assert "3. X privacy policy: 3 sections changed (2024-05-17)" in text
    for single in digest_notices():
        assert render_text(single).rstrip("\n") in text


def test_digest_html_shows_each_change_with_its_word_marks() -> None:
    html = render_digest_html(Digest(tuple(digest_notices()), "daily"))
    assert html.count('<h2 style="font-size:20px') == 3
    assert f'<ins style="{STYLE_INS}">messages,</ins>' in html


def test_digest_html_escapes_markup_in_policy_names_paths_and_text() -> None:
    hostile = notice(modified(XSS_IMG, (EQ, XSS_SCRIPT), (INS, XSS_IMG)), name=f"Name {XSS_SCRIPT}")
    html = render_digest_html(Digest((hostile, bluesky_notice()), "daily"))
    assert "<script" not in html and "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_digest_needs_a_change_and_a_daily_or_weekly_period() -> None:
    with pytest.raises(ValueError, match="daily or weekly"):
        Digest((bluesky_notice(),), "monthly")
    with pytest.raises(ValueError, match="at least one"):
        Digest((), "daily")


def test_digest_email_is_multipart_and_threaded_per_recipient_and_period() -> None:
    message_id = make_digest_message_id(change_ids=[7, 8, 9], recipient=RECIPIENT, domain="monitor.test")
    message = build_digest_email(
        digest_notices(), period="daily", sender=SENDER, recipient=RECIPIENT, message_id=message_id
    )
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Message-ID"] == message_id
    assert message["References"] == digest_thread_id(period="daily", recipient=RECIPIENT, domain="monitor.test")


def test_digest_message_id_depends_on_the_set_of_changes_not_their_order() -> None:
    first = make_digest_message_id(change_ids=[9, 7, 8], recipient=RECIPIENT, domain="monitor.test")
    assert first == make_digest_message_id(change_ids=[7, 8, 9], recipient=RECIPIENT, domain="monitor.test")
    assert first != make_digest_message_id(change_ids=[7, 8], recipient=RECIPIENT, domain="monitor.test")
    assert first.startswith("<policy-monitor.digest-7-9.")


# ---- sending -------------------------------------------------------------------------------------------------------


def test_send_email_delivers_to_the_smtp_server(smtp_server: SmtpServer) -> None:
    answer = send_email(message_for(), SmtpSettings(host=smtp_server.host, port=smtp_server.port, timeout=5))
    assert answer.startswith("250")
    assert smtp_server.recipients == [[RECIPIENT]]
    assert smtp_server.messages[0]["Subject"] == render_subject(SAMPLE)
    body = smtp_server.messages[0].get_body(("plain",))
    assert body is not None and "{+and beacons+}" in body.get_content()


def test_a_451_answer_is_a_transient_delivery_error(smtp_server: SmtpServer) -> None:
    smtp_server.fail_next(1, code=451)
    with pytest.raises(DeliveryError, match="451") as caught:
        send_email(message_for(), SmtpSettings(host=smtp_server.host, port=smtp_server.port, timeout=5))
    assert caught.value.permanent is False
    assert smtp_server.messages == []


def test_a_550_answer_is_a_permanent_delivery_error(smtp_server: SmtpServer) -> None:
    smtp_server.fail_next(1, code=550)
    with pytest.raises(DeliveryError, match="550") as caught:
        send_email(message_for(), SmtpSettings(host=smtp_server.host, port=smtp_server.port, timeout=5))
    assert caught.value.permanent is True


def test_a_550_to_the_recipient_is_a_permanent_delivery_error(smtp_server: SmtpServer) -> None:
    smtp_server.fail_next(1, code=550, at="rcpt")
    with pytest.raises(DeliveryError, match=RECIPIENT) as caught:
        send_email(message_for(), SmtpSettings(host=smtp_server.host, port=smtp_server.port, timeout=5))
    assert caught.value.permanent is True


def test_a_server_that_is_down_is_a_transient_delivery_error_and_delivery_works_once_it_is_back(
    smtp_server: SmtpServer,
) -> None:
    smtp_server.stop()
    with pytest.raises(DeliveryError) as caught:
        send_email(message_for(), SmtpSettings(host=smtp_server.host, port=smtp_server.port, timeout=5))
    assert caught.value.permanent is False
    smtp_server.start()
    send_email(message_for(), SmtpSettings(host=smtp_server.host, port=smtp_server.port, timeout=5))
    assert len(smtp_server.messages) == 1


def test_a_server_that_never_answers_is_a_transient_delivery_error() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        with pytest.raises(DeliveryError) as caught:
            send_email(message_for(), SmtpSettings(host="127.0.0.1", port=silent.getsockname()[1], timeout=0.3))
    assert caught.value.permanent is False


def test_login_with_wrong_credentials_is_a_permanent_delivery_error() -> None:
    with SmtpServer(auth=("alerts", "secret")) as server:
        with pytest.raises(DeliveryError) as caught:
            send_email(
                message_for(),
                SmtpSettings(host=server.host, port=server.port, username="alerts", password="wrong", timeout=5),
            )
        assert caught.value.permanent is True
        send_email(
            message_for(),
            SmtpSettings(host=server.host, port=server.port, username="alerts", password="secret", timeout=5),
        )
        assert len(server.messages) == 1


def test_sending_without_login_to_a_server_requiring_it_is_a_permanent_delivery_error() -> None:
    with SmtpServer(auth=("alerts", "secret")) as server, pytest.raises(DeliveryError, match="530") as caught:
        send_email(message_for(), SmtpSettings(host=server.host, port=server.port, timeout=5))
    assert caught.value.permanent is True


def test_text_and_html_name_the_version_numbers_when_known() -> None:
    numbered = replace(bluesky_notice(), old_number=4, new_number=5)
    assert "Captured 2024-03-14 (v4) → 2024-05-22 (v5)" in render_text(numbered)
    assert "2024-03-14 (v4)</a> → " in render_html(numbered)


def test_a_reverted_version_names_the_number_it_returns_to() -> None:
    reverted = replace(
        bluesky_notice(BLUESKY_LINKS),
        change=Change(version_class=VersionClass.REVERTED),
        reverted_to_timestamp="20240314123133",
        reverted_to_number=2,
    )
    assert "· Reverted to an earlier version (v2, captured 2024-03-14)" in render_text(reverted)
