"""A real HTTP server on loopback for tests of webhooks and Apprise: it records every request it gets and
answers with the statuses it is told to.

    with HttpReceiver() as receiver:
        receiver.answer(503, 503)          # the next two requests get 503, later ones 200
        requests.post(receiver.url("/hook"), json={...})
        assert receiver.requests[0].json() == {...}

``receiver.stall(seconds)`` makes it wait that long before answering the next request (for timeouts).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        answer = self.server.receiver._take(ReceivedRequest(self.command, self.path, headers, body))
        time.sleep(answer.delay)
        try:
            self.send_response(answer.status)
            for name, value in answer.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout under test): nobody is left to answer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: pytest shows what failed


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: HttpReceiver


class HttpReceiver:
    """An HTTP server on 127.0.0.1 and a free port; ``requests`` lists what it received, oldest first."""

    def __init__(self) -> None:
        self.requests: list[ReceivedRequest] = []
        self._answers: list[Answer] = []
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.receiver = self
        # A short poll interval: shutdown() waits for the serving loop to notice, once per interval.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, *statuses: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        """Answer the next requests with these statuses, one each; 200 after them."""
        extra = tuple((headers or {}).items())
        with self._lock:
            self._answers += [Answer(status, body or f"status {status}".encode(), extra) for status in statuses]

    def stall(self, seconds: float) -> None:
        """Wait ``seconds`` before answering the next request (with 200)."""
        with self._lock:
            self._answers.append(Answer(delay=seconds))

    def start(self) -> HttpReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> HttpReceiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _take(self, request: ReceivedRequest) -> Answer:
        with self._lock:
            self.requests.append(request)
            return self._answers.pop(0) if self._answers else Answer()


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    """A started loopback HTTP receiver, stopped after the test."""
    with HttpReceiver() as receiver:
        yield receiver
