"""A fake Wayback Machine for tests: a real HTTP server on loopback (see docs/wayback.md#fake-archive).

``FakeArchive`` serves ``/cdx/search/cdx`` and ``/web/<timestamp><mode>/<url>`` from captures added with
``add_capture``, ``add_snapshot_site`` or ``add_history`` and replays the recorded exchanges of
../shared/corpus/wayback (``replay``); it logs every request, injects faults, limits rates per pool and, like
the real firewall, refuses connections from a client that keeps sending through 429s.
"""

from __future__ import annotations

from tests.fake_archive.cassette import Exchange
from tests.fake_archive.faults import FirewallBlock
from tests.fake_archive.server import FakeArchive
from tests.fake_archive.store import FakeCapture, payload_digest
from tests.fake_archive.urlkey import urlkey
from tests.fake_archive.wire import LoggedRequest

__all__ = ["Exchange", "FakeArchive", "FakeCapture", "FirewallBlock", "LoggedRequest", "payload_digest", "urlkey"]
