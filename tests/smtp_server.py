"""A real SMTP server on loopback for tests (aiosmtpd), with switches for failures and downtime.

    with SmtpServer() as server:
        send_email(message, SmtpSettings(host=server.host, port=server.port))
        assert server.messages[0]["Subject"] == "..."

``server.fail_next(2, code=451)`` answers the next two messages with "451 Try again later";
``server.reply_delay = 0.05`` keeps each accepted message waiting that long for its 250;
``server.stop()`` / ``server.start()`` take it down (connections refused) and bring it back on the same port.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any, Literal

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

REPLIES = {
    421: "421 Service not available, closing channel",
    450: "450 Mailbox unavailable, try again later",
    451: "451 Try again later",
    452: "452 Insufficient system storage",
    550: "550 Mailbox unavailable",
    552: "552 Message size exceeds fixed maximum",
    554: "554 Transaction failed",
}

Stage = Literal["rcpt", "data"]


class _Handler:
    """aiosmtpd handler: records messages and fails on demand. Runs on the server's thread."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]) -> str:
        if self.server.requires_auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        failure = self.server._take_failure("rcpt")
        if failure:
            return failure
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        failure = self.server._take_failure("data")
        if failure:
            return failure
        content = envelope.original_content or envelope.content
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        message["X-MailFrom"] = envelope.mail_from
        message["X-RcptTo"] = ", ".join(envelope.rcpt_tos)
        self.server._record(message, list(envelope.rcpt_tos))
        # Accepted, then slow to say so: a client that dies now has delivered a message it never saw accepted.
        await asyncio.sleep(self.server.reply_delay)
        return "250 OK message accepted"


class SmtpServer:
    """An SMTP server on 127.0.0.1. ``messages`` holds what it accepted, parsed with ``email.policy.default``.

    Each message also carries its envelope as ``X-MailFrom`` / ``X-RcptTo`` headers; ``recipients`` lists the
    envelope recipients per message. With ``auth=(user, password)`` it requires AUTH (without TLS).
    """

    def __init__(self, *, port: int | None = None, auth: tuple[str, str] | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = port or _free_port(self.host)
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self._auth = auth
        self._lock = threading.Lock()
        self._failures: list[tuple[Stage, str]] = []
        self._controller: Controller | None = None
        self.reply_delay = 0.0  # seconds between accepting a message and answering 250

    @property
    def requires_auth(self) -> bool:
        return self._auth is not None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> SmtpServer:
        if self._controller is None:
            controller = Controller(_Handler(self), hostname=self.host, port=self.port, **self._smtp_options())
            controller.start()
            self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def fail_next(self, n: int = 1, *, code: int = 451, at: Stage = "data", reply: str | None = None) -> None:
        """Answer the next ``n`` messages (at DATA; or each RCPT command, ``at="rcpt"``) with ``code``."""
        text = reply or REPLIES.get(code, f"{code} Failure requested by the test")
        with self._lock:
            self._failures.extend([(at, text)] * n)

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.recipients.clear()
            self._failures.clear()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _smtp_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"server_hostname": "localhost", "ready_timeout": 5.0}
        if self._auth:
            # auth_required=True would warn about AUTH without TLS; handle_MAIL enforces it instead.
            options.update(authenticator=self._authenticate, auth_require_tls=False)
        return options

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and self._auth is not None
            and (auth_data.login.decode(), auth_data.password.decode()) == self._auth
        )
        return AuthResult(success=ok, handled=False)

    def _take_failure(self, stage: Stage) -> str | None:
        with self._lock:
            if self._failures and self._failures[0][0] == stage:
                return self._failures.pop(0)[1]
        return None

    def _record(self, message: EmailMessage, recipients: list[str]) -> None:
        with self._lock:
            self.messages.append(message)
            self.recipients.append(recipients)


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A started loopback SMTP server, stopped after the test."""
    with SmtpServer() as server:
        yield server
