"""The HTTP plumbing under ``FakeArchive``: the threaded server, the request handler and the request log entry."""

from __future__ import annotations

import contextlib
import gzip
import io
import socket
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from tests.fake_archive.faults import Fault
from tests.fake_archive.responses import Reply, server_error

if TYPE_CHECKING:
    from tests.fake_archive.server import FakeArchive


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the server saw it (FS-26); appended just before the answer is written."""

    time: float  # time.monotonic() at arrival
    method: str
    path: str  # the URL path; for /web/ playback the whole target, the original URL's query included
    query: dict[str, list[str]]
    headers: dict[str, str]
    client_port: int  # one per TCP connection, so it identifies connection reuse
    status: int | None  # None when no status line was sent (reset, firewall)
    fault: str | None = None

    def header(self, name: str) -> str | None:
        """A request header, looked up case-insensitively."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)

    @property
    def user_agent(self) -> str | None:
        return self.header("User-Agent")

    @property
    def accept_encoding(self) -> str | None:
        return self.header("Accept-Encoding")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    archive: FakeArchive

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def verify_request(self, request: Any, client_address: Any) -> bool:
        """Refuse a firewalled client that slipped in before the listener closed (FS-23)."""
        return not self.archive._firewall.is_blocked(client_address[0], time.monotonic())

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet about clients that hung up first (their timeouts, our own resets); tests read the log instead."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)

    def track(self, connection: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            (self._connections.add if open_ else self._connections.discard)(connection)

    def close_connections(self) -> None:
        """Drop open keep-alive connections, so that nothing is left talking."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the log's client_port shows connection reuse
    timeout = 30
    disable_nagle_algorithm = True  # headers and body go out in separate writes: no 20-40 ms delayed-ACK stall
    server: Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: tests read ``FakeArchive.requests`` instead."""

    def do_GET(self) -> None:
        archive = self.server.archive
        arrived = time.monotonic()
        client = self.client_address[0]
        if archive._firewall.is_blocked(client, arrived):
            self._drop(arrived, "firewall")
            return
        fault = archive._faults.take(self.path)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        if fault is not None and fault.kind == "hang":  # the request is read; no byte of an answer ever comes
            self._drop(arrived, "hang")
            archive._stopped.wait()
            return
        if fault is not None and fault.kind == "reset":
            self._drop(arrived, "reset")
            return
        reply = server_error(fault.status, fault.headers) if fault is not None and fault.kind == "status" else None
        reply = reply or archive._answer(self.path, client)
        if reply is None:  # this very request started a firewall block
            self._drop(arrived, "firewall")
            return
        if fault is not None and fault.kind == "trickle":
            self._trickle(reply, arrived, fault)
            return
        self._send(reply, arrived, fault)

    def _trickle(self, reply: Reply, arrived: float, fault: Fault) -> None:
        """The whole answer, status line and headers included, one byte every ``fault.delay`` s, until the client
        hangs up or the archive stops: no read ever waits long enough to time out."""
        wire, self.wfile = self.wfile, io.BytesIO()
        try:
            self._send(reply, arrived, fault)
            answer = self.wfile.getvalue()
        finally:
            self.wfile = wire
        self.close_connection = True
        for index in range(len(answer)):
            if self.server.archive._stopped.wait(fault.delay if index else 0):
                return
            try:
                self.wfile.write(answer[index : index + 1])
                self.wfile.flush()
            except OSError:
                return

    def _entry(self, arrived: float, status: int | None, fault: Fault | str | None) -> LoggedRequest:
        parts = urlsplit(self.path)
        playback_path = parts.path.startswith("/web/")
        label = fault.label if isinstance(fault, Fault) else fault
        return LoggedRequest(
            time=arrived,
            method=self.command,
            path=self.path if playback_path else parts.path,
            query={} if playback_path else parse_qs(parts.query, keep_blank_values=True),
            headers=dict(self.headers.items()),
            client_port=self.client_address[1],
            status=status,
            fault=label,
        )

    def _drop(self, arrived: float, reason: str) -> None:
        """Close the connection without a byte of response (``RemoteDisconnected`` on the client)."""
        self.server.archive._record(self._entry(arrived, None, reason))
        self.close_connection = True

    def _accepts_gzip(self) -> bool:
        for item in (self.headers.get("Accept-Encoding") or "").split(","):
            coding, _, params = item.strip().partition(";")
            if coding.strip().lower() in ("gzip", "*"):
                return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
        return False

    def _send(self, reply: Reply, arrived: float, fault: Fault | None) -> None:
        body, headers = reply.body, list(reply.headers)
        if reply.compress and self._accepts_gzip():
            body = gzip.compress(body, mtime=0)
            if self.server.archive.doubled_content_encoding:
                headers.append(("content-encoding", ""))  # FS-20: the empty twin that trips ordinary clients
            headers.append(("Content-Encoding", "gzip"))
        truncate = fault is not None and fault.kind == "truncate"
        if truncate and len(body) < 64:
            body = body.ljust(1024, b"\n")  # filler, so that even an empty answer visibly breaks off
        self.server.archive._record(self._entry(arrived, reply.status, fault))
        self.send_response_only(reply.status, reply.reason)
        self.send_header("Server", "nginx")
        self.send_header("Date", self.date_time_string())
        for name, value in headers:
            self.send_header(name, value)
        self.send_header(*(("Transfer-Encoding", "chunked") if reply.chunked else ("Content-Length", str(len(body)))))
        self.end_headers()
        if truncate:
            # Promise the whole body, deliver half, hang up: ChunkedEncodingError on the client (FS-24).
            prefix = f"{len(body):x}\r\n".encode() if reply.chunked else b""
            self.wfile.write(prefix + body[: len(body) // 2])
            self.close_connection = True
        elif reply.chunked:
            self.wfile.write((f"{len(body):x}\r\n".encode() + body + b"\r\n" if body else b"") + b"0\r\n\r\n")
        else:
            self.wfile.write(body)
