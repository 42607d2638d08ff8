"""How the archive client behaves: host, identity, pace and limits (the ``[wayback]`` table of the config)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from monitor.wayback.host_gate import GateSettings

DEFAULT_ARCHIVE_URL = "https://web.archive.org"


@dataclass(frozen=True)
class ArchiveSettings:
    base_url: str = DEFAULT_ARCHIVE_URL
    user_agent: str = "policy-monitor/0.1 (+mailto:policy-monitor@example.org)"
    cdx_per_minute: float = 24.0  # 80 % of the archive's 30/min (docs/wayback.md#rate-limits)
    # Far under the 600/min playback limit; a monitor has no hurry (docs/wayback.md#rate-limits).
    captures_per_second: float = 1.0
    timeout: float = 60.0
    retries: int = 3
    backoff: float = 2.0
    rate_limit_pause: float = 60.0  # after a live 429 without Retry-After (docs/wayback.md#rate-limit-429)
    rate_limit_pause_max: float = 3600.0  # ceiling for pauses doubled by repeated 429s
    # Consecutive refused connections taken as a firewall block (docs/wayback.md#firewall-block).
    block_after_refusals: int = 3
    block_cooldown: float = 3600.0  # no request at all for this long after a block, doubling on repeats
    block_cooldown_max: float = 86400.0
    max_capture_bytes: int = 25 * 1024 * 1024
    redirect_window: timedelta = timedelta(hours=24)
    max_redirect_hops: int = 5
    cdx_page_size: int = 1000  # rows per CDX request; more pages follow by resume key
    # Seconds for one request from connecting to the last byte of the answer: a read timeout alone never ends an
    # answer that trickles in (docs/wayback.md#errors).
    request_deadline: float = 120.0

    def gate_settings(self) -> GateSettings:
        return GateSettings(
            cdx_per_second=self.cdx_per_minute / 60.0,
            playback_per_second=self.captures_per_second,
            pause=self.rate_limit_pause,
            pause_max=self.rate_limit_pause_max,
            block_after_refusals=self.block_after_refusals,
            block_cooldown=self.block_cooldown,
            block_cooldown_max=self.block_cooldown_max,
        )
