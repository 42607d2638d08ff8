"""The pages ``benchmarks/extraction.py`` scores, the extractors it runs on them, and how it measures them.

Two sets, each with its reference extractions:
* ``snapshots``: every Princeton-Leuven snapshot with both ``<timestamp>.html`` and ``<timestamp>.md`` (the
  corpus's leading capture comment removed from the HTML);
* ``modern``: the 2023–2026 pages of ``modern/`` (``manifest.json``), each with the Markdown Open Terms Archive
  extracted from the same fetch.

Extractors: ``ours`` (``extract_document`` with the page's URL, then ``render_reference``); ``trafilatura``
(``extract(html_bytes, output_format="markdown")``, otherwise defaults); ``html2text`` (``body_width=0``, over the
whole page decoded by ``decode_html``); ``readability`` (``Document(html_bytes).summary(html_partial=True)``
through html2text). Peers emit no title line, so each peer's Markdown gets ``# <title>`` first, the page's first
``<title>`` outside ``<svg>`` (computed once, untimed). html2text is GPL-3.0: imported here and nowhere shipped.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lxml import html as lxml_html

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.extract.decode import decode_html  # noqa: E402
from monitor.extract.pipeline import extract_document  # noqa: E402
from monitor.extract.reference_format import render_reference  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
PEERS = ("trafilatura", "html2text", "readability")
LABELS = {"readability": "readability+html2text"}
_CAPTURE_COMMENT = re.compile(rb"\A\s*<!--.*?-->\s*", re.S)


@dataclass(frozen=True)
class Pair:
    site: str
    timestamp: str
    original_url: str
    html: bytes
    reference: str  # the reference file as it is (fidelity.py ignores a Princeton-Leuven header line)
    title: str  # the page's <title>, for the peers' title line

    @property
    def name(self) -> str:
        return f"{self.site}/{self.timestamp}"


Convert = Callable[[Pair], str]  # a page -> the Markdown scored


def load_snapshots(corpus: Path) -> list[Pair]:
    return _load(corpus / "snapshots", "domain", strip_capture_note=True)


def load_modern(corpus: Path) -> list[Pair]:
    return _load(corpus / "modern", "slug", strip_capture_note=False)


def _load(folder: Path, site_key: str, *, strip_capture_note: bool) -> list[Pair]:
    """Every page of ``folder``'s manifest with both ``<timestamp>.html`` and ``<timestamp>.md``."""
    pairs = []
    for entry in json.loads((folder / "manifest.json").read_text()):
        stem = folder / entry[site_key] / entry["timestamp"]
        html, md = stem.with_suffix(".html"), stem.with_suffix(".md")
        if html.exists() and md.exists():
            raw = html.read_bytes()
            if strip_capture_note:  # the Princeton-Leuven corpus's note about the capture, not the page
                raw = _CAPTURE_COMMENT.sub(b"", raw, count=1)
            site, timestamp, url = entry[site_key], entry["timestamp"], entry["original_url"]
            pairs.append(Pair(site, timestamp, url, raw, md.read_text(), html_title(raw)))
    return pairs


SETS = {"snapshots": load_snapshots, "modern": load_modern}


def html_title(raw: bytes) -> str:
    """The first ``<title>`` outside ``<svg>``, whitespace collapsed; ``""`` if none."""
    try:
        root = lxml_html.document_fromstring(decode_html(raw).encode("utf-8", errors="replace"))
    except Exception:  # an unparsable page has no title; its extractors fail on their own
        return ""
    for element in root.iter("title"):
        if next(element.iterancestors("svg"), None) is None:
            return " ".join(element.text_content().split())
    return ""


def ours(pair: Pair) -> str:
    document = extract_document(pair.html, url=pair.original_url)
    return render_reference(document, site=pair.site, timestamp=pair.timestamp, original_url=pair.original_url)


def titled(pair: Pair, markdown: str | None) -> str:
    return f"# {pair.title}\n\n{markdown or ''}"


def _html2text_converter() -> Callable[[str], str]:
    import html2text  # GPL-3.0: benchmarks only

    def convert(text: str) -> str:
        converter = html2text.HTML2Text()
        converter.body_width = 0
        return converter.handle(text)

    return convert


def make_peer(name: str) -> Convert:
    """The peer's conversion; raises ImportError when the bench extra is missing."""
    if name == "trafilatura":
        import trafilatura

        return lambda pair: titled(pair, trafilatura.extract(pair.html, output_format="markdown"))
    to_markdown = _html2text_converter()
    if name == "html2text":
        return lambda pair: titled(pair, to_markdown(decode_html(pair.html)))
    from readability import Document

    return lambda pair: titled(pair, to_markdown(Document(pair.html).summary(html_partial=True)))


def select_extractors(only: list[str] | None) -> tuple[dict[str, Convert], list[str]]:
    """The extractors to run, and why any requested peer cannot run."""
    extractors: dict[str, Convert] = {"ours": ours} if not only or "ours" in only else {}
    notes = []
    for name in PEERS:
        if only and name not in only:
            continue
        try:
            extractors[name] = make_peer(name)
        except ImportError as error:
            notes.append(f"{LABELS.get(name, name)} skipped ({error})")
    return extractors, notes


def convert_or_empty(convert: Convert, pair: Pair) -> tuple[str, str]:
    try:
        return convert(pair), ""
    except Exception as error:  # a page an extractor cannot handle scores zero, and the run goes on
        return "", f"{type(error).__name__}: {error}"


def pages_per_second(convert: Convert, pairs: list[Pair], rounds: int) -> float:
    """Pages/s over ``rounds`` timed rounds after one untimed warm-up round."""

    def one_round() -> None:
        for pair in pairs:
            with contextlib.suppress(Exception):
                convert(pair)

    one_round()
    started = time.perf_counter()
    for _ in range(rounds):
        one_round()
    return len(pairs) * rounds / (time.perf_counter() - started)


_RSS_PROBE = """
import sys
sys.path.insert(0, sys.argv[1])
from monitor.extract.pipeline import extract_document
def high_water():  # VmHWM, in KiB: this process's own (ru_maxrss keeps the parent's across exec on Linux)
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
html = open(sys.argv[2], "rb").read()
before = high_water()
extract_document(html)
print(before, high_water())
"""


def peak_memory(pairs: list[Pair], corpus: Path, set_name: str) -> str:
    """Ours on the largest page (by HTML bytes): tracemalloc's peak (Python objects) and the peak resident set of
    a fresh process that extracts it once (libxml2's trees included), beside that process's peak before."""
    largest = max(pairs, key=lambda pair: len(pair.html))
    tracemalloc.start()
    try:
        with contextlib.suppress(Exception):
            ours(largest)
        traced = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    path = corpus / set_name / largest.site / f"{largest.timestamp}.html"
    probe = subprocess.run([sys.executable, "-c", _RSS_PROBE, str(ROOT), str(path)], capture_output=True, text=True)
    if probe.returncode == 0:
        before, after = (int(kib) / 1024 for kib in probe.stdout.split())
        rss = f"peak RSS {after:.1f} MiB ({before:.1f} MiB once imported, before extracting)"
    else:
        rss = "peak RSS unknown"
    page = f"{largest.name}, {len(largest.html) / 2**20:.2f} MiB of HTML"
    return f"peak memory on the largest page ({page}): {traced / 2**20:.2f} MiB traced, {rss}"
