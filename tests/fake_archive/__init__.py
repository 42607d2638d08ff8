"""A fake Wayback Machine for tests: a real HTTP server on loopback (see ../shared/docs/wayback-api.md §9).

``FakeArchive`` serves ``/cdx/search/cdx`` and ``/web/<timestamp><mode>/<url>`` from captures added with
``add_capture``, ``add_snapshot_site`` or ``add_history``, logs every request, and injects faults and rate limits.
"""

from __future__ import annotations

from tests.fake_archive.faults import FirewallBlock
from tests.fake_archive.server import FakeArchive, LoggedRequest
from tests.fake_archive.store import FakeCapture, payload_digest
from tests.fake_archive.urlkey import urlkey

__all__ = ["FakeArchive", "FakeCapture", "FirewallBlock", "LoggedRequest", "payload_digest", "urlkey"]
