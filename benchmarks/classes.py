"""The class of every consecutive pair of every history in the corpus, against the rule a lawyer signs.

For each document, each version after the first is classed against the one before (``monitor.compare.changes
.compare``, reverts not looked at) and against the rule of ``tests.rendered_words`` (the words of the rendered
Markdown). Printed: the pairs of each class by ours, then every pair whose class the rule does not allow.

Usage: ``.venv/bin/python benchmarks/classes.py [--corpus DIR] [--only DOCUMENT ...]``
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.compare.changes import compare
from monitor.compare.sections import ParsedText
from monitor.models import VersionClass
from tests.rendered_words import allowed_classes

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
CLASSES = [VersionClass.SUBSTANTIVE, VersionClass.FORMATTING_ONLY, VersionClass.LINK_ONLY, VersionClass.DATE_ONLY]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    folders = sorted(p for p in (args.corpus / "histories").iterdir() if (p / "versions.json").exists())
    totals: Counter[VersionClass] = Counter()
    wrong: list[str] = []
    print(f"{'document':<28}{'pairs':>6}" + "".join(f"{c.value:>17}" for c in CLASSES))
    for folder in folders:
        if args.only and folder.name not in args.only:
            continue
        counts = _classes_of(folder, wrong)
        totals.update(counts)
        print(f"{folder.name:<28}{sum(counts.values()):>6}" + "".join(f"{counts[c]:>17}" for c in CLASSES))
    print(f"{'all':<28}{sum(totals.values()):>6}" + "".join(f"{totals[c]:>17}" for c in CLASSES))
    print(f"\npairs the rule classes otherwise: {len(wrong)}")
    for line in wrong:
        print("  " + line)


def _classes_of(folder: Path, wrong: list[str]) -> Counter[VersionClass]:
    versions = json.loads((folder / "versions.json").read_text())["versions"]
    texts = [(folder / version["file"]).read_text() for version in versions]
    counts: Counter[VersionClass] = Counter()
    previous: ParsedText | str = texts[0]
    for k in range(1, len(texts)):
        comparison = compare(previous, texts[k])
        previous = comparison.new
        ours = comparison.change.version_class
        counts[ours] += 1
        allowed = allowed_classes(texts[k - 1], texts[k])
        if ours not in allowed:
            rule = "/".join(sorted(c.value for c in allowed))
            wrong.append(f"{folder.name}/{versions[k]['timestamp']}: ours {ours.value}, rule {rule}")
    return counts


if __name__ == "__main__":
    main()
