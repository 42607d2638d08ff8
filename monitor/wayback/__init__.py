"""Reading the Wayback Machine: the CDX index and raw captures, politely.

- ``client``: ``WaybackArchive``, the only thing that talks to the archive (CDX pages, ``id_`` captures);
- ``cdx``: CDX answers parsed into ``Capture`` values, revisits resolved, broken rows skipped and counted;
- ``transport``: one GET, on the configured host only, redirects checked, bodies bounded;
- the rate gate in its three jobs: ``pacer`` (requests spaced per endpoint family), ``rate_limit_pause``
  (after a 429), ``firewall_breaker`` (refused connections mean a block), composed per host by ``host_gate``;
- ``capture_quality``: whether a capture is the policy or a page shown to the crawler instead;
- ``settings``: ``ArchiveSettings``, the ``[wayback]`` table.

What we rely on about the archive is written down in ``docs/wayback.md``.
"""

from monitor.exports import lazy_exports, public_names

_EXPORTS = {
    "client": ("WaybackArchive",),
    "cdx": ("CdxPage", "parse_cdx", "resolve_revisits"),
    "transport": ("BodyTooLarge", "Transport", "TransportSettings"),
    "host_gate": ("GateSettings", "HostGate"),
    "firewall_breaker": ("BLOCK_MEMORY", "BlockMemory", "FirewallBreaker"),
    "capture_quality": ("low_quality_reason",),
    "settings": ("DEFAULT_ARCHIVE_URL", "ArchiveSettings"),
}
__all__ = public_names(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
