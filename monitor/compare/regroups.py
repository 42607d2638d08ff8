"""Splits and merges: one old section becoming several new ones, several old ones becoming one.

Around a pair of sections whose text changed: when the new one lost text and unpaired new sections next to it
are made mostly of that lost text (at least half of each one's word pairs), the old section was split into
them; when it gained text and unpaired old sections next to the old one are made mostly of the gained text,
they were merged into it. "Next to" walks away from the pair over unpaired sections, and also over sections
that moved away, up to the partner of its neighbour in the other version.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from monitor.compare.classes import link_free_words
from monitor.compare.text_regions import agreement
from monitor.compare.word_diff import fold_typography, word_end, word_runs, word_start
from monitor.models import Section

PART_COVERAGE = 0.5  # share of a part's word pairs that must come from the text its section lost (or gained)
MIN_PART_WORDS = 4


@dataclass(frozen=True)
class Regroup:
    """A split (one old section into several new ones) or a merge (several old ones into one new one)."""

    old: tuple[int, ...]  # old indices, in order
    new: tuple[int, ...]  # new indices, in order
    old_identity: int  # the old section whose identity the group keeps
    new_identity: int

    @property
    def is_split(self) -> bool:
        return len(self.new) > 1


@dataclass
class Taken:
    """Sections no longer up for pairing: paired, or claimed as a part of a split or merge."""

    old: set[int]
    new: set[int]

    def pair(self, pairs: dict[int, int], i: int, j: int) -> None:
        pairs[i] = j
        self.old.add(i)
        self.new.add(j)


def same_text(old: Section, new: Section) -> bool:
    """Whether two sections' texts are equal once whitespace and typography are set aside."""
    a, b = old.text, new.text
    if a == b:
        return True
    # Only the words around the part where the texts differ need comparing: the text before the first of them
    # ends with whitespace and the text after the last starts with it, and folding keeps whitespace whitespace.
    start, tail = agreement(a, b)
    low, high = word_start(a, start), word_end(a, tail)
    return fold_typography(a[low:high]).split() == fold_typography(b[low : high + len(b) - len(a)]).split()


def find_regroups(
    old: Sequence[Section], new: Sequence[Section], pairs: dict[int, int], taken: Taken
) -> tuple[Regroup, ...]:
    """Splits and merges around these pairs; their parts are marked taken."""
    if len(taken.new) == len(new) and len(taken.old) == len(old):
        return ()
    regroups: list[Regroup] = []
    old_to_new, new_to_old = _Order(pairs), _Order({j: i for i, j in pairs.items()})
    for i, j in sorted(pairs.items()):
        new_run = _run(j, len(new), taken.new, old_to_new.bounds(i))
        old_run = _run(i, len(old), taken.old, new_to_old.bounds(j))
        if (not new_run and not old_run) or same_text(old[i], new[j]):
            continue
        old_pairs, new_pairs = _bigrams(old[i].text), _bigrams(new[j].text)
        parts = _parts(new, new_run, old_pairs - new_pairs)
        if parts:
            taken.new.update(parts)
            regroups.append(Regroup((i,), tuple(sorted((j, *parts))), i, j))
            continue
        merged = _parts(old, old_run, new_pairs - old_pairs)
        if merged:
            taken.old.update(merged)
            regroups.append(Regroup(tuple(sorted((i, *merged))), (j,), i, j))
    return tuple(regroups)


class _Order:
    """Where the neighbours of a section of one version are in the other (``pairs``: this side -> that)."""

    def __init__(self, pairs: dict[int, int]) -> None:
        self.pairs = pairs
        self.keys = sorted(pairs)

    def bounds(self, index: int) -> tuple[int, int]:
        """For the section at ``index`` on this side: the partners of its paired neighbours before and after
        it (-1 when there is none)."""
        at = bisect_left(self.keys, index)
        before = self.pairs[self.keys[at - 1]] if at > 0 else -1
        after_at = at + 1 if at < len(self.keys) and self.keys[at] == index else at
        after = self.pairs[self.keys[after_at]] if after_at < len(self.keys) else -1
        return before, after


def _run(index: int, size: int, taken: set[int], bounds: tuple[int, int]) -> list[int]:
    """Positions not taken next to ``index``, after it then before it, nearest first.

    Walking away from ``index`` stops at a taken position, except on the way to the partner of the section
    that is its neighbour in the other version: sections met before reaching it moved away, and what lies
    beyond them was next to ``index`` all the same.
    """
    run: list[int] = []
    for step, bound in ((1, bounds[1]), (-1, bounds[0])):
        skip_moved = bound != -1 and (bound - index) * step > 0
        cursor = index + step
        while 0 <= cursor < size and cursor != bound:
            if cursor not in taken:
                run.append(cursor)
            elif not skip_moved:
                break
            cursor += step
    return run


def _parts(sections: Sequence[Section], run: list[int], pool: set[str]) -> list[int]:
    """The sections of ``run`` made mostly of the word pairs in ``pool`` (each consumes what it uses)."""
    found: list[int] = []
    for index in run:
        if not pool:
            break
        bigrams = _bigrams(sections[index].text)
        if len(bigrams) + 1 < MIN_PART_WORDS:
            continue
        shared = bigrams & pool
        if len(shared) >= PART_COVERAGE * len(bigrams):
            found.append(index)
            pool -= shared
    return found


def _bigrams(text: str) -> set[str]:
    words = [word.casefold() for word in word_runs(" ".join(link_free_words(text)))]
    return {f"{a} {b}" for a, b in pairwise(words)}
