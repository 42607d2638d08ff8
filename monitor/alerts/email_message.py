"""Alert emails about policy changes: one change, or a digest of several, as a message ready for SMTP.

Rendering lives in ``monitor.alerts.email_render`` and ``monitor.alerts.digest_render``, sending in
``monitor.alerts.smtp``; their public names are re-exported here.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from monitor.alerts.digest_render import Digest, render_digest_html, render_digest_subject, render_digest_text
from monitor.alerts.email_render import ChangeNotice, render_html, render_subject, render_text
from monitor.alerts.smtp import send_email

__all__ = [
    "ChangeNotice",
    "Digest",
    "build_digest_email",
    "build_email",
    "digest_thread_id",
    "make_digest_message_id",
    "make_message_id",
    "policy_thread_id",
    "render_html",
    "render_subject",
    "render_text",
    "send_email",
    "unsubscribe_headers",
]

_SLUG = re.compile(r"[^a-z0-9]+")
_URL_UNSAFE = re.compile(r"[\x00-\x20\x7f<>,\"]")  # would break out of List-Unsubscribe's <...>


def build_email(
    notice: ChangeNotice,
    *,
    sender: str,
    recipient: str,
    message_id: str,
    date: datetime | None = None,
    unsubscribe_url: str | None = None,
) -> EmailMessage:
    """A multipart/alternative message (text, then HTML) about one change, for one recipient.

    It replies to the policy's thread root, so every alert about a policy lands in one thread.
    """
    message = _message(
        render_subject(notice), render_text(notice), render_html(notice), sender=sender, recipient=recipient
    )
    thread = policy_thread_id(notice.policy_name, domain=_domain(message_id, sender))
    _identify(message, message_id=message_id, thread=thread, date=date, unsubscribe_url=unsubscribe_url)
    return message


def build_digest_email(
    notices: Sequence[ChangeNotice],
    *,
    period: str,
    sender: str,
    recipient: str,
    message_id: str,
    date: datetime | None = None,
    unsubscribe_url: str | None = None,
) -> EmailMessage:
    """One message gathering several changes (``period``: "daily" or "weekly"); threaded per recipient and period."""
    digest = Digest(tuple(notices), period)
    message = _message(
        render_digest_subject(digest),
        render_digest_text(digest),
        render_digest_html(digest),
        sender=sender,
        recipient=recipient,
    )
    thread = digest_thread_id(period=period, recipient=recipient, domain=_domain(message_id, sender))
    _identify(message, message_id=message_id, thread=thread, date=date, unsubscribe_url=unsubscribe_url)
    return message


def _message(subject: str, text: str, html: str, *, sender: str, recipient: str) -> EmailMessage:
    message = EmailMessage()
    _set_subject(message, subject)
    message["From"] = sender
    message["To"] = recipient
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def _set_subject(message: EmailMessage, subject: str) -> None:
    if subject.isascii():
        message["Subject"] = subject
        return
    # CPython folds "17 – 22" as "17 \n =?utf-8?...?= 22", which unfolds to two spaces before the dash. Folding
    # between encoded words only, as Header does, unfolds to nothing: the subject reads back exactly.
    message.set_raw("Subject", Header(subject, "utf-8", header_name="Subject").encode())


def _identify(
    message: EmailMessage, *, message_id: str, thread: str, date: datetime | None, unsubscribe_url: str | None
) -> None:
    if date is None:
        date = datetime.now(UTC)
    elif date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["In-Reply-To"] = thread
    message["References"] = thread
    for name, value in unsubscribe_headers(unsubscribe_url).items():
        message[name] = value


def unsubscribe_headers(url: str | None) -> dict[str, str]:
    """``List-Unsubscribe`` for an http(s) or mailto URL, plus RFC 8058 one-click for https only.

    Raises ``ValueError`` for any other URL, or one that would not stay inside the header's ``<...>``.
    """
    if not url:
        return {}
    scheme = url.partition(":")[0].lower()
    if scheme not in {"https", "http", "mailto"} or _URL_UNSAFE.search(url) or not url.isascii():
        raise ValueError(f"not a usable unsubscribe URL (https, http or mailto, no spaces): {url!r}")
    headers = {"List-Unsubscribe": f"<{url}>"}
    if scheme == "https":
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


# ---- identities ---------------------------------------------------------------------------------------------------


def make_message_id(
    *, change_id: int, recipient: str, domain: str, subscription: str | None = None, installation: str = ""
) -> str:
    """The same id for the same change and recipient on every resend, so mail clients de-duplicate.

    ``subscription`` tells apart two subscriptions of one recipient (their emails may differ, by a section
    filter); ``installation`` two installations whose databases number their changes alike (a mail system
    drops a second message with an id it has seen). Without them the id is the one earlier versions made.
    """
    key = _normal(recipient) if subscription is None else f"{_normal(recipient)}\n{subscription}"
    return f"<policy-monitor.change-{change_id}.{_hash(key, 12)}{_of(installation)}@{domain}>"


def make_digest_message_id(
    *, change_ids: Iterable[int], recipient: str, domain: str, subscription: str | None = None, installation: str = ""
) -> str:
    """The same id for the same set of changes to the same recipient, so a resent digest is folded too."""
    ids = sorted(set(change_ids))
    if not ids:
        raise ValueError("a digest needs at least one change")
    key = "\n".join([",".join(map(str, ids)), _normal(recipient), subscription or ""])
    return f"<policy-monitor.digest-{ids[0]}-{ids[-1]}.{_hash(key, 16)}{_of(installation)}@{domain}>"


def _of(installation: str) -> str:
    return f".{installation[:12]}" if installation else ""


def policy_thread_id(policy_name: str, *, domain: str) -> str:
    """The id every alert about a policy replies to: a thread root that is never sent, computable anywhere."""
    slug = _SLUG.sub("-", policy_name.casefold()).strip("-")[:40] or "policy"
    return f"<policy-monitor.policy-{slug}.{_hash(policy_name, 8)}@{domain}>"


def digest_thread_id(*, period: str, recipient: str, domain: str) -> str:
    """The thread root of one recipient's daily (or weekly) digests."""
    return f"<policy-monitor.digest-{period}.{_hash(_normal(recipient), 12)}@{domain}>"


def _domain(message_id: str, sender: str) -> str:
    """The domain of our ids: the Message-ID's, else the sender's."""
    right = message_id.strip().strip("<>").rpartition("@")[2]
    return right or parseaddr(sender)[1].rpartition("@")[2] or "localhost"


def _normal(recipient: str) -> str:
    return recipient.strip().lower()


def _hash(text: str, length: int) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]
