"""The webhook channel: an alert POSTed as JSON, signed with HMAC-SHA256 so the receiver can trust it.

Headers: ``X-Policy-Monitor-Signature: sha256=<hex HMAC of the raw body>``, ``X-Policy-Monitor-Timestamp``
(Unix seconds of this attempt) and ``Idempotency-Key`` (the same on every resend, so receivers de-duplicate).
The body is the same on every resend too. Redirects are not followed: the configured URL is the only one
that receives the alert.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from monitor.alerts.channels.base import Channel, Delivery, SendSetup
from monitor.alerts.digest_render import Digest
from monitor.alerts.email_render import ChangeNotice, headline
from monitor.compare.changes import change_as_dict
from monitor.errors import DeliveryDeferred, DeliveryError, SubscriptionError
from monitor.models import Subscription, timestamp_to_datetime

if TYPE_CHECKING:
    import requests

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Policy-Monitor-Signature"
TIMESTAMP_HEADER = "X-Policy-Monitor-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
TRANSIENT_STATUSES = frozenset({408, 425, 429})  # and every 5xx
USER_AGENT = "policy-monitor webhook"
_HTTP_URL = re.compile(r"https?://[^/\s?#]+[^\s]*", re.IGNORECASE)


@dataclass(frozen=True)
class WebhookChannel(Channel):
    """Alerts as signed JSON POSTed to one http(s) URL; the signing secret is read from ``secret_env``."""

    kind: ClassVar[str] = "webhook"
    target_key: ClassVar[str] = "webhook"
    target_help: ClassVar[str] = "POST signed JSON to this http(s) URL (needs secret_env)"
    needs_secret_env: ClassVar[bool] = True  # an unsigned webhook is a forgery waiting to happen

    secret: bytes = field(repr=False)  # the HMAC key both sides know
    timeout: float = 30.0  # connecting, and again waiting for the answer

    def __post_init__(self) -> None:
        if not self.secret:
            raise ValueError("a webhook needs a non-empty signing secret")

    @classmethod
    def check_target(cls, target: str) -> None:
        if not _HTTP_URL.fullmatch(target):
            raise SubscriptionError(f"a webhook target must be an http(s) URL, not {target!r}")

    @classmethod
    def for_subscription(cls, subscription: Subscription, setup: SendSetup) -> tuple[Channel, str]:
        assert subscription.secret_env is not None  # checked with the subscription
        secret = setup.secret(subscription.secret_env, "the webhook's signing secret")
        return cls(secret=secret.encode()), subscription.target

    def send(self, delivery: Delivery) -> str:
        import requests  # only a process that sends webhooks pays for importing it

        body = payload_bytes(webhook_payload(delivery.content, key=delivery.key))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: sign(body, self.secret),
            TIMESTAMP_HEADER: str(int(time.time())),
            IDEMPOTENCY_HEADER: delivery.key.strip("<>"),
        }
        try:
            response = requests.post(
                delivery.target, data=body, headers=headers, timeout=self.timeout, allow_redirects=False
            )
        except requests.RequestException as error:
            raise _request_error(error, delivery.target) from error
        answer = _describe(response)
        if not 200 <= response.status_code < 300:
            raise _status_error(response, answer)
        logger.info("webhook %s delivered: %s", delivery.key, answer)
        return answer


# ---- payload and signature ------------------------------------------------------------------------------------------


def webhook_payload(content: ChangeNotice | Digest, *, key: str) -> dict[str, Any]:
    """The JSON a receiver gets: one change, or a digest's changes under ``changes``."""
    if isinstance(content, Digest):
        changes = [notice_as_dict(notice) for notice in content.notices]
        return {"event": "digest", "id": key.strip("<>"), "period": content.period, "changes": changes}
    return {"event": "change", "id": key.strip("<>"), **notice_as_dict(content)}


def notice_as_dict(notice: ChangeNotice) -> dict[str, Any]:
    """A change with its policy, both captures (dates and Wayback links) and its section changes, word by word."""
    return {
        "policy": {"name": notice.policy_name, "url": notice.policy_url},
        "change_id": notice.change_id,
        "summary": headline(notice),
        "old": _capture(notice, notice.old_timestamp, notice.old_number) if notice.old_timestamp else None,
        "new": _capture(notice, notice.new_timestamp, notice.new_number),
        **change_as_dict(notice.change),
        "reverted_to": _reverted_to(notice),
        "undoes": [_capture(notice, timestamp, number) for timestamp, number in notice.undoes],
        "sections_filtered_out": notice.filtered_out,
        "diff_command": notice.diff_command,
    }


def _capture(notice: ChangeNotice, timestamp: str, number: int | None) -> dict[str, Any]:
    """A version: its number within the policy (``version``, v1 is 1), its capture and the capture's Wayback link."""
    captured_at = timestamp_to_datetime(timestamp).isoformat()
    link = notice.wayback_url(timestamp)
    return {"version": number, "timestamp": timestamp, "captured_at": captured_at, "wayback_url": link}


def _reverted_to(notice: ChangeNotice) -> dict[str, Any] | None:
    if notice.reverted_to_timestamp is None:
        return None
    return _capture(notice, notice.reverted_to_timestamp, notice.reverted_to_number)


def payload_bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sign(body: bytes, secret: bytes) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str, secret: bytes) -> bool:
    """What a receiver does with the raw body and the header (constant-time comparison)."""
    return hmac.compare_digest(sign(body, secret), header.strip())


# ---- answers --------------------------------------------------------------------------------------------------------


def _request_error(error: requests.RequestException, url: str) -> DeliveryError:
    import requests

    where = f"webhook {_host(url)}"
    if isinstance(error, requests.Timeout):
        return DeliveryError(f"{where} timed out: {error}")
    if isinstance(error, requests.ConnectionError):
        return DeliveryError(f"{where} unreachable: {error}")
    if isinstance(
        error, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema)
    ):
        return DeliveryError(f"{where}: not a usable URL: {error}", permanent=True)
    return DeliveryError(f"{where} failed: {type(error).__name__}: {error}")


def _status_error(response: requests.Response, answer: str) -> DeliveryError:
    where = f"webhook {_host(response.url)} answered {answer}"
    status = response.status_code
    if 300 <= status < 400:
        location = response.headers.get("Location", "?")
        return DeliveryError(f"{where}: redirects to {location}; configure that URL instead", permanent=True)
    if status in TRANSIENT_STATUSES or status >= 500:
        retry_after = _retry_after(response.headers.get("Retry-After"))
        if retry_after is not None:
            return DeliveryDeferred(where, retry_after=retry_after)
        return DeliveryError(where)
    return DeliveryError(where, permanent=True)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _describe(response: requests.Response) -> str:
    text = " ".join(response.text.split())[:200] if response.content else ""
    return f"HTTP {response.status_code} {response.reason or ''} {text}".strip()


def _host(url: str) -> str:
    # Never the whole URL in messages and logs: its path or query may hold a token.
    return urlsplit(url).netloc.rpartition("@")[2] or "?"
