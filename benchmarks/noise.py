"""Classify every recorded change of every history in the shared corpus: how much of it is noise.

For each document (``histories/<document>/versions.json``, in order) each version after the first is classed
against its predecessor, as the poller classes a new version before any alert:

* ``reverted`` when its normalized text (``monitor.compare.changes.normalized_text``) equals that of a version before
  its predecessor (the rule of ``jobs.store_version``/``jobs.reextract``; ``--list`` names the version returned to);
* otherwise the class ``monitor.compare.changes.compare`` gives: ``substantive``, ``formatting-only``, ``link-only`` or
  ``date-only`` (see ``monitor.compare.classes``).

Printed per document: versions, changes, the count of each class, and the share of noise (every class but
substantive). Then the two rules the issue sets, checked on every change, with the words of
``monitor.compare.classes.policy_words`` (link targets removed), the same words the classifier judges:

1. a version whose words differ from its predecessor's is ``substantive`` unless ``date-only`` or ``reverted``;
2. a version whose words are identical to its predecessor's is never ``substantive``.

Usage: ``.venv/bin/python benchmarks/noise.py [--corpus DIR] [--only DOCUMENT ...] [--list]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.compare.changes import compare, normalized_text
from monitor.compare.classes import policy_words
from monitor.compare.sections import ParsedText
from monitor.models import VersionClass

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
CLASSES = [
    VersionClass.SUBSTANTIVE,
    VersionClass.FORMATTING_ONLY,
    VersionClass.LINK_ONLY,
    VersionClass.DATE_ONLY,
    VersionClass.REVERTED,
]
MAY_DIFFER_IN_WORDS = {VersionClass.SUBSTANTIVE, VersionClass.DATE_ONLY, VersionClass.REVERTED}


@dataclass
class History:
    document: str
    versions: int = 0
    classes: Counter[VersionClass] = field(default_factory=Counter)
    reverts: list[tuple[str, str]] = field(default_factory=list)  # (version, the earlier version it equals)
    broken_rules: list[str] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return sum(self.classes.values())


def text_hash(markdown: str) -> str:
    return hashlib.sha256(normalized_text(markdown).encode()).hexdigest()


def classify_history(folder: Path) -> History:
    versions = json.loads((folder / "versions.json").read_text())["versions"]
    history = History(folder.name, len(versions))
    seen: dict[str, str] = {}  # text hash -> timestamp of the newest version with it
    previous: tuple[str, str, list[str]] | None = None  # (timestamp, markdown, words)
    parsed: ParsedText | str = ""  # the previous version as the last comparison parsed it, as the poller keeps it
    for version in versions:
        markdown = (folder / version["file"]).read_text()
        timestamp, digest, words = version["timestamp"], text_hash(markdown), policy_words(markdown)
        if previous is not None:
            earlier = seen.get(digest) if digest != text_hash(previous[1]) else None
            if earlier:
                version_class, parsed = VersionClass.REVERTED, markdown
            else:
                comparison = compare(parsed, markdown)
                version_class, parsed = comparison.change.version_class, comparison.new
            history.classes[version_class] += 1
            if earlier:
                history.reverts.append((timestamp, earlier))
            _check_rules(history, timestamp, version_class, words_differ=words != previous[2])
        if previous is not None:
            seen[text_hash(previous[1])] = previous[0]
        else:
            parsed = markdown
        previous = (timestamp, markdown, words)
    return history


def _check_rules(history: History, timestamp: str, version_class: VersionClass, *, words_differ: bool) -> None:
    if words_differ and version_class not in MAY_DIFFER_IN_WORDS:
        history.broken_rules.append(f"{timestamp}: words differ but {version_class}")
    if not words_differ and version_class is VersionClass.SUBSTANTIVE:
        history.broken_rules.append(f"{timestamp}: same words but substantive")


def print_table(histories: list[History], *, show_reverts: bool) -> None:
    names = " ".join(f"{cls.value:>15s}" for cls in CLASSES)
    print(f"{'document':27s} {'versions':>8s} {'changes':>7s} {names} {'noise':>6s}")
    for history in histories:
        counts = " ".join(f"{history.classes[cls]:15d}" for cls in CLASSES)
        noise = 1 - history.classes[VersionClass.SUBSTANTIVE] / history.changes if history.changes else 0.0
        print(f"{history.document:27s} {history.versions:8d} {history.changes:7d} {counts} {noise:6.1%}")
        if show_reverts:
            for timestamp, earlier in history.reverts:
                print(f"    {timestamp} reverted to {earlier}")
    total: Counter[VersionClass] = Counter()
    for history in histories:
        total.update(history.classes)
    changes = sum(total.values())
    counts = " ".join(f"{total[cls]:15d}" for cls in CLASSES)
    noise = 1 - total[VersionClass.SUBSTANTIVE] / changes if changes else 0.0
    print(f"{'all':27s} {sum(h.versions for h in histories):8d} {changes:7d} {counts} {noise:6.1%}")


def print_summary(histories: list[History]) -> None:
    policies = [h for h in histories if "privacy-policy" in h.document]
    changes = sum(h.changes for h in policies)
    reverted = sum(h.classes[VersionClass.REVERTED] for h in policies)
    if changes:
        print(
            f"\nprivacy policies: {reverted} of {changes} changes return to an earlier text ({reverted / changes:.1%})"
        )
    for history in histories:
        if history.document == "facebook-privacy-policy":
            link_only = history.classes[VersionClass.LINK_ONLY]
            print(f"{history.document}: {link_only} of {history.changes} changes are link-only")
    broken = [(h.document, rule) for h in histories for rule in h.broken_rules]
    checked = sum(h.changes for h in histories)
    print(f"rules (words differ -> substantive/date-only/reverted; same words -> not substantive): {checked} changes")
    print(f"checked, {len(broken)} broken")
    for document, rule in broken:
        print(f"  {document} {rule}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--only", action="append", default=[], metavar="DOCUMENT")
    parser.add_argument("--list", action="store_true", help="name the version each reverted one returns to")
    args = parser.parse_args()
    folders = sorted(path for path in (args.corpus / "histories").iterdir() if (path / "versions.json").exists())
    if args.only:
        folders = [folder for folder in folders if folder.name in args.only]
    histories = [classify_history(folder) for folder in folders]
    print_table(histories, show_reverts=args.list)
    print_summary(histories)


if __name__ == "__main__":
    main()
