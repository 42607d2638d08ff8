"""Score ``monitor.extract.pipeline`` and peer extractors against the reference extractions in the shared corpus.

Pages, in two sets, each scored and summed up on its own (``--set`` picks one):
* ``snapshots``: every Princeton-Leuven snapshot with both ``<timestamp>.html`` and ``<timestamp>.md`` (the corpus's
  leading capture comment removed from the HTML); the reference is the ``.md`` without its header line;
* ``modern``: the 2023–2026 pages of ``modern/`` (``manifest.json``), each with the Markdown Open Terms Archive
  extracted from the same fetch; the reference is the whole ``.md`` (it has no header line).
Every extractor runs on the same pages in the same run, and its output is scored the same way.

Extractors
* ``ours``: ``extract_document`` + ``render_reference``; its output's header line (and the blank line after it) is
  dropped, exactly as the reference's, leaving ``# title``, blank line, body.
* ``trafilatura``: ``trafilatura.extract(html_bytes, output_format="markdown")``, otherwise default settings
  (fallbacks on; Markdown implies formatting; tables kept; no links). ``None`` counts as empty output.
* ``html2text``: ``html2text.HTML2Text`` (``body_width=0``, i.e. no line wrapping; otherwise defaults) over the whole
  page, decoded to text by ``monitor.extract.decode.decode_html`` as part of its timed conversion.
* ``readability``: ``readability.Document(html_bytes).summary(html_partial=True)`` converted by html2text as above.

Peers emit no reference header and no title line, so every peer's Markdown gets ``# <title>`` and a blank line
prepended, where ``<title>`` is the page's first ``<title>`` element outside ``<svg>``, whitespace collapsed (empty if
none). This title is the benchmark's, computed once when the pages are loaded and not timed. Every peer gets the same
title treatment; ours renders its own title. The scored text of every extractor is thus "title line, then body" and
the reference's is its ``.md`` without the header line and the blank line after it.

Metrics (identical for every extractor; a failing extraction is empty output and scores zero). Each set's summary
also gives the means of ``../shared/tools/fidelity.py`` (the scorer of the issues' figures: every ``#`` line a
heading, the title line included), computed on the same outputs.
* tokens: lower-cased runs of letters and digits, after dropping link targets (``](...)``) and Markdown syntax; token
  precision/recall/F1 count a bag of words with multiplicity; the title line is scored as text;
* order: ``difflib.SequenceMatcher`` ratio of the two token sequences;
* headings: ATX heading lines (``#`` to ``######``) after the title line, each as its token string; F1 over the
  multisets (1.0 when neither side has a heading). Bold lead-in lines are not counted as headings; the title line is
  never counted as a heading, on either side, for any extractor.

Timing: each extractor runs over all pages once as an untimed warm-up, then ``--rounds`` timed rounds; pages/s is
pages × rounds / total time. Ours is timed on ``extract_document`` + ``render_reference``, each peer on its full
conversion (decoding included) as described above. Our speed is printed as a ratio to each peer's.
Peak memory (ours only): ``tracemalloc``'s peak over one ``run`` of the set's largest page by HTML bytes, after the
timed rounds (the page's bytes, loaded before, are not counted; memory libxml2 allocates itself is not traced).

Output: one row per page with our five metrics and each peer's token F1; then the means and pages/s of every extractor,
our speed as a ratio to each peer's, our peak memory, and the targets (F1, order and heading F1 above every peer's;
pages/s at least 2× trafilatura's).

The peers come from the optional ``bench`` extra (``pip install -e '.[bench]'``); without it only ours is scored, with a
note. html2text is GPL-3.0: it is imported here, in ``benchmarks/``, and nowhere in the shipped packages.

Usage: ``.venv/bin/python benchmarks/extraction.py [--corpus DIR] [--set snapshots|modern|both] [--rounds N]
[--only NAME ...] [--show SITE]``
(``--only`` may repeat: ours, trafilatura, html2text, readability; ``--show SITE`` prints the scored outputs of SITE's
pages, ours in full, for ours, or for the ``--only`` extractors if given).
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import importlib.util
import json
import re
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

from lxml import html as lxml_html

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.extract.decode import decode_html
from monitor.extract.pipeline import extract_document
from monitor.extract.reference_format import render_reference

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
_FIDELITY_PATH = DEFAULT_CORPUS.parent / "tools" / "fidelity.py"
_spec = importlib.util.spec_from_file_location("fidelity", _FIDELITY_PATH)
assert _spec is not None and _spec.loader is not None, f"the scorer is missing: {_FIDELITY_PATH}"
FIDELITY = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(FIDELITY)
PEERS = ("trafilatura", "html2text", "readability")
LABELS = {"readability": "readability+html2text"}
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
    reference: str  # the reference file as it is
    reference_body: str  # what outputs are scored against: title line (if any), then the policy
    title: str  # the page's <title>, for the peers' title line

    @property
    def name(self) -> str:
        return f"{self.site}/{self.timestamp}"


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    order: float
    heading_f1: float


Convert = Callable[[Pair], str]  # a page -> the Markdown scored: title line, blank line, body


# --- corpus -------------------------------------------------------------------------------------------------------


def load_pairs(corpus: Path) -> list[Pair]:
    snapshots = corpus / "snapshots"
    manifest = json.loads((snapshots / "manifest.json").read_text())
    pairs = []
    for entry in manifest:
        stem = snapshots / entry["domain"] / entry["timestamp"]
        html, md = stem.with_suffix(".html"), stem.with_suffix(".md")
        if html.exists() and md.exists():
            raw = _CAPTURE_COMMENT.sub(b"", html.read_bytes(), count=1)  # the corpus's note, not the page
            site, timestamp, url = entry["domain"], entry["timestamp"], entry["original_url"]
            reference = md.read_text()
            pairs.append(Pair(site, timestamp, url, raw, reference, body_of(reference), html_title(raw)))
    return pairs


def load_modern(corpus: Path) -> list[Pair]:
    modern = corpus / "modern"
    pairs = []
    for entry in json.loads((modern / "manifest.json").read_text()):
        stem = modern / entry["slug"] / entry["timestamp"]
        html, md = stem.with_suffix(".html"), stem.with_suffix(".md")
        if html.exists() and md.exists():
            raw, reference = html.read_bytes(), md.read_text()
            pairs.append(
                Pair(
                    entry["slug"], entry["timestamp"], entry["original_url"], raw, reference, reference, html_title(raw)
                )
            )
    return pairs


SETS = {"snapshots": load_pairs, "modern": load_modern}


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


# --- scoring ------------------------------------------------------------------------------------------------------


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
    """A reference-format document without its header line and the blank line after it."""
    return reference.split("\n", 2)[2] if reference.count("\n") >= 2 else ""


def score(body: str, reference_body: str) -> Score:
    """Score an extractor's "title line, body" Markdown against the reference's."""
    our_tokens, their_tokens = tokens(body), tokens(reference_body)
    precision, recall, token_f1 = f1(Counter(our_tokens), Counter(their_tokens))
    order = difflib.SequenceMatcher(None, our_tokens, their_tokens, autojunk=False).ratio()
    our_headings, their_headings = Counter(headings(body)), Counter(headings(reference_body))
    heading_f1 = f1(our_headings, their_headings)[2] if our_headings or their_headings else 1.0
    return Score(precision, recall, token_f1, order, heading_f1)


def mean_score(scores: list[Score]) -> Score:
    return Score(*(statistics.fmean(getattr(s, field.name) for s in scores) for field in fields(Score)))


# --- extractors ---------------------------------------------------------------------------------------------------


def run(pair: Pair) -> str:
    document = extract_document(pair.html, url=pair.original_url)
    return render_reference(document, site=pair.site, timestamp=pair.timestamp, original_url=pair.original_url)


def ours(pair: Pair) -> str:
    return body_of(run(pair))


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
            notes.append(f"{label(name)} skipped ({error})")
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

    one_round()  # warm-up, not timed
    started = time.perf_counter()
    for _ in range(rounds):
        one_round()
    return len(pairs) * rounds / (time.perf_counter() - started)


def peak_memory(pairs: list[Pair]) -> str:
    """tracemalloc's peak over one extraction by ours of the largest page (by HTML bytes), as a summary line."""
    largest = max(pairs, key=lambda pair: len(pair.html))
    tracemalloc.start()
    try:
        with contextlib.suppress(Exception):
            run(largest)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    page = f"{largest.name}, {len(largest.html) / 2**20:.2f} MiB of HTML"
    return f"peak memory: ours {peak / 2**20:.2f} MiB (tracemalloc) on the largest page ({page})"


# --- report -------------------------------------------------------------------------------------------------------


def label(name: str) -> str:
    return LABELS.get(name, name)


def row(name: str, result: Score) -> str:
    """Ours: every metric; a peer: its token F1."""
    if name == "ours":
        return " ".join(f"{getattr(result, field.name):6.3f}" for field in fields(Score))
    return f"{result.f1:{len(label(name))}.3f}"


def score_all(
    extractors: dict[str, Convert], pairs: list[Pair]
) -> tuple[dict[str, list[Score]], dict[str, list[Score]]]:
    """Score every extractor on every page, printing one row per page."""
    columns = [
        f"{'prec':>6} {'recall':>6} {'F1':>6} {'order':>6} {'head':>6}" if name == "ours" else label(name)
        for name in extractors
    ]
    print(f"{'page':<42} " + " | ".join(columns) + "   (peers: token F1)" * (len(extractors) > 1))
    scores: dict[str, list[Score]] = {name: [] for name in extractors}
    fidelity_scores: dict[str, list[Score]] = {name: [] for name in extractors}
    for pair in pairs:
        cells, failures = [], ""
        for name, convert in extractors.items():
            output, failure = convert_or_empty(convert, pair)
            scores[name].append(score(output, pair.reference_body))
            fidelity_scores[name].append(fidelity_score(output, pair.reference))
            cells.append(row(name, scores[name][-1]))
            failures += f"  {name}: {failure}" if failure else ""
        print(f"{pair.name:<42} " + " | ".join(cells) + failures)
    return scores, fidelity_scores


def fidelity_score(output: str, reference: str) -> Score:
    """The figures of ``../shared/tools/fidelity.py`` for one page (its header line, if any, ignored)."""
    ours_tokens, their_tokens = FIDELITY.tokens(output), FIDELITY.tokens(reference)
    precision, recall, token_f1 = FIDELITY.f1(ours_tokens, their_tokens)
    ours_headings, their_headings = FIDELITY.headings(output), FIDELITY.headings(reference)
    heading_f1 = FIDELITY.f1(ours_headings, their_headings)[2] if ours_headings or their_headings else 1.0
    return Score(precision, recall, token_f1, FIDELITY.order_sim(ours_tokens, their_tokens), heading_f1)


def print_fidelity(scores: dict[str, list[Score]]) -> None:
    print(f"fidelity.py means    {'prec':>6} {'recall':>6} {'F1':>6} {'order':>6} {'head':>6}  lowest F1")
    for name, results in scores.items():
        mean = mean_score(results)
        values = " ".join(f"{getattr(mean, f.name):6.3f}" for f in fields(Score))
        print(f"  {label(name):<22} {values}  {min(r.f1 for r in results):.3f}")


def print_summary(scores: dict[str, list[Score]], rates: dict[str, float], pages: int, rounds: int) -> None:
    print(f"\nMEAN over {pages} pages; pages/s over {rounds} timed rounds after a warm-up")
    print(f"{'extractor':<24} {'prec':>6} {'recall':>6} {'F1':>6} {'order':>6} {'head':>6} {'pages/s':>8}")
    means = {name: mean_score(results) for name, results in scores.items()}
    for name, mean in means.items():
        values = " ".join(f"{getattr(mean, f.name):6.3f}" for f in fields(Score))
        rate = f"{rates[name]:8.1f}" if name in rates else f"{'-':>8}"
        print(f"{label(name):<24} {values} {rate}")
    peers = [name for name in means if name != "ours"]
    if "ours" not in means or not peers:
        return
    if "ours" in rates:
        ratios = ", ".join(f"{rates['ours'] / rates[name]:.1f}× {label(name)}" for name in peers if name in rates)
        print(f"speed: ours {ratios}")
    print_targets(means, rates, peers)


def print_targets(means: dict[str, Score], rates: dict[str, float], peers: list[str]) -> None:
    checks = []
    for field, title in (("f1", "F1"), ("order", "order"), ("heading_f1", "heading F1")):
        best = max(peers, key=lambda name: getattr(means[name], field))
        ahead = getattr(means["ours"], field) > getattr(means[best], field)
        checks.append(f"{title} above every peer: {'yes' if ahead else 'NO'} (best peer: {label(best)})")
    if "trafilatura" in rates and "ours" in rates:
        ratio = rates["ours"] / rates["trafilatura"]
        checks.append(f"pages/s ≥ 2× trafilatura: {'yes' if ratio >= 2 else 'NO'} ({ratio:.1f}×)")
    print("target: " + "\n        ".join(checks))


def show(extractors: dict[str, Convert], pairs: list[Pair], site: str) -> None:
    for pair in pairs:
        if pair.site != site:
            continue
        for name, convert in extractors.items():
            if len(extractors) > 1:
                print(f"<!-- {label(name)}: {pair.name} -->")
            print(convert_or_empty(run if name == "ours" else convert, pair)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds for pages/s (0: no timing)")
    parser.add_argument("--only", action="append", choices=("ours", *PEERS), help="run only this extractor (repeat)")
    parser.add_argument("--show", metavar="SITE", help="print the outputs for SITE's pages and exit")
    parser.add_argument("--set", choices=(*SETS, "both"), default="both", help="which pages (default: both sets)")
    args = parser.parse_args()
    sets = {name: load(args.corpus) for name, load in SETS.items() if args.set in (name, "both")}
    extractors, notes = select_extractors(args.only or (["ours"] if args.show else None))
    if notes:
        scope = "ours only" if list(extractors) == ["ours"] else "without them"
        print(f"note: {'; '.join(notes)}. Peers need the bench extra: .venv/bin/pip install -e '.[bench]'")
        print(f"note: scoring {scope}\n")
    if not extractors:
        sys.exit("nothing to run")
    if args.show:
        show(extractors, [pair for pairs in sets.values() for pair in pairs], args.show)
        return
    for set_name, pairs in sets.items():
        print(f"=== {set_name}: {len(pairs)} pages\n")
        scores, fidelity_scores = score_all(extractors, pairs)
        rounds = max(args.rounds, 0)
        rates = {name: pages_per_second(convert, pairs, rounds) for name, convert in extractors.items() if rounds}
        print_summary(scores, rates, len(pairs), rounds)
        if "ours" in extractors:
            print(peak_memory(pairs))
        print_fidelity(fidelity_scores)
        print()


if __name__ == "__main__":
    main()
