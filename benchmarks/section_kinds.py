"""Count the section change records of every history in the shared corpus, by kind.

Every consecutive pair of versions of each document (``histories/<document>/versions.json``, in order) is compared
along the history (``compare(previous.new, new)``). Printed: one row per document with its pairs and the records
of each ``SectionChangeKind``, then the totals. ``pairs`` counts removed+added records of one comparison whose
texts are the same once whitespace is set aside: a section the matching did not follow.

Usage: ``.venv/bin/python benchmarks/section_kinds.py [--corpus DIR] [--only DOCUMENT ...]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.compare.changes import ParsedText, compare
from monitor.models import Change, SectionChangeKind

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
KINDS = list(SectionChangeKind)
UNFOLLOWED = "unfollowed"


def history(folder: Path) -> list[str]:
    """The texts of a document's versions, in order."""
    versions = json.loads((folder / "versions.json").read_text())["versions"]
    return [(folder / version["file"]).read_text() for version in versions]


def unfollowed(change: Change) -> int:
    """Removed and added records of one change with the same (non-empty) text, counted once per pair."""
    removed = Counter(" ".join(s.old_text.split()) for s in change.sections if s.kind is SectionChangeKind.REMOVED)
    added = Counter(" ".join(s.new_text.split()) for s in change.sections if s.kind is SectionChangeKind.ADDED)
    return sum(min(count, added[text]) for text, count in removed.items() if text)


def count_kinds(folder: Path) -> tuple[int, Counter[str]]:
    """How many pairs a document's history has, and its records by kind (and unfollowed pairs)."""
    texts = history(folder)
    kinds: Counter[str] = Counter()
    previous: ParsedText | str = texts[0] if texts else ""
    for text in texts[1:]:
        comparison = compare(previous, text)
        previous = comparison.new
        kinds.update(section.kind.value for section in comparison.change.sections)
        kinds[UNFOLLOWED] += unfollowed(comparison.change)
    return max(len(texts) - 1, 0), kinds


def print_table(rows: list[tuple[str, int, Counter[str]]]) -> None:
    columns = [kind.value for kind in KINDS] + [UNFOLLOWED]
    print(f"{'document':27s} {'pairs':>5s} " + " ".join(f"{name:>10s}" for name in columns))
    total: Counter[str] = Counter()
    for name, pairs, kinds in rows:
        total.update(kinds)
        print(f"{name:27s} {pairs:5d} " + " ".join(f"{kinds.get(c, 0):10d}" for c in columns))
    pairs = sum(row[1] for row in rows)
    print(f"{'total':27s} {pairs:5d} " + " ".join(f"{total.get(c, 0):10d}" for c in columns))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--only", nargs="*", default=None, help="documents to count (default: all)")
    args = parser.parse_args()
    folders = sorted(p for p in (args.corpus / "histories").iterdir() if (p / "versions.json").exists())
    if args.only:
        folders = [p for p in folders if p.name in args.only]
    start = time.perf_counter()
    print_table([(folder.name, *count_kinds(folder)) for folder in folders])
    print(f"\n{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
