"""Replay every history in the shared corpus through ``monitor.compare.changes.compare`` and time it against git.

For each document (``histories/<document>/versions.json``, in order) every consecutive pair of versions is
compared. Printed per document: versions, the section changes by kind, and per pair

* ``cold``: ``compare(old, new)`` on the two texts, so both versions are split, paragraphed and classified inside
  the timed call, as when two texts are compared for the first time;
* ``replay``: ``compare(previous.new, new)`` along the history, the old version given as parsed by the pair before
  (``Comparison.new``), so each version is analysed once, as the poller and ``jobs.store_version`` use it;
* ``git``: ``git diff --no-index --word-diff OLD NEW`` on the corpus files themselves (already on disk, read by
  git), output captured; its wall time includes starting the process. ``git-work`` subtracts the median wall
  time of the same command on two one-line files, run right after each timed pair (process start and setup
  under the same load), which leaves an estimate of git's diffing alone. Without git, the peer is
  ``difflib.unified_diff`` of the lines (no process to start).

Times are total and median seconds/milliseconds per pair; ratios are our median over the peer's median. The
headline ratio is ``cold / git``: both sides start from two texts and do the whole job, git paying its
process start. ``cold / git-work`` and ``replay / git`` are printed too. Every timed call is run once untimed
first on the document's first pair (warm-up). Peak memory is ``tracemalloc``'s peak over one cold ``compare``
(the largest over the document's pairs), measured in a separate, untimed pass (``--no-memory`` skips it).

Targets (Facebook's privacy policy): median ≤ 50 ms per pair and ≤ 1× the peer's time.

Usage: ``.venv/bin/python benchmarks/changes.py [--corpus DIR] [--only DOCUMENT ...] [--no-memory]``
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.compare.changes import ParsedText, compare
from monitor.models import SectionChangeKind

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
TARGET_DOCUMENT = "facebook-privacy-policy"
TARGET_MEDIAN = 0.050
KINDS = list(SectionChangeKind)
_GIT_ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"}


@dataclass(frozen=True)
class Version:
    path: Path
    text: str


@dataclass(frozen=True)
class Result:
    document: str
    versions: int
    kinds: Counter[str]
    cold: list[float]
    replay: list[float]
    peer: list[float]
    peer_start: list[float]  # the peer on two one-line files, after each pair
    peak_bytes: int | None

    @property
    def peer_work(self) -> float:
        """The peer's median time less its median start (0 when there is no start to take off)."""
        if not self.peer_start:
            return statistics.median(self.peer)
        return max(statistics.median(self.peer) - statistics.median(self.peer_start), 0.0)


Peer = Callable[[Version, Version], None]


def load_history(folder: Path) -> list[Version]:
    versions = json.loads((folder / "versions.json").read_text())["versions"]
    return [Version(folder / v["file"], (folder / v["file"]).read_text()) for v in versions]


def git_peer(git: str) -> Peer:
    def run(old: Version, new: Version) -> None:
        subprocess.run(
            [git, "diff", "--no-index", "--word-diff", str(old.path), str(new.path)],
            capture_output=True,
            env=_GIT_ENV,
            check=False,  # exit status 1 means "differences found"
        )

    return run


def difflib_peer(old: Version, new: Version) -> None:
    for _ in difflib.unified_diff(old.text.splitlines(), new.text.splitlines(), lineterm=""):
        pass


class OneLineFiles:
    """Two one-line files: the peer on them costs its start and nothing else worth counting."""

    def __enter__(self) -> tuple[Version, Version]:
        self._folder = tempfile.TemporaryDirectory()
        a, b = Path(self._folder.name) / "a.md", Path(self._folder.name) / "b.md"
        a.write_text("a\n")
        b.write_text("b\n")
        return Version(a, "a\n"), Version(b, "b\n")

    def __exit__(self, *_: object) -> None:
        self._folder.cleanup()


def _timed(call: Callable[[Version, Version], object], old: Version, new: Version) -> float:
    start = time.perf_counter()
    call(old, new)
    return time.perf_counter() - start


def _cold(old: Version, new: Version) -> float:
    start = time.perf_counter()
    compare(old.text, new.text)
    return time.perf_counter() - start


def replay(folder: Path, peer: Peer, tiny: tuple[Version, Version] | None, *, memory: bool) -> Result:
    history = load_history(folder)
    pairs = list(pairwise(history))
    kinds: Counter[str] = Counter()
    if pairs:  # warm-up: imports, regex compilation, the peer's binary in the page cache
        _cold(*pairs[0])
        peer(*pairs[0])
    cold: list[float] = []
    peers: list[float] = []
    starts: list[float] = []
    for old, new in pairs:
        cold.append(_cold(old, new))
        peers.append(_timed(peer, old, new))
        if tiny is not None:
            starts.append(_timed(peer, *tiny))
    replayed: list[float] = []
    previous: ParsedText | str = history[0].text if history else ""
    for _, new in pairs:
        start = time.perf_counter()
        comparison = compare(previous, new.text)
        replayed.append(time.perf_counter() - start)
        previous = comparison.new
        kinds.update(section.kind.value for section in comparison.change.sections)
    peak = _peak_memory(pairs) if memory else None
    return Result(folder.name, len(history), kinds, cold, replayed, peers, starts, peak)


def _peak_memory(pairs: list[tuple[Version, Version]]) -> int:
    peak = 0
    tracemalloc.start()
    try:
        for old, new in pairs:
            tracemalloc.reset_peak()
            compare(old.text, new.text)
            peak = max(peak, tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()
    return peak


# --- output ----------------------------------------------------------------------------------------


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:7.2f}" if values else "      -"


def _total(values: list[float]) -> str:
    return f"{sum(values):7.2f}"


def print_row(result: Result) -> None:
    kinds = " ".join(f"{result.kinds.get(kind.value, 0):4d}" for kind in KINDS)
    ratio = statistics.median(result.cold) / statistics.median(result.peer) if result.peer else float("nan")
    memory = f"{result.peak_bytes / 2**20:6.1f}" if result.peak_bytes is not None else "     -"
    print(
        f"{result.document:27s} {result.versions:4d} {kinds}  {_total(result.cold)} {_ms(result.cold)} "
        f"{_ms(result.replay)} {_ms(result.peer)} {result.peer_work * 1000:7.2f} {ratio:6.2f} {memory}"
    )


def print_header(peer_name: str) -> None:
    kinds = " ".join(f"{kind.value[:4]:>4s}" for kind in KINDS)
    print(f"{'':27s} {'':4s} {'section changes by kind':^{len(kinds)}s}  {'cold':^15s} {'replay':>7s}")
    print(
        f"{'document':27s} {'vers':>4s} {kinds}  {'total s':>7s} {'med ms':>7s} {'med ms':>7s} "
        f"{peer_name + ' ms':>7s} {'work ms':>7s} {'ratio':>6s} {'peakMB':>6s}"
    )


def print_summary(results: list[Result], peer_name: str) -> None:
    for result in results:
        if result.document != TARGET_DOCUMENT or not result.cold:
            continue
        cold, again, peer = (statistics.median(values) for values in (result.cold, result.replay, result.peer))
        start = statistics.median(result.peer_start) if result.peer_start else 0.0
        work = max(result.peer_work, 1e-9)
        print(f"\n{result.document}: {len(result.cold)} pairs")
        print(f"  median per pair: cold {cold * 1000:.2f} ms, replay {again * 1000:.2f} ms")
        print(
            f"  {peer_name} median {peer * 1000:.2f} ms with process start ({start * 1000:.2f} ms on one-line files),"
        )
        print(f"  so ~{work * 1000:.2f} ms of diffing")
        print(f"  ratio cold/{peer_name} {cold / peer:.2f}  (headline)")
        print(f"  ratio replay/{peer_name} {again / peer:.2f}; cold/{peer_name}-work {cold / work:.2f}")
        print(f"  target median <= {TARGET_MEDIAN * 1000:.0f} ms: {'met' if cold <= TARGET_MEDIAN else 'NOT met'}")
        print(f"  target <= 1x {peer_name} (headline ratio): {'met' if cold <= peer else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--only", action="append", default=[], metavar="DOCUMENT")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc pass")
    args = parser.parse_args()
    git = shutil.which("git")
    peer, peer_name = (git_peer(git), "git") if git else (difflib_peer, "difflib")
    folders = sorted(path for path in (args.corpus / "histories").iterdir() if (path / "versions.json").exists())
    if args.only:
        folders = [folder for folder in folders if folder.name in args.only]
    with OneLineFiles() as tiny:
        print_header(peer_name)
        results = []
        for folder in folders:
            result = replay(folder, peer, tiny if git else None, memory=not args.no_memory)
            results.append(result)
            print_row(result)
    print_summary(results, peer_name)


if __name__ == "__main__":
    main()
