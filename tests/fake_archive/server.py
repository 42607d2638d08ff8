"""``FakeArchive``: a real HTTP server on loopback that behaves like the Wayback Machine (wayback-api.md §9)."""

from __future__ import annotations

import contextlib
import gzip
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fake_archive import cdx
from tests.fake_archive.corpus import history_versions, snapshot_files
from tests.fake_archive.corpus import render_history_version as _render_history_version
from tests.fake_archive.faults import Fault, FaultQueue, Firewall, FirewallBlock, SlidingWindowLimiter
from tests.fake_archive.playback import PlaybackOptions, playback
from tests.fake_archive.responses import Reply, bad_query, blocked_cdx, rate_limited, server_error
from tests.fake_archive.store import CaptureStore, FakeCapture, parse_timestamp, payload_digest
from tests.fake_archive.urlkey import bare_host, urlkey

CDX_PATH = "/cdx/search/cdx"


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


class FakeArchive:
    """The Wayback Machine's CDX and playback endpoints on 127.0.0.1, in a daemon thread.

    Switches are plain attributes, read on every request, so a test may flip them mid-run.
    """

    def __init__(self) -> None:
        self.duplicate_rows = False  # FS-4
        self.malformed_rows = False  # FS-10
        self.blocked: set[str] = set()  # hosts (with their subdomains) or exact URLs; FS-11, FS-19
        self.resume_key_style = "a"  # FS-5: "a" (2020-23, quoted and incremented) or "b" (2026, zlib+base64)
        self.trailing_empty_page = False  # FS-6: name a resume key whenever a page is full
        self.cdx_content_type = "text/plain;charset=UTF-8"  # the 2026 backend sends "text/plain"
        self.redirect_location_form = "absolute"  # FS-16: "absolute", "path" or "scheme-relative"
        self._store = CaptureStore()
        self._faults = FaultQueue()
        self._firewall = Firewall()
        self._limiters: dict[str, SlidingWindowLimiter] = {}
        self._retry_after: dict[str, str] = {}
        self._log: list[LoggedRequest] = []
        self._log_lock = threading.Lock()
        self._server: _Server | None = None
        self._base_url: str | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``; only once started."""
        if self._base_url is None:
            raise RuntimeError("FakeArchive is not running; call start() first")
        return self._base_url

    @property
    def cdx_url(self) -> str:
        return self.base_url + CDX_PATH

    def playback_url(self, url: str, timestamp: str, mode: str = "id_") -> str:
        """``{base_url}/web/<timestamp><mode>/<url>``."""
        return f"{self.base_url}/web/{timestamp}{mode}/{url}"

    def start(self) -> FakeArchive:
        if self._server is not None:
            return self
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.archive = self
        host, port = self._server.server_address[:2]
        self._base_url = f"http://{host!s}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, name="fake-archive", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._base_url = None

    def __enter__(self) -> FakeArchive:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # -- content -----------------------------------------------------------------------------------

    def add_capture(
        self,
        url: str,
        timestamp: str,
        body: bytes,
        *,
        status: int = 200,
        mimetype: str = "text/html",
        content_type: str | None = "text/html; charset=utf-8",
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        location: str | None = None,
        playable: bool = True,
        revisit: bool = False,
        digest: str | None = None,
    ) -> FakeCapture:
        """Archive one response; thread-safe, so it may reveal a new capture mid-test.

        ``headers`` become ``X-Archive-Orig-*`` (pairs keep repeats); ``playable=False`` lists the capture in
        CDX but redirects its playback to the nearest playable one (FS-14); ``digest`` overrides
        base32(sha1(body)) for FS-21's mismatching digests.
        """
        parse_timestamp(timestamp)  # raises ValueError for anything but 14 valid digits
        pairs = tuple(headers.items() if isinstance(headers, Mapping) else headers or ())
        capture = FakeCapture(
            url=url,
            timestamp=timestamp,
            urlkey=urlkey(url),
            digest=digest or payload_digest(body),
            body=bytes(body),
            status=status,
            mimetype=mimetype,
            content_type=content_type,
            headers=pairs,
            location=location,
            playable=playable,
            revisit=revisit,
        )
        self._store.add(capture)
        return capture

    def add_snapshot_site(self, domain: str) -> list[FakeCapture]:
        """Every HTML capture of ``domain`` in ../shared/corpus/snapshots, at its original URL."""
        return [self.add_capture(s.original_url, s.timestamp, s.body) for s in snapshot_files(domain)]

    def add_history(self, document: str, url: str, *, count: int | None = None, start: int = 0) -> list[FakeCapture]:
        """Versions ``[start:start+count]`` of ../shared/corpus/histories/<document>, rendered, captured at ``url``."""
        versions = history_versions(document)
        stop = len(versions) if count is None else start + count
        return [
            self.add_capture(url, versions[index].timestamp, self.render_history_version(document, index))
            for index in range(start, min(stop, len(versions)))
        ]

    def render_history_version(self, document: str, index: int) -> bytes:
        """The HTML page ``add_history`` serves for version ``index`` of ``document``."""
        return _render_history_version(document, index)

    @property
    def captures(self) -> list[FakeCapture]:
        """Every capture, sorted by (urlkey, timestamp)."""
        return self._store.all()

    # -- observation, faults, limits ---------------------------------------------------------------

    @property
    def requests(self) -> list[LoggedRequest]:
        """A copy of the request log, in the order the answers were sent."""
        with self._log_lock:
            return list(self._log)

    def clear_requests(self) -> None:
        with self._log_lock:
            self._log.clear()

    def inject(
        self, status: int | str, *, count: int = 1, path_prefix: str = "/", headers: dict[str, str] | None = None
    ) -> None:
        """Answer the next ``count`` requests under ``path_prefix`` with a fault (FS-24).

        ``status``: 429 (nginx page) or another HTTP error code (HTML error page); ``"reset"`` (close
        without a response); ``"truncate"`` (close mid-body); ``"slow:<seconds>"`` (delay, then answer).
        """
        self._faults.inject(Fault.parse(status, tuple((headers or {}).items())), count, path_prefix)

    def clear_faults(self) -> None:
        self._faults.clear()

    def limit_cdx(self, per_minute: float, window: float = 60.0, *, retry_after: str | None = None) -> None:
        """Rate-limit the CDX pool (CDX and /web/timemap) per client; over it, a live 429 (FS-22)."""
        self._limit("cdx", per_minute, window, retry_after)

    def limit_playback(self, per_minute: float, window: float = 60.0, *, retry_after: str | None = None) -> None:
        """Rate-limit the playback pool (/web/...) per client."""
        self._limit("playback", per_minute, window, retry_after)

    def enable_firewall(self, after: float = 60.0, duration: float = 3600.0) -> None:
        """FS-23: refuse connections from a client that ignores 429s for more than ``after`` seconds."""
        self._firewall.after, self._firewall.duration, self._firewall.enabled = after, duration, True

    @property
    def firewall_blocks(self) -> list[FirewallBlock]:
        return list(self._firewall.blocks)

    def _limit(self, pool: str, per_minute: float, window: float, retry_after: str | None) -> None:
        self._limiters[pool] = SlidingWindowLimiter(per_minute, window)
        if retry_after is None:
            self._retry_after.pop(pool, None)
        else:
            self._retry_after[pool] = retry_after

    # -- answering ---------------------------------------------------------------------------------

    def _record(self, entry: LoggedRequest) -> None:
        with self._log_lock:
            self._log.append(entry)

    def _answer(self, target: str, client: str) -> Reply:
        """The normal answer to ``GET target``, rate limits included."""
        path = urlsplit(target).path
        pool = "cdx" if path.startswith(("/cdx/", "/web/timemap/")) else "playback" if path.startswith("/web/") else ""
        limiter = self._limiters.get(pool)
        now = time.monotonic()
        if limiter is not None and not limiter.allow(client, now):
            self._firewall.note_rate_limited(client, now)
            retry_after = self._retry_after.get(pool)
            return rate_limited((("Retry-After", retry_after),) if retry_after else ())
        if path == CDX_PATH:
            return self._cdx(target)
        if path.startswith("/web/"):
            options = PlaybackOptions(self.base_url, self.redirect_location_form)
            return playback(target, self._store, options, self._is_blocked)
        return Reply(404, b"Not Found\n", (("Content-Type", "text/plain"),))

    def _cdx(self, target: str) -> Reply:
        try:
            query = cdx.CdxQuery.parse(parse_qs(urlsplit(target).query, keep_blank_values=True))
        except cdx.CdxError as exc:
            return bad_query(str(exc))
        if self._is_blocked(query.url):
            return blocked_cdx()
        options = cdx.CdxOptions(
            self.duplicate_rows,
            self.malformed_rows,
            self.resume_key_style,
            self.trailing_empty_page,
            self.cdx_content_type,
        )
        result = cdx.answer(query, self._store.matching(query.key_matcher()), options)
        headers = (
            ("Content-Type", result.content_type),
            ("X-Page-Cache", "BYPASS"),
            ("X-RL", "0"),
            ("X-location", "cdx"),
            ("x-ts", "200"),
            ("set-cookie", "wb-cdx-nomatch-SERVER=wwwb-app251; path=/"),
        )
        return Reply(200, result.body, headers, chunked=True, compress=query.gzip)

    def _is_blocked(self, url: str) -> bool:
        """A host entry blocks the host and its subdomains; an entry with a path blocks that URL only."""
        host, key = bare_host(url), urlkey(url)
        for entry in set(self.blocked):
            if "/" in entry.split("://", 1)[-1].rstrip("/"):
                if urlkey(entry) == key:
                    return True
            elif host == bare_host(entry) or host.endswith("." + bare_host(entry)):
                return True
        return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    archive: FakeArchive

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def verify_request(self, request: Any, client_address: Any) -> bool:
        """Refuse a firewalled client at accept: the socket is closed before any byte (FS-23)."""
        return not self.archive._firewall.is_blocked(client_address[0], time.monotonic())

    def track(self, connection: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            (self._connections.add if open_ else self._connections.discard)(connection)

    def close_connections(self) -> None:
        """Drop idle keep-alive connections so that stop() leaves nothing listening."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the log's client_port shows connection reuse
    timeout = 30
    server: _Server

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
        if fault is not None and fault.kind == "reset":
            self._drop(arrived, "reset")
            return
        if fault is not None and fault.kind == "status":
            reply = server_error(fault.status, fault.headers)
        else:
            reply = archive._answer(self.path, client)
        self._send(reply, arrived, fault)

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
