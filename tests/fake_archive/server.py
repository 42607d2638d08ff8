"""``FakeArchive``: a real HTTP server on loopback that behaves like the Wayback Machine
(docs/wayback.md#fake-archive)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from tests.fake_archive import cdx, extras
from tests.fake_archive.cassette import Exchange, load
from tests.fake_archive.corpus import history_versions, snapshot_files
from tests.fake_archive.corpus import render_history_version as _render_history_version
from tests.fake_archive.faults import Fault, FaultQueue, Firewall, FirewallBlock, SlidingWindowLimiter
from tests.fake_archive.playback import PlaybackOptions, playback
from tests.fake_archive.responses import Reply, bad_query, blocked_cdx, rate_limited, robots_blocked_cdx
from tests.fake_archive.store import CaptureStore, FakeCapture, chunk_framed, parse_timestamp, payload_digest
from tests.fake_archive.urlkey import bare_host, urlkey
from tests.fake_archive.wire import Handler, LoggedRequest, Server

CDX_PATH = "/cdx/search/cdx"


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
        self.robots_blocked: set[str] = set()  # like ``blocked``, but excluded by robots.txt (FS-11, FS-19)
        self.doubled_content_encoding = False  # FS-20: an empty ``content-encoding:`` beside the gzip one
        self.availability_always_429 = False  # FS-27: the availability API's "429 even on the first request"
        self._store = CaptureStore()
        self._faults = FaultQueue()
        self._firewall = Firewall()
        self._limiters: dict[str, SlidingWindowLimiter] = {}
        self._retry_after: dict[str, str] = {}
        self._log: list[LoggedRequest] = []
        self._log_lock = threading.Lock()
        self._replays: dict[str, list[Exchange]] = {}
        self._server: Server | None = None
        self._base_url: str | None = None
        self._port = 0
        self._thread: threading.Thread | None = None
        self._lifecycle = threading.RLock()
        self._stopped = threading.Event()
        self._block_threads: list[threading.Thread] = []

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
        with self._lifecycle:
            if self._base_url is not None:
                return self
            self._stopped.clear()
            self._listen(0)
        return self

    def stop(self) -> None:
        self._stopped.set()
        with self._lifecycle:
            self._unlisten()
            self._base_url = None
            threads, self._block_threads = self._block_threads, []
        for thread in threads:
            thread.join(timeout=5)

    def _listen(self, port: int) -> None:
        server = Server(("127.0.0.1", port), Handler)
        server.archive = self
        host, self._port = server.server_address[:2]
        self._base_url = f"http://{host!s}:{self._port}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, name="fake-archive", daemon=True
        )
        self._server = server
        self._thread.start()

    def _unlisten(self) -> None:
        """Close the listening socket, so that connecting is refused (ECONNREFUSED), and drop open connections."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

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
        chunked_digest: bool = False,
        served_as: str | None = None,
    ) -> FakeCapture:
        """Archive one response; thread-safe, so it may reveal a new capture mid-test.

        ``headers`` become ``X-Archive-Orig-*`` (pairs keep repeats); ``playable=False`` lists the capture in
        CDX but redirects its playback to the nearest playable one (FS-14); ``digest`` overrides
        base32(sha1(body)), and ``chunked_digest`` hashes the chunk-framed body as some crawlers did, so that
        the digest no longer matches the served bytes (FS-21); ``served_as`` puts another timestamp in the
        ``Memento-Datetime`` of its playback.
        """
        parse_timestamp(timestamp)  # raises ValueError for anything but 14 valid digits
        pairs = tuple(headers.items() if isinstance(headers, Mapping) else headers or ())
        capture = FakeCapture(
            url=url,
            timestamp=timestamp,
            urlkey=urlkey(url),
            digest=digest or payload_digest(chunk_framed(body) if chunked_digest else body),
            body=bytes(body),
            status=status,
            mimetype=mimetype,
            content_type=content_type,
            headers=pairs,
            location=location,
            playable=playable,
            revisit=revisit,
            served_as=served_as,
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

    def replay(self, cassette: str, *, by: str = "target") -> list[Exchange]:
        """Serve the recorded answers of ../shared/corpus/wayback/<cassette>.yaml to the same requests.

        With ``by="target"`` a request whose path and query equal a recorded one gets the next recorded answer
        for it; with ``by="path"`` any request to the path does, in recorded order (to page through recorded CDX
        results with our own query). The last answer repeats once they are used up. web.archive.org URLs in the
        answers point to this server instead; limits and faults still apply.
        """
        exchanges = list(load(cassette))
        with self._log_lock:
            for exchange in exchanges:
                key = exchange.target if by == "target" else urlsplit(exchange.uri).path
                self._replays.setdefault(key, []).append(exchange)
        return exchanges

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
        without a response); ``"truncate"`` (close mid-body); ``"slow:<seconds>"`` (delay, then answer);
        ``"trickle:<seconds>"`` (the whole answer, one byte every so many seconds); ``"hang"`` (read the request
        and never answer, until the archive stops).
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

    def block_now(self, duration: float) -> FirewallBlock:
        """Start a firewall block at once, as if the client had ignored 429s: connections are refused (FS-23)."""
        block = self._firewall.block("127.0.0.1", time.monotonic(), duration)
        self._enforce(block)
        return block

    @property
    def firewall_blocks(self) -> list[FirewallBlock]:
        return list(self._firewall.blocks)

    def _enforce(self, block: FirewallBlock) -> None:
        """Stop listening at once for the block's length, then listen again on the same port (from a thread)."""
        with self._lifecycle:
            if self._stopped.is_set():
                return
            self._unlisten()

        def run() -> None:
            if self._stopped.wait(max(0.0, block.until - time.monotonic())):
                return
            with self._lifecycle:
                if not self._stopped.is_set() and self._server is None:
                    self._listen(self._port)

        thread = threading.Thread(target=run, name="fake-archive-firewall", daemon=True)
        with self._lifecycle:
            thread.start()
            self._block_threads.append(thread)

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

    def _answer(self, target: str, client: str) -> Reply | None:
        """The normal answer to ``GET target``, rate limits included; None when a firewall block begins now."""
        path = urlsplit(target).path
        pool = "cdx" if path.startswith(("/cdx/", "/web/timemap/")) else "playback" if path.startswith("/web/") else ""
        limiter = self._limiters.get(pool)
        now = time.monotonic()
        if limiter is not None and not limiter.allow(client, now):
            block = self._firewall.note_rate_limited(client, now)
            if block is not None:
                self._enforce(block)
                return None
            retry_after = self._retry_after.get(pool)
            return rate_limited((("Retry-After", retry_after),) if retry_after else ())
        replayed = self._replayed(target)
        if replayed is not None:
            return replayed
        return self._route(path, target)

    def _route(self, path: str, target: str) -> Reply:
        if path == CDX_PATH:
            return self._cdx(target)
        if path.startswith("/web/timemap/link/"):
            return extras.timemap(target, self._store, self.base_url)
        if path.startswith("/web/"):
            options = PlaybackOptions(self.base_url, self.redirect_location_form)
            return playback(target, self._store, options, self._is_blocked, self._is_robots_blocked)
        if path == "/wayback/available":
            return extras.available(target, self._store, self.base_url, always_429=self.availability_always_429)
        return Reply(404, b"Not Found\n", (("Content-Type", "text/plain"),))

    def _replayed(self, target: str) -> Reply | None:
        with self._log_lock:
            queue = self._replays.get(target) or self._replays.get(urlsplit(target).path)
            if not queue:
                return None
            exchange = queue.pop(0) if len(queue) > 1 else queue[0]
        return extras.replayed(exchange, self.base_url)

    def _cdx(self, target: str) -> Reply:
        try:
            query = cdx.CdxQuery.parse(parse_qs(urlsplit(target).query, keep_blank_values=True))
        except cdx.CdxError as exc:
            return bad_query(str(exc))
        if self._is_blocked(query.url):
            return blocked_cdx()
        if self._is_robots_blocked(query.url):
            return robots_blocked_cdx()
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
        return _listed(self.blocked, url)

    def _is_robots_blocked(self, url: str) -> bool:
        return _listed(self.robots_blocked, url)


def _listed(entries: set[str], url: str) -> bool:
    """A host entry covers the host and its subdomains; an entry with a path covers that URL only."""
    host, key = bare_host(url), urlkey(url)
    for entry in set(entries):
        if "/" in entry.split("://", 1)[-1].rstrip("/"):
            if urlkey(entry) == key:
                return True
        elif host == bare_host(entry) or host.endswith("." + bare_host(entry)):
            return True
    return False
