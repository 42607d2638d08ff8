"""Requests in flight, each cut off at its total deadline or when the client is interrupted.

A read timeout never fires on an answer that trickles in a byte at a time, and a thread blocked reading a socket
cannot be told to stop. So the socket of each request in flight is known here (the session's connections report it
as they wait for an answer) and shut down, which wakes the read, when the request's deadline passes or when
``interrupt`` is called (a daemon stopping). The client's sleeps wait on the same event, so an interrupt ends them
too, and every later request raises ``Interrupted`` before it is sent.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from monitor.errors import Interrupted

_current = threading.local()  # the Watch of the request this thread is making, if any


class Watch:
    """One attempt in flight: its deadline, and the socket it waits on once connected."""

    def __init__(self, deadline: float, interrupted: threading.Event) -> None:
        self.deadline = deadline
        self.due = time.monotonic() + deadline
        self.expired = False
        self._interrupted = interrupted
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()

    def attach(self, connection: socket.socket) -> None:
        with self._lock:
            self._socket = connection
            late = self.expired or self._interrupted.is_set()
        if late:
            _shut(connection)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
        self.cut_off()

    def cut_off(self) -> None:
        with self._lock:
            connection = self._socket
        if connection is not None:
            _shut(connection)

    def cut(self, error: BaseException | None) -> str | None:
        """Why the attempt (that failed with ``error``) was cut off: ``Interrupted`` is raised, a deadline is named;
        None when it was not cut off."""
        if self._interrupted.is_set():
            raise Interrupted("stopping: the request in flight was abandoned") from error
        if self.expired:
            return f"no complete answer within the request deadline ({self.deadline:g} s)"
        return None


class Inflight:
    """The requests of one client in flight, a watchdog that ends each at its deadline, and the interrupt."""

    def __init__(self) -> None:
        self._interrupted = threading.Event()
        self._changed = threading.Condition()
        self._watches: set[Watch] = set()
        self._watchdog: threading.Thread | None = None
        self._closed = False

    def interrupt(self) -> None:
        """Abandon every wait and request in flight; every later one raises ``Interrupted``."""
        self._interrupted.set()
        with self._changed:
            watches = list(self._watches)
        for watch in watches:
            watch.cut_off()

    def check(self) -> None:
        if self._interrupted.is_set():
            raise Interrupted("stopping: no further request is sent")

    def sleep(self, seconds: float) -> None:
        """``time.sleep``, but ``Interrupted`` as soon as the client is interrupted."""
        if self._interrupted.wait(max(0.0, seconds)):
            raise Interrupted("stopping: the wait was abandoned")

    @contextlib.contextmanager
    def watch(self, deadline: float) -> Iterator[Watch]:
        """Watch the request this thread makes in the block: its socket is shut down at ``deadline`` seconds."""
        self.check()
        watch = Watch(deadline, self._interrupted)
        with self._changed:
            self._watches.add(watch)
            self._start_watchdog()
            self._changed.notify()
        _current.watch = watch
        try:
            yield watch
        finally:
            _current.watch = None
            with self._changed:
                self._watches.discard(watch)

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify()
            watchdog = self._watchdog
        if watchdog is not None:
            watchdog.join()

    def _start_watchdog(self) -> None:
        if self._watchdog is None and not self._closed:
            self._watchdog = threading.Thread(target=self._run, name="archive-deadlines", daemon=True)
            self._watchdog.start()

    def _run(self) -> None:
        with self._changed:
            while not self._closed:
                now = time.monotonic()
                for watch in [w for w in self._watches if w.due <= now]:
                    self._watches.discard(watch)
                    watch.expire()
                next_due = min((w.due for w in self._watches), default=None)
                self._changed.wait(None if next_due is None else next_due - now)


class WatchedAdapter(HTTPAdapter):
    """requests' adapter whose connections report their socket to the watch of the thread's request."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def _report_socket(connection: HTTPConnection) -> None:
    watch: Watch | None = getattr(_current, "watch", None)
    if watch is not None and connection.sock is not None:
        watch.attach(connection.sock)


class _HTTPConnection(HTTPConnection):
    def getresponse(self) -> Any:  # urllib3's own annotation names a private class
        _report_socket(self)  # connected and the request sent: from here on we only wait
        return super().getresponse()


class _HTTPSConnection(HTTPSConnection):
    def getresponse(self) -> Any:
        _report_socket(self)
        return super().getresponse()


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


def _shut(connection: socket.socket) -> None:
    # socket.socket's own shutdown, not SSLSocket's, which would unwrap the TLS layer under a reading thread.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(connection, socket.SHUT_RDWR)
