"""Handing an alert email to an SMTP server: the server's answer, or a ``DeliveryError`` saying whether to retry."""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import TYPE_CHECKING

from monitor.errors import DeliveryError

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpSettings:
    """The server alerts are handed to, and how (the ``[email]`` table's SMTP keys; the password from the
    environment)."""

    host: str = "localhost"
    port: int = 25
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    timeout: float = 30.0


class _SMTP(smtplib.SMTP):
    """``smtplib.SMTP`` that remembers the server's answer to DATA (``sendmail`` discards it)."""

    data_reply: tuple[int, bytes] | None = None

    def data(self, msg: ReadableBuffer | str) -> tuple[int, bytes]:
        self.data_reply = super().data(msg)
        return self.data_reply


def send_email(message: EmailMessage, server: SmtpSettings) -> str:
    """Deliver ``message``; the server's answer, e.g. ``250 OK queued as 1234``.

    Raises ``DeliveryError``: ``permanent`` for 5xx answers and refused credentials, otherwise transient.
    """
    smtp = _SMTP(timeout=server.timeout)
    try:
        try:
            answer = _deliver(smtp, message, server)
        except (smtplib.SMTPException, OSError) as error:
            raise _delivery_error(error, server.host, server.port) from error
        _quit_quietly(smtp)
    finally:
        smtp.close()
    logger.info(
        "alert %s delivered to %s via %s:%d: %s", message["Message-ID"], message["To"], server.host, server.port, answer
    )
    return answer


def _deliver(smtp: _SMTP, message: EmailMessage, server: SmtpSettings) -> str:
    code, greeting = smtp.connect(server.host, server.port)
    if code != 220:
        raise smtplib.SMTPConnectError(code, greeting)
    if server.starttls:
        smtp.ehlo()
        smtp.starttls(context=ssl.create_default_context())
    if server.username:
        smtp.login(server.username, server.password or "")
    refused = smtp.send_message(message)
    answer = _describe(*(smtp.data_reply or (250, b"")))
    if refused:
        answer += "; refused: " + ", ".join(f"{rcpt} {_describe(*reply)}" for rcpt, reply in refused.items())
    return answer


def _quit_quietly(smtp: smtplib.SMTP) -> None:
    # The message is accepted by now: a failing QUIT must not turn a delivery into an error (and a resend).
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError) as error:
        logger.debug("QUIT after delivery failed: %s", error)


def _delivery_error(error: smtplib.SMTPException | OSError, host: str, port: int) -> DeliveryError:
    where = f"SMTP {host}:{port}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = list(error.recipients.values())
        detail = "; ".join(f"{rcpt}: {_describe(*reply)}" for rcpt, reply in error.recipients.items())
        permanent = all(_is_permanent(code) for code, _ in replies)
        return DeliveryError(f"{where} refused the recipients: {detail or 'none given'}", permanent=permanent)
    if isinstance(error, smtplib.SMTPAuthenticationError):
        # 454 is a temporary auth failure; anything else means the credentials are wrong.
        permanent = not 400 <= error.smtp_code < 500
        return DeliveryError(
            f"{where} refused the login: {_describe(error.smtp_code, error.smtp_error)}", permanent=permanent
        )
    if isinstance(error, smtplib.SMTPResponseException):
        reply = _describe(error.smtp_code, error.smtp_error)
        return DeliveryError(f"{where} answered {reply}", permanent=_is_permanent(error.smtp_code))
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return DeliveryError(f"{where}: {error}", permanent=True)  # e.g. no STARTTLS: configuration, not luck
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return DeliveryError(f"{where} closed the connection: {error}")
    return DeliveryError(f"{where} unreachable or failing: {type(error).__name__}: {error}")


def _is_permanent(code: int) -> bool:
    return 500 <= code < 600


def _describe(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return f"{code} {' '.join(text.split())}"[:300]
