"""Classifying two texts from the paragraphs up to their last difference gives what all their paragraphs give."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.compare.classes import _TRAILING_CUTS, classify
from monitor.compare.paragraphs import cut_paragraphs, leading_paragraphs, paragraphs
from monitor.compare.text_regions import differences
from monitor.models import VersionClass
from tests.corpus import HISTORIES

PIECES = ["a", "b c", "[", "]", "\\[", "\\]", "](x)", "\n\n", "\n", "\n\n\n", " ", "May 1, 2024", "Effective "]
TEXTS = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


def _leading(old: str, new: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    return leading_paragraphs(old, new, differences(old, new), cuts=_TRAILING_CUTS)


def _assert_leading_paragraphs_begin_the_paragraphs(old: str, new: str) -> None:
    leading = _leading(old, new)
    if leading is None:
        return
    old_all, new_all = paragraphs(old), paragraphs(new)
    old_part, new_part = leading
    assert old_all[: len(old_part)] == old_part
    assert new_all[: len(new_part)] == new_part
    assert old_all[len(old_part) :] == new_all[len(new_part) :]


def _classified_from_all_paragraphs(old: str, new: str) -> VersionClass:
    # Given the old text's paragraphs, the classification reuses them instead of cutting the beginnings only.
    return classify(old, new, old_paragraphs=cut_paragraphs(old)).version_class


@st.composite
def edited_texts(draw: st.DrawFn) -> tuple[str, str]:
    """A text and a copy edited in a few places, both followed by the same paragraphs (so that a cut after the
    last edit is likely)."""
    chunks = draw(st.lists(TEXTS, min_size=1, max_size=8))
    edited = list(chunks)
    for _ in range(draw(st.integers(1, 3))):
        edited[draw(st.integers(0, len(edited) - 1))] = draw(TEXTS)
    tail = draw(st.lists(TEXTS, max_size=6))
    return "\n\n".join(chunks + tail), "\n\n".join(edited + tail)


@settings(max_examples=500, deadline=None)
@given(edited_texts())
def test_leading_paragraphs_are_the_first_paragraphs_and_the_rest_is_the_same(texts: tuple[str, str]) -> None:
    _assert_leading_paragraphs_begin_the_paragraphs(*texts)


@settings(max_examples=500, deadline=None)
@given(edited_texts())
def test_a_cold_classification_is_the_one_from_all_paragraphs(texts: tuple[str, str]) -> None:
    old, new = texts
    cold = classify(old, new).version_class

    assert cold == _classified_from_all_paragraphs(old, new)


def test_links_spanning_blank_lines_and_escaped_brackets_are_cut_alike() -> None:
    common = "".join(f"Clause {k} [see\n\nthe \\[{k}\\] note\n\n](https://x/{k}) ends.\n\n" for k in range(6))
    old = "Effective May 1, 2024\n\nIntro [a\n\n" + common + "](y) tail\n\nLast."
    new = "Effective June 2, 2024\n\nIntro [a\n\n" + common + "](y) tail\n\nLast."
    _assert_leading_paragraphs_begin_the_paragraphs(old, new)

    assert classify(old, new).version_class == _classified_from_all_paragraphs(old, new) == VersionClass.DATE_ONLY


def test_a_cut_left_inside_brackets_falls_back_to_all_paragraphs() -> None:
    old = "Top [one\n\ntwo\n\nthree\n\nfour\n\nfive](x)\n\nEnd."
    new = old.replace("Top", "Top changed")

    assert _leading(old, new) is None
    assert classify(old, new).version_class == _classified_from_all_paragraphs(old, new) == VersionClass.SUBSTANTIVE


@pytest.mark.parametrize("folder", sorted(path.parent for path in HISTORIES.glob("*/versions.json")), ids=str)
def test_corpus_pairs_are_classified_cold_as_from_all_paragraphs(folder: Path) -> None:
    versions = json.loads((folder / "versions.json").read_text())["versions"]
    texts = [(folder / version["file"]).read_text() for version in versions]
    for old, new in pairwise(texts):
        _assert_leading_paragraphs_begin_the_paragraphs(old, new)
        assert classify(old, new).version_class == _classified_from_all_paragraphs(old, new)
