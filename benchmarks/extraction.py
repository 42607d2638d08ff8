"""Score ``monitor.extract`` against the Princeton-Leuven references in the shared corpus.

For every snapshot with both ``<timestamp>.html`` and ``<timestamp>.md``: extract, render in the
reference format, and compare with the reference (its header line excluded on both sides).

* tokens: lower-cased runs of letters and digits, after dropping link targets (``](...)``) and
  Markdown syntax; token precision/recall/F1 count a bag of words with multiplicity;
* order: ``difflib.SequenceMatcher`` ratio of the two token sequences;
* headings: ATX heading lines (``#`` to ``######``) after the ``# title`` line, each as its token
  string; F1 over the multisets (1.0 when neither side has a heading). Bold lead-in lines are not
  counted as headings.

Usage: ``.venv/bin/python benchmarks/extraction.py [--corpus DIR] [--rounds N] [--show SITE]``
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.extract import extract_document, render_reference

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
_LINK_TARGET = re.compile(r"\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)")
_TOKEN = re.compile(r"[^\W_]+")
_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
_CAPTURE_COMMENT = re.compile(rb"\A\s*<!--.*?-->\s*", re.S)


@dataclass(frozen=True)
class Pair:
    site: str
    timestamp: str
    original_url: str
    html: bytes
    reference: str


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    order: float
    heading_f1: float


def load_pairs(corpus: Path) -> list[Pair]:
    snapshots = corpus / "snapshots"
    manifest = json.loads((snapshots / "manifest.json").read_text())
    pairs = []
    for entry in manifest:
        stem = snapshots / entry["domain"] / entry["timestamp"]
        html, md = stem.with_suffix(".html"), stem.with_suffix(".md")
        if html.exists() and md.exists():
            raw = _CAPTURE_COMMENT.sub(b"", html.read_bytes(), count=1)  # the corpus's note, not the page
            pairs.append(Pair(entry["domain"], entry["timestamp"], entry["original_url"], raw, md.read_text()))
    return pairs


def tokens(markdown: str) -> list[str]:
    return _TOKEN.findall(_LINK_TARGET.sub("]", markdown).lower())


def headings(markdown: str) -> list[str]:
    lines = markdown.splitlines()[1:]  # the "# title" line is scored as text, not as a heading
    found = (_HEADING.match(line) for line in lines)
    return [" ".join(tokens(match.group(1))) for match in found if match]


def f1(ours: Counter[str], theirs: Counter[str]) -> tuple[float, float, float]:
    common = sum((ours & theirs).values())
    precision = common / sum(ours.values()) if ours else float(not theirs)
    recall = common / sum(theirs.values()) if theirs else float(not ours)
    total = precision + recall
    return precision, recall, (2 * precision * recall / total if total else 0.0)


def body_of(reference: str) -> str:
    return reference.split("\n", 2)[2] if reference.count("\n") >= 2 else ""


def score(ours: str, reference: str) -> Score:
    our_body, their_body = body_of(ours), body_of(reference)
    our_tokens, their_tokens = tokens(our_body), tokens(their_body)
    precision, recall, token_f1 = f1(Counter(our_tokens), Counter(their_tokens))
    order = difflib.SequenceMatcher(None, our_tokens, their_tokens, autojunk=False).ratio()
    our_headings, their_headings = Counter(headings(our_body)), Counter(headings(their_body))
    heading_f1 = f1(our_headings, their_headings)[2] if our_headings or their_headings else 1.0
    return Score(precision, recall, token_f1, order, heading_f1)


def run(pair: Pair) -> str:
    document = extract_document(pair.html)
    return render_reference(document, site=pair.site, timestamp=pair.timestamp, original_url=pair.original_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=5, help="extraction rounds timed for pages/s")
    parser.add_argument("--show", metavar="SITE", help="print our rendering of SITE's pages and exit")
    args = parser.parse_args()
    pairs = load_pairs(args.corpus)
    if args.show:
        for pair in pairs:
            if pair.site == args.show:
                print(run(pair))
        return
    print(f"{'page':<42} {'prec':>6} {'recall':>6} {'F1':>6} {'order':>6} {'head':>6}")
    scores = []
    for pair in pairs:
        try:
            ours, failure = run(pair), ""
        except Exception as error:  # a page we cannot extract scores zero, and the run goes on
            ours, failure = "", f"  {type(error).__name__}: {error}"
        result = score(ours, pair.reference)
        scores.append(result)
        name = f"{pair.site}/{pair.timestamp}"
        print(
            f"{name:<42} {result.precision:6.3f} {result.recall:6.3f} {result.f1:6.3f} "
            f"{result.order:6.3f} {result.heading_f1:6.3f}{failure}"
        )
    started = time.perf_counter()
    for _ in range(args.rounds):
        for pair in pairs:
            with contextlib.suppress(Exception):
                run(pair)
    rate = len(pairs) * args.rounds / (time.perf_counter() - started)
    means = [statistics.fmean(getattr(s, field) for s in scores) for field in Score.__dataclass_fields__]
    print(f"{'MEAN (' + str(len(pairs)) + ' pages)':<42} " + " ".join(f"{value:6.3f}" for value in means))
    print(f"speed: {rate:.1f} pages/s (extract + render, {args.rounds} rounds)")


if __name__ == "__main__":
    main()
