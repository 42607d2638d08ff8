"""Every consecutive pair of versions of every history in the corpus, each compared once: the change records
rebuild the new version's sections exactly, and the version class is the one the rule of ``tests.rendered_words``
(the words a reader sees in the rendered Markdown) allows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from monitor.compare.changes import ParsedText, apply_change, compare
from monitor.compare.paragraphs import paragraphs
from monitor.compare.sections import split_sections
from monitor.models import VersionClass
from tests.corpus import HISTORIES
from tests.rendered_words import allowed_classes


@dataclass(frozen=True)
class Replayed:
    name: str  # document/timestamp of the new version
    version_class: VersionClass
    allowed: frozenset[VersionClass]  # the classes the rule allows
    rebuilt: str  # "" when the change rebuilt the new sections, else what went wrong
    reused_alike: bool  # whether parsing after the old version gave what parsing alone gives
    replayed_alike: bool  # whether comparing from the comparison before found what comparing the texts finds


def _histories() -> list[Path]:
    return sorted(folder for folder in HISTORIES.iterdir() if (folder / "versions.json").exists())


def _replay(folder: Path) -> list[Replayed]:
    versions = json.loads((folder / "versions.json").read_text())["versions"]
    texts = [(folder / version["file"]).read_text() for version in versions]
    alone = [(split_sections(text), paragraphs(text)) for text in texts]  # each on its own, nothing reused
    replayed = []
    previous: ParsedText | str = texts[0]
    for k in range(1, len(texts)):
        comparison = compare(previous, texts[k])  # the new version is split and cut after the old one
        change, previous = comparison.change, comparison.new
        try:
            rebuilt = "" if apply_change(alone[k - 1][0], change) == alone[k][0] else "differs"
        except ValueError as error:
            rebuilt = str(error)
        cut = previous.paragraphs.texts if previous.paragraphs is not None else alone[k][1]
        reused_alike = (previous.sections, cut) == alone[k]
        replayed_alike = change == compare(texts[k - 1], texts[k]).change
        name = f"{folder.name}/{versions[k]['timestamp']}"
        allowed = frozenset(allowed_classes(texts[k - 1], texts[k]))
        replayed.append(Replayed(name, change.version_class, allowed, rebuilt, reused_alike, replayed_alike))
    return replayed


@pytest.fixture(scope="module")
def replayed() -> list[Replayed]:
    return [pair for folder in _histories() for pair in _replay(folder)]


def test_the_corpus_holds_over_a_thousand_consecutive_pairs(replayed: list[Replayed]) -> None:
    assert len(replayed) > 1000


def test_every_change_in_the_corpus_rebuilds_the_new_versions_sections(replayed: list[Replayed]) -> None:
    assert [(pair.name, pair.rebuilt) for pair in replayed if pair.rebuilt] == []


def test_parsing_a_version_after_the_one_before_it_gives_what_parsing_it_alone_gives(
    replayed: list[Replayed],
) -> None:
    assert [pair.name for pair in replayed if not pair.reused_alike] == []


def test_comparing_from_the_comparison_before_finds_what_comparing_the_two_texts_finds(
    replayed: list[Replayed],
) -> None:
    assert [pair.name for pair in replayed if not pair.replayed_alike] == []


def test_every_version_is_classed_as_the_words_a_reader_sees_say(replayed: list[Replayed]) -> None:
    wrong = [(pair.name, pair.version_class, sorted(pair.allowed)) for pair in replayed]
    assert [case for case in wrong if case[1] not in case[2]] == []


def test_facebooks_privacy_policy_changes_mostly_in_link_targets(replayed: list[Replayed]) -> None:
    facebook = [pair for pair in replayed if pair.name.startswith("facebook-privacy-policy/")]

    link_only = sum(pair.version_class is VersionClass.LINK_ONLY for pair in facebook)

    assert (len(facebook), link_only) == (491, 452)
