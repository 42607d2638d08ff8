"""Requests the poller sends to the Wayback Machine, and how close it runs to the limits, on the fake archive.

Setup: ``--policies`` tracked policies (1,000 by default), each a distinct URL, polled through the real workflow
(``jobs.poll.poll_due``, SQLite, our client) against ``tests.fake_archive.FakeArchive`` on loopback. The fake archive
enforces its own per-pool limits (``limit_cdx``/``limit_playback``, a sliding window of ``--window`` s) at the
client's configured pace: ``--cdx-per-minute`` and ``--captures-per-second``, by default the shipped defaults
(24/min and 1/s) sped up 25 times, which keeps their ratio. ``--workers`` threads poll disjoint sets of policies
and share the process-wide limiter (one thread per set because SQLite claims do not keep two workers apart).

Phases
1. import: every policy has ``--captures`` captures of distinct content (a backlog: every one must be fetched);
2. unchanged: every policy polled again with nothing new;
3. new captures: each policy gains one capture with new content (a new digest) and one with the content of its
   first capture (a digest already held).

Figures (all counted in the fake archive's own request log)
* requests per policy per poll when nothing changed (phase 2; target exactly 1);
* playback requests per new capture: new digest (target 1), known digest (target 0) (phase 3);
* achieved request rate as a fraction of the configured limit while there is a backlog, for the pool that is the
  bottleneck of a phase: playback in phase 1, CDX in phase 2 (target >= 0.95, never above 1.0); measured from a
  phase's first to last request of that pool, plus the fullest ``--window``-second window / its allowance;
* 429 answers received (target 0).

Usage: ``.venv/bin/python benchmarks/polling.py [--policies N] [--captures N] [--cdx-per-minute R]
[--captures-per-second R] [--window S] [--workers N]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jobs.app import App, open_app
from jobs.config import parse_settings
from jobs.poll import poll_due
from monitor.wayback.client import WaybackArchive
from tests.fake_archive import FakeArchive, LoggedRequest
from tests.fake_archive.corpus import render_policy_page

# The shipped defaults (24 CDX/min, 1 capture/s) sped up 25 times, keeping their ratio. Much faster and this one
# process (client, extraction, SQLite and the fake archive itself) runs out of CPU before it reaches the limits,
# which would measure our processing, not the pacing.
SPEED_UP = 25


@dataclass(frozen=True)
class Options:
    policies: int
    captures: int
    cdx_per_minute: float
    captures_per_second: float
    window: float
    workers: int


def main() -> None:
    options = _options()
    archive = FakeArchive().start()
    try:
        urls = [f"https://site{n:04d}.example/privacy" for n in range(options.policies)]
        for n, url in enumerate(urls):
            for version in range(options.captures):
                archive.add_capture(url, _timestamp(2020, version), _page(n, version))
        archive.limit_cdx(per_minute=options.cdx_per_minute, window=options.window)
        archive.limit_playback(per_minute=options.captures_per_second * 60, window=options.window)
        with tempfile.TemporaryDirectory() as folder:
            app = _open(options, archive, urls, Path(folder))
            try:
                _run(options, app, archive, urls)
            finally:
                app.close()
    finally:
        archive.stop()


def _run(options: Options, app: App, archive: FakeArchive, urls: list[str]) -> None:
    names = tuple(f"site{n:04d}" for n in range(len(urls)))
    print(_setup_line(options))
    imported = _phase(app, archive, names, options.workers)
    _report_rate("1 import", imported, "/web/", options.captures_per_second, options)
    unchanged = _phase(app, archive, names, options.workers)
    print(f"2 unchanged: {len(unchanged) / len(names):.3f} requests per policy per poll (target 1)")
    _report_rate("2 unchanged", unchanged, "/cdx/", options.cdx_per_minute / 60, options)
    new, known = [], []
    for n, url in enumerate(urls):
        new.append(archive.add_capture(url, _timestamp(2030, 0), _page(n, 1000)).timestamp)
        known.append(archive.add_capture(url, _timestamp(2030, 1), _page(n, 0)).timestamp)
    fresh = _phase(app, archive, names, options.workers)
    playback = [r.path for r in fresh if r.path.startswith("/web/")]
    per_new = sum(p.startswith(f"/web/{new[0]}") for p in playback) / len(urls)
    per_known = sum(p.startswith(f"/web/{known[0]}") for p in playback) / len(urls)
    cdx = sum(r.path.startswith("/cdx/") for r in fresh) / len(urls)
    print(f"3 new captures: {per_new:.3f} requests per new-digest capture (target 1), ", end="")
    print(f"{per_known:.3f} per known-digest capture (target 0), {cdx:.3f} CDX requests per policy")
    everything = [*imported, *unchanged, *fresh]
    print(f"429 answers: {sum(r.status == 429 for r in everything)} of {len(everything)} requests (target 0)")


def _phase(app: App, archive: FakeArchive, names: tuple[str, ...], workers: int) -> list[LoggedRequest]:
    """Poll every policy once, split among ``workers`` threads; the requests the archive saw meanwhile."""
    archive.clear_requests()
    threads = [
        threading.Thread(target=poll_due, args=(app,), kwargs={"names": names[index::workers]})
        for index in range(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return archive.requests


def _report_rate(phase: str, requests: list[LoggedRequest], prefix: str, limit: float, options: Options) -> None:
    times = sorted(r.time for r in requests if r.path.startswith(prefix))
    if len(times) < 2:
        print(f"{phase}: too few {prefix} requests to measure a rate")
        return
    achieved = (len(times) - 1) / (times[-1] - times[0])
    fullest = max(_count_in_window(times, start, options.window) for start in times)
    allowed = limit * options.window
    print(
        f"{phase}: {prefix} pool {len(times)} requests in {times[-1] - times[0]:.1f} s, "
        f"{achieved:.3f}/s of {limit:.3f}/s configured = {achieved / limit:.3f} of the limit "
        f"(target >= 0.95); fullest {options.window:g}-s window {fullest}/{allowed:g} = {fullest / allowed:.3f} "
        "(never above 1.0)"
    )


def _count_in_window(times: list[float], start: float, window: float) -> int:
    return sum(1 for t in times if start <= t < start + window)


def _open(options: Options, archive: FakeArchive, urls: list[str], folder: Path) -> App:
    settings = parse_settings(
        {
            "storage": {"url": f"sqlite:///{folder / 'benchmark.db'}"},
            "wayback": {
                "base_url": archive.base_url,
                "user_agent": "policy-monitor-benchmark (+mailto:benchmark@example.org)",
                "cdx_per_minute": options.cdx_per_minute,
                "captures_per_second": options.captures_per_second,
                "timeout": 10,
            },
            "policies": [{"name": f"site{n:04d}", "url": url} for n, url in enumerate(urls)],
        },
        env={},
    )
    return open_app(settings, archive=WaybackArchive(replace(settings.archive, retries=1, backoff=0.1)))


def _page(site: int, version: int) -> bytes:
    sections = "\n\n".join(
        f"## Section {s}\n\nSite {site} collects item {s} for purpose {s} and keeps it {s + version} months."
        for s in range(5)
    )
    return render_policy_page(f"# Privacy policy of site {site}\n\nVersion {version}.\n\n{sections}\n", "Privacy")


def _timestamp(year: int, index: int) -> str:
    return f"{year}{1 + index // 28:02d}{1 + index % 28:02d}120000"


def _setup_line(options: Options) -> str:
    return (
        f"{options.policies} policies, {options.captures} captures each at import; limits (client = fake archive): "
        f"CDX {options.cdx_per_minute:g}/min, playback {options.captures_per_second:g}/s, {options.window:g}-s "
        f"windows; {options.workers} worker threads"
    )


def _options() -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--policies", type=int, default=1000)
    parser.add_argument("--captures", type=int, default=3, help="captures per policy at import (the backlog)")
    parser.add_argument("--cdx-per-minute", type=float, default=24.0 * SPEED_UP)
    parser.add_argument("--captures-per-second", type=float, default=1.0 * SPEED_UP)
    parser.add_argument("--window", type=float, default=10.0, help="the fake archive's sliding window, seconds")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    return Options(
        args.policies, args.captures, args.cdx_per_minute, args.captures_per_second, args.window, args.workers
    )


if __name__ == "__main__":
    main()
