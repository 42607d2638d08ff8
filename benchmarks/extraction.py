"""Score ``monitor.extract`` and peer extractors against the reference extractions in the shared corpus.

Both sets (``--set`` picks one): the Princeton-Leuven ``snapshots`` of 2002–2019 and the ``modern`` pages of
2023–2026 (see ``benchmarks/extraction_corpus.py`` for the pages and the extractors). Every figure is that of
``../shared/tools/fidelity.py``, the scorer of the issues: token precision, recall and F1, order similarity and
heading F1 (every ``#`` or setext line a heading, the title line included; a Princeton-Leuven header line
ignored). Every extractor runs on the same pages in the same run; a failing extraction is empty output.

For each set it prints:
* the worst pages by our F1 (``--pages N``, default 10; ``--pages 0`` for all), ours in full, each peer's F1
  and heading F1 beside;
* the means of every extractor, its lowest F1 and its pages/s (``--rounds`` timed rounds after an untimed
  warm-up; ours timed on extraction and rendering, each peer on its full conversion, decoding included);
* our speed as a ratio to each peer's, our peak memory on the largest page, and the targets of issue 12.

Usage: ``.venv/bin/python benchmarks/extraction.py [--corpus DIR] [--set snapshots|modern|both] [--rounds N]
[--pages N] [--only NAME ...] [--show SITE]`` (``--only`` may repeat: ours, trafilatura, html2text, readability;
``--show SITE`` prints the scored outputs of SITE's pages). Peers come from the ``bench`` extra
(``pip install -e '.[bench]'``); without it only ours is scored, with a note.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
from dataclasses import dataclass, fields
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from extraction_corpus import (
    DEFAULT_CORPUS,
    LABELS,
    PEERS,
    SETS,
    Convert,
    Pair,
    convert_or_empty,
    pages_per_second,
    peak_memory,
    select_extractors,
)

_FIDELITY_PATH = DEFAULT_CORPUS.parent / "tools" / "fidelity.py"
_spec = importlib.util.spec_from_file_location("fidelity", _FIDELITY_PATH)
assert _spec is not None and _spec.loader is not None, f"the scorer is missing: {_FIDELITY_PATH}"
FIDELITY = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(FIDELITY)

# Issue 12: (figure, at least) per set; speed is checked against trafilatura on both.
TARGETS = {
    "modern": (("f1", 0.98), ("recall", 0.97), ("precision", 0.98), ("heading_f1", 0.85), ("lowest", 0.90)),
    "snapshots": (("f1", 0.995), ("heading_f1", 0.995)),
}
SPEED_TARGET = 2.0


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    order: float
    heading_f1: float


def fidelity_score(output: str, reference: str) -> Score:
    """The figures of ``../shared/tools/fidelity.py`` for one page."""
    ours_tokens, their_tokens = FIDELITY.tokens(output), FIDELITY.tokens(reference)
    precision, recall, token_f1 = FIDELITY.f1(ours_tokens, their_tokens)
    ours_headings, their_headings = FIDELITY.headings(output), FIDELITY.headings(reference)
    heading_f1 = FIDELITY.f1(ours_headings, their_headings)[2] if ours_headings or their_headings else 1.0
    return Score(precision, recall, token_f1, FIDELITY.order_sim(ours_tokens, their_tokens), heading_f1)


def mean_score(scores: list[Score]) -> Score:
    return Score(*(statistics.fmean(getattr(s, field.name) for s in scores) for field in fields(Score)))


def label(name: str) -> str:
    return LABELS.get(name, name)


def score_all(extractors: dict[str, Convert], pairs: list[Pair]) -> dict[str, list[Score]]:
    scores: dict[str, list[Score]] = {name: [] for name in extractors}
    for pair in pairs:
        for name, convert in extractors.items():
            output, failure = convert_or_empty(convert, pair)
            if failure:
                print(f"note: {label(name)} failed on {pair.name}: {failure}")
            scores[name].append(fidelity_score(output, pair.reference))
    return scores


def print_pages(scores: dict[str, list[Score]], pairs: list[Pair], count: int) -> None:
    peers = [name for name in scores if name != "ours"]
    lead = next(iter(scores))
    order = sorted(range(len(pairs)), key=lambda index: scores[lead][index].f1)
    shown = order[:count] if count else order
    title = f"{'worst pages' if count else 'pages'} by {label(lead)} F1"
    head = f"{title:<40} {'prec':>6} {'recall':>6} {'F1':>6} {'head':>6}"
    print(head + "".join(f" | {label(name)} F1 / head" for name in peers))
    for index in shown:
        mine = scores[lead][index]
        cells = "".join(
            f" | {scores[name][index].f1:.3f} / {scores[name][index].heading_f1:.3f}".ljust(len(label(name)) + 13)
            for name in peers
        )
        values = f"{mine.precision:6.3f} {mine.recall:6.3f} {mine.f1:6.3f} {mine.heading_f1:6.3f}"
        print(f"{pairs[index].name:<40} {values}{cells}")


def print_means(scores: dict[str, list[Score]], rates: dict[str, float]) -> None:
    print(f"\n{'means':<24} {'prec':>6} {'recall':>6} {'F1':>6} {'order':>6} {'head':>6} {'lowest':>7} {'pages/s':>8}")
    for name, results in scores.items():
        mean = mean_score(results)
        values = " ".join(f"{getattr(mean, f.name):6.3f}" for f in fields(Score))
        rate = f"{rates[name]:8.1f}" if name in rates else f"{'-':>8}"
        print(f"{label(name):<24} {values} {min(r.f1 for r in results):7.3f} {rate}")
    if "ours" in rates:
        ratios = ", ".join(f"{rates['ours'] / rates[name]:.1f}× {label(name)}" for name in rates if name != "ours")
        if ratios:
            print(f"speed: ours {ratios}")


def print_targets(set_name: str, results: list[Score], rates: dict[str, float]) -> None:
    mean = mean_score(results)
    figures = {field.name: getattr(mean, field.name) for field in fields(Score)} | {
        "lowest": min(r.f1 for r in results)
    }
    checks = [
        f"{name} {figures[name]:.3f} ≥ {bound}: {'yes' if figures[name] >= bound else 'NO'}"
        for name, bound in TARGETS[set_name]
    ]
    if "trafilatura" in rates and "ours" in rates:
        ratio = rates["ours"] / rates["trafilatura"]
        checks.append(f"speed {ratio:.1f}× trafilatura ≥ {SPEED_TARGET}×: {'yes' if ratio >= SPEED_TARGET else 'NO'}")
    print("targets: " + "\n         ".join(checks))


def show(extractors: dict[str, Convert], pairs: list[Pair], site: str) -> None:
    for pair in pairs:
        if pair.site == site:
            for name, convert in extractors.items():
                print(f"<!-- {label(name)}: {pair.name} -->")
                print(convert_or_empty(convert, pair)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--set", choices=(*SETS, "both"), default="both", help="which pages (default: both sets)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds for pages/s (0: no timing)")
    parser.add_argument("--pages", type=int, default=10, help="how many of the worst pages to list (0: all)")
    parser.add_argument("--only", action="append", choices=("ours", *PEERS), help="run only this extractor (repeat)")
    parser.add_argument("--show", metavar="SITE", help="print the outputs for SITE's pages and exit")
    args = parser.parse_args()
    sets = {name: load(args.corpus) for name, load in SETS.items() if args.set in (name, "both")}
    extractors, notes = select_extractors(args.only or (["ours"] if args.show else None))
    if notes:
        print(f"note: {'; '.join(notes)}. Peers need the bench extra: .venv/bin/pip install -e '.[bench]'\n")
    if not extractors:
        sys.exit("nothing to run")
    if args.show:
        show(extractors, [pair for pairs in sets.values() for pair in pairs], args.show)
        return
    for set_name, pairs in sets.items():
        print(f"=== {set_name}: {len(pairs)} pages, scored by ../shared/tools/fidelity.py\n")
        scores = score_all(extractors, pairs)
        print_pages(scores, pairs, args.pages)
        rates = {
            name: pages_per_second(convert, pairs, args.rounds)
            for name, convert in extractors.items()
            if args.rounds > 0
        }
        print_means(scores, rates)
        if "ours" in extractors:
            print(peak_memory(pairs, args.corpus, set_name))
            print_targets(set_name, scores["ours"], rates)
        print()


if __name__ == "__main__":
    main()
