from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest

from monitor.alerts import (
    ChangeNotice,
    build_email,
    make_message_id,
    render_html,
    render_subject,
    render_text,
    send_email,
)
from monitor.errors import DeliveryError
from monitor.models import Change, SectionChange, SectionChangeKind, VersionClass, WordOp, WordOpKind
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


def notice(*sections: SectionChange, name: str = "SOSTEC", old: str | None = "20150102030405") -> ChangeNotice:
    return ChangeNotice(
        policy_name=name,
        policy_url="https://sostec.example/privacy",
        old_timestamp=old,
        new_timestamp="20150623101112",
        change=Change(VersionClass.SUBSTANTIVE, sections),
        change_id=42,
    )


COOKIES = modified("Data > Cookies", (EQ, "We use"), (DEL, "cookies"), (INS, "cookies and beacons"), (EQ, "to track"))
SAMPLE = notice(
    COOKIES,
    SectionChange(K.RENAMED, "Sharing", "Disclosure", "We share.", "We share.", (WordOp(EQ, "We share."),)),
    added("Children", "We do not knowingly collect data from children."),
)


def message_for(n: ChangeNotice = SAMPLE, recipient: str = RECIPIENT):  # type: ignore[no-untyped-def]
    message_id = make_message_id(change_id=42, recipient=recipient, domain="monitor.test")
    return build_email(n, sender=SENDER, recipient=recipient, message_id=message_id)


# ---- subject -------------------------------------------------------------------------------------------------------


def test_subject_counts_changed_then_added_sections_and_gives_the_new_capture_date() -> None:
    assert render_subject(SAMPLE) == "[policy-monitor] SOSTEC: 2 sections changed, 1 added (2015-06-23)"


def test_subject_uses_the_singular_for_one_section() -> None:
    assert render_subject(notice(COOKIES)) == "[policy-monitor] SOSTEC: 1 section changed (2015-06-23)"


def test_subject_names_sections_on_the_first_nonzero_count_when_nothing_was_modified() -> None:
    subject = render_subject(notice(added("A", "a"), removed("B", "b"), removed("C", "c")))
    assert subject == "[policy-monitor] SOSTEC: 1 section added, 2 removed (2015-06-23)"


def test_subject_flattens_line_breaks_in_the_policy_name() -> None:
    assert "\n" not in render_subject(notice(COOKIES, name="Evil\r\nBcc: x@y.z"))


# ---- text ----------------------------------------------------------------------------------------------------------


def test_text_shows_the_word_diff_in_wdiff_markers() -> None:
    assert "We use [-cookies-]{+cookies and beacons+} to track" in render_text(SAMPLE)


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
    assert "Full diff: policy-monitor diff SOSTEC --to 2015-06-23" in text


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
    assert '<del style="background:#fdd;color:#900">cookies</del>' in html
    assert '<ins style="background:#dfd;color:#060">cookies and beacons</ins>' in html


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


def test_html_links_only_to_the_archive() -> None:
    hrefs = render_html(SAMPLE).split('href="')[1:]
    assert len(hrefs) >= 2
    assert all(href.startswith("https://web.archive.org/web/") for href in hrefs)


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


# ---- sending -------------------------------------------------------------------------------------------------------


def test_send_email_delivers_to_the_smtp_server(smtp_server: SmtpServer) -> None:
    answer = send_email(message_for(), host=smtp_server.host, port=smtp_server.port, timeout=5)
    assert answer.startswith("250")
    assert smtp_server.recipients == [[RECIPIENT]]
    assert smtp_server.messages[0]["Subject"] == render_subject(SAMPLE)
    body = smtp_server.messages[0].get_body(("plain",))
    assert body is not None and "{+cookies and beacons+}" in body.get_content()


def test_a_451_answer_is_a_transient_delivery_error(smtp_server: SmtpServer) -> None:
    smtp_server.fail_next(1, code=451)
    with pytest.raises(DeliveryError, match="451") as caught:
        send_email(message_for(), host=smtp_server.host, port=smtp_server.port, timeout=5)
    assert caught.value.permanent is False
    assert smtp_server.messages == []


def test_a_550_answer_is_a_permanent_delivery_error(smtp_server: SmtpServer) -> None:
    smtp_server.fail_next(1, code=550)
    with pytest.raises(DeliveryError, match="550") as caught:
        send_email(message_for(), host=smtp_server.host, port=smtp_server.port, timeout=5)
    assert caught.value.permanent is True


def test_a_550_to_the_recipient_is_a_permanent_delivery_error(smtp_server: SmtpServer) -> None:
    smtp_server.fail_next(1, code=550, at="rcpt")
    with pytest.raises(DeliveryError, match=RECIPIENT) as caught:
        send_email(message_for(), host=smtp_server.host, port=smtp_server.port, timeout=5)
    assert caught.value.permanent is True


def test_a_server_that_is_down_is_a_transient_delivery_error_and_delivery_works_once_it_is_back(
    smtp_server: SmtpServer,
) -> None:
    smtp_server.stop()
    with pytest.raises(DeliveryError) as caught:
        send_email(message_for(), host=smtp_server.host, port=smtp_server.port, timeout=5)
    assert caught.value.permanent is False
    smtp_server.start()
    send_email(message_for(), host=smtp_server.host, port=smtp_server.port, timeout=5)
    assert len(smtp_server.messages) == 1


def test_a_server_that_never_answers_is_a_transient_delivery_error() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        with pytest.raises(DeliveryError) as caught:
            send_email(message_for(), host="127.0.0.1", port=silent.getsockname()[1], timeout=0.3)
    assert caught.value.permanent is False


def test_login_with_wrong_credentials_is_a_permanent_delivery_error() -> None:
    with SmtpServer(auth=("alerts", "secret")) as server:
        with pytest.raises(DeliveryError) as caught:
            send_email(
                message_for(), host=server.host, port=server.port, username="alerts", password="wrong", timeout=5
            )
        assert caught.value.permanent is True
        send_email(message_for(), host=server.host, port=server.port, username="alerts", password="secret", timeout=5)
        assert len(server.messages) == 1


def test_sending_without_login_to_a_server_requiring_it_is_a_permanent_delivery_error() -> None:
    with SmtpServer(auth=("alerts", "secret")) as server, pytest.raises(DeliveryError, match="530") as caught:
        send_email(message_for(), host=server.host, port=server.port, timeout=5)
    assert caught.value.permanent is True
