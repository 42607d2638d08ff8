"""Channels against real loopback servers: signed webhooks, Apprise URLs and email, and how each fails."""

from __future__ import annotations

import hashlib
import hmac
import socket
from dataclasses import replace

import pytest

from monitor.alerts.channels import (
    AppriseChannel,
    Delivery,
    EmailChannel,
    WebhookChannel,
    build_message,
    verify_signature,
)
from monitor.alerts.digest_render import Digest
from monitor.alerts.email_message import make_message_id, render_subject
from monitor.alerts.smtp import SmtpSettings
from monitor.errors import DeliveryDeferred, DeliveryError
from monitor.models import Change, SectionChange, SectionChangeKind, VersionClass, WordOp, WordOpKind
from tests.http_receiver import HttpReceiver
from tests.notices import BLUESKY_URL, bluesky_notice, x_notice
from tests.smtp_server import SmtpServer

pytestmark = pytest.mark.filterwarnings("ignore:'imghdr' is deprecated:DeprecationWarning")

SECRET = b"s3cret-shared-with-the-receiver"
KEY = make_message_id(change_id=7, recipient="https://hooks.example/legal", domain="monitor.test", subscription="legal")
HOSTILE_NAME = "Bluesky <script>alert(1)</script>"


@pytest.fixture
def receiver(http_receiver: HttpReceiver) -> HttpReceiver:
    return http_receiver


def webhook_delivery(receiver: HttpReceiver, content: object = None) -> Delivery:
    return Delivery(content=content or bluesky_notice(), target=receiver.url("/hook?token=abc"), key=KEY)  # type: ignore[arg-type]


def send_webhook(receiver: HttpReceiver, *, timeout: float = 5.0) -> str:
    return WebhookChannel(secret=SECRET, timeout=timeout).send(webhook_delivery(receiver))


def failure(receiver: HttpReceiver, *statuses: int, headers: dict[str, str] | None = None) -> DeliveryError:
    receiver.answer(*statuses, headers=headers)
    with pytest.raises(DeliveryError) as caught:
        send_webhook(receiver)
    return caught.value


# ---- webhook: what is sent -----------------------------------------------------------------------------------------


def test_a_webhook_posts_the_change_as_json_to_the_configured_url(receiver: HttpReceiver) -> None:
    send_webhook(receiver)
    request = receiver.requests[0]
    assert (request.method, request.path) == ("POST", "/hook?token=abc")
    assert request.headers["content-type"] == "application/json; charset=utf-8"


def test_a_webhook_payload_names_the_policy_both_captures_the_class_and_each_section_change(
    receiver: HttpReceiver,
) -> None:
    send_webhook(receiver)
    payload = receiver.requests[0].json()
    assert payload["policy"] == {"name": "Bluesky", "url": BLUESKY_URL}
    assert payload["old"]["wayback_url"] == f"https://web.archive.org/web/20240314123133/{BLUESKY_URL}"
    assert payload["new"]["captured_at"] == "2024-05-22T18:30:02+00:00"
    assert payload["version_class"] == "substantive"
    share = payload["sections"][-1]
    assert (share["kind"], share["new_path"]) == (
        "modified",
        "Bluesky App Privacy Policy > Other Users You Share or Interact With",
    )
    assert {"op": "insert", "text": "information, messages,"} in share["words"]


def test_a_webhook_is_signed_with_hmac_sha256_of_the_raw_body(receiver: HttpReceiver) -> None:
    send_webhook(receiver)
    request = receiver.requests[0]
    expected = hmac.new(SECRET, request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-policy-monitor-signature"] == f"sha256={expected}"


def test_a_receiver_verifies_the_signature_and_rejects_a_tampered_body(receiver: HttpReceiver) -> None:
    send_webhook(receiver)
    request = receiver.requests[0]
    signature = request.headers["x-policy-monitor-signature"]
    assert verify_signature(request.body, signature, SECRET)
    assert not verify_signature(request.body.replace(b"Bluesky", b"Blueskz"), signature, SECRET)
    assert not verify_signature(request.body, signature, b"another secret")


def test_a_resent_webhook_has_the_same_body_and_idempotency_key_and_a_timestamp(receiver: HttpReceiver) -> None:
    send_webhook(receiver)
    send_webhook(receiver)
    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"] == KEY.strip("<>")
    assert first.headers["x-policy-monitor-timestamp"].isdigit()


def test_a_digest_webhook_carries_every_change(receiver: HttpReceiver) -> None:
    digest = Digest((bluesky_notice(), x_notice()), "daily")
    WebhookChannel(secret=SECRET).send(webhook_delivery(receiver, digest))
    payload = receiver.requests[0].json()
    assert (payload["event"], payload["period"]) == ("digest", "daily")
    assert [change["policy"]["name"] for change in payload["changes"]] == ["Bluesky", "X"]


# ---- webhook: answers ----------------------------------------------------------------------------------------------


def test_a_2xx_answer_is_reported_as_sent_with_its_status(receiver: HttpReceiver) -> None:
    receiver.answer(202, body=b"queued")
    assert send_webhook(receiver) == "HTTP 202 Accepted queued"


def test_a_5xx_answer_is_a_transient_failure(receiver: HttpReceiver) -> None:
    error = failure(receiver, 503)
    assert not error.permanent and "503" in str(error)


def test_a_429_answer_is_a_transient_failure_that_says_when_to_retry(receiver: HttpReceiver) -> None:
    error = failure(receiver, 429, headers={"Retry-After": "120"})
    assert isinstance(error, DeliveryDeferred) and error.retry_after == 120.0


def test_a_webhook_answered_503_twice_is_delivered_on_the_third_attempt(receiver: HttpReceiver) -> None:
    receiver.answer(503, 503)
    outcomes = []
    for _ in range(3):
        try:
            outcomes.append(send_webhook(receiver))
        except DeliveryError as error:
            outcomes.append(f"retry: {error.permanent}")
    assert outcomes == ["retry: False", "retry: False", "HTTP 200 OK ok"]


def test_a_4xx_answer_is_a_permanent_failure(receiver: HttpReceiver) -> None:
    error = failure(receiver, 400)
    assert error.permanent and "HTTP 400" in str(error)


def test_a_redirect_is_not_followed_and_is_a_permanent_failure(receiver: HttpReceiver) -> None:
    error = failure(receiver, 302, headers={"Location": receiver.url("/elsewhere")})
    assert error.permanent and "/elsewhere" in str(error)
    assert [request.path for request in receiver.requests] == ["/hook?token=abc"]


def test_a_receiver_that_does_not_answer_in_time_is_a_transient_failure(receiver: HttpReceiver) -> None:
    receiver.stall(2.0)
    with pytest.raises(DeliveryError, match="timed out") as caught:
        send_webhook(receiver, timeout=0.2)
    assert not caught.value.permanent


def test_a_refused_connection_is_a_transient_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    delivery = Delivery(content=bluesky_notice(), target=f"http://127.0.0.1:{port}/hook", key=KEY)
    with pytest.raises(DeliveryError, match="unreachable") as caught:
        WebhookChannel(secret=SECRET, timeout=2).send(delivery)
    assert not caught.value.permanent


def test_failure_messages_name_the_host_but_not_the_url_token(receiver: HttpReceiver) -> None:
    assert "token=abc" not in str(failure(receiver, 500))


# ---- Apprise -------------------------------------------------------------------------------------------------------


def apprise_delivery(receiver: HttpReceiver, *, scheme: str = "json") -> Delivery:
    return Delivery(content=bluesky_notice(), target=f"{scheme}://127.0.0.1:{receiver.port}/notify", key=KEY)


def test_apprise_posts_the_subject_and_a_short_text_to_a_json_url(receiver: HttpReceiver) -> None:
    answer = AppriseChannel(timeout=5).send(apprise_delivery(receiver))
    payload = receiver.requests[0].json()
    assert payload["title"] == render_subject(bluesky_notice())
    assert "• modified: Bluesky App Privacy Policy > Other Users You Share or Interact With" in payload["message"]
    assert "{+messages,+}" in payload["message"]
    assert answer.startswith("Apprise json://127.0.0.1") and answer.endswith("sent")


def test_apprise_passes_on_no_mention_from_archived_text(receiver: HttpReceiver) -> None:
    text = "Write to @everyone or <@1234> at privacy@bsky.app"
    words = (WordOp(WordOpKind.INSERT, text),)
    section = SectionChange(SectionChangeKind.MODIFIED, "Contact @here", "Contact @here", "", text, words)
    content = replace(bluesky_notice(), change=Change(VersionClass.SUBSTANTIVE, sections=(section,)))
    AppriseChannel(timeout=5).send(Delivery(content=content, target=apprise_delivery(receiver).target, key=KEY))
    message = receiver.requests[0].json()["message"]
    assert "@everyone" not in message and "@here" not in message and "<@1234>" not in message
    assert "@\u200beveryone" in message and "privacy@\u200bbsky.app" in message


def test_apprise_sends_to_a_form_url_too(receiver: HttpReceiver) -> None:
    AppriseChannel(timeout=5).send(apprise_delivery(receiver, scheme="form"))
    assert b"title=%5Bpolicy-monitor%5D+Bluesky+privacy+policy" in receiver.requests[0].body


def test_an_apprise_service_that_fails_is_a_transient_failure_with_its_reason(receiver: HttpReceiver) -> None:
    receiver.answer(503)
    with pytest.raises(DeliveryError, match="error=503") as caught:
        AppriseChannel(timeout=5).send(apprise_delivery(receiver))
    assert not caught.value.permanent


def test_apprise_does_not_follow_a_redirect(receiver: HttpReceiver) -> None:
    receiver.answer(302, headers={"Location": receiver.url("/elsewhere")})
    with pytest.raises(DeliveryError):
        AppriseChannel(timeout=5).send(apprise_delivery(receiver))
    assert [request.path for request in receiver.requests] == ["/notify"]


def test_an_apprise_url_apprise_cannot_parse_is_a_permanent_failure() -> None:
    delivery = Delivery(content=bluesky_notice(), target="nosuchservice://secret-token", key=KEY)
    with pytest.raises(DeliveryError, match="nosuchservice://…") as caught:
        AppriseChannel().send(delivery)
    assert caught.value.permanent and "secret-token" not in str(caught.value)


def test_an_apprise_target_listing_two_urls_reaches_no_second_host(receiver: HttpReceiver) -> None:
    with HttpReceiver() as other:
        target = f"{apprise_delivery(receiver).target}, {apprise_delivery(other).target}"
        AppriseChannel(timeout=5).send(Delivery(content=bluesky_notice(), target=target, key=KEY))
        assert other.requests == [] and len(receiver.requests) == 1


# ---- email ---------------------------------------------------------------------------------------------------------


def email_channel(server: SmtpServer) -> EmailChannel:
    return EmailChannel(SmtpSettings(host=server.host, port=server.port, timeout=5), sender="alerts@monitor.test")


def test_the_email_channel_sends_the_alert_with_the_delivery_key_as_message_id(smtp_server: SmtpServer) -> None:
    answer = email_channel(smtp_server).send(Delivery(bluesky_notice(), "dpo@example.org", KEY))
    assert answer.startswith("250")
    assert smtp_server.messages[0]["Message-ID"] == KEY
    assert smtp_server.messages[0]["Subject"] == render_subject(bluesky_notice())


def test_the_email_channel_sends_a_digest_as_one_email(smtp_server: SmtpServer) -> None:
    digest = Digest((bluesky_notice(), x_notice()), "weekly")
    email_channel(smtp_server).send(Delivery(digest, "dpo@example.org", "<digest-1@monitor.test>"))
    assert [m["Subject"] for m in smtp_server.messages] == [
        "[policy-monitor] weekly digest: 2 policies changed (2024-05-17 – 2024-05-22)"
    ]


def test_an_email_with_an_unusable_unsubscribe_url_is_a_permanent_failure() -> None:
    delivery = Delivery(bluesky_notice(), "dpo@example.org", KEY, unsubscribe_url="javascript:alert(1)")
    with pytest.raises(DeliveryError, match="unsubscribe") as caught:
        build_message(delivery, sender="alerts@monitor.test")
    assert caught.value.permanent


def test_a_webhook_payload_names_each_versions_number() -> None:
    from monitor.alerts.channels.webhook import notice_as_dict

    payload = notice_as_dict(replace(bluesky_notice(), old_number=4, new_number=5))
    assert (payload["old"]["version"], payload["new"]["version"], payload["reverted_to"]) == (4, 5, None)
