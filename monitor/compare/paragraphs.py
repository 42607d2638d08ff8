"""A text's paragraphs: blocks between blank lines, brackets kept together.

A version shares most of its text with the one it follows, so its paragraphs can be taken from that one's
(``paragraphs_after``) but around the regions where the two differ; or, to judge only where they differ, cut
up to a little after the last difference (``leading_paragraphs``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate, compress, repeat
from operator import add, sub

from monitor.compare.text_regions import Region

PARAGRAPH_BREAK = "\n\n"


@dataclass(frozen=True)
class Paragraphs:
    """The paragraphs of a text and where each starts in it."""

    texts: tuple[str, ...]
    starts: tuple[int, ...]


def paragraphs(markdown: str) -> tuple[str, ...]:
    """The text cut at blank lines (``"\n\n"``), except inside brackets: a link's text may hold blank lines
    (Facebook writes ``[\n\nWhat Products does this policy cover? \\[1\\]\n\n](https://...)``). Brackets are
    counted piece by piece, escaped ones aside."""
    return cut_paragraphs(markdown).texts


def cut_paragraphs(markdown: str) -> Paragraphs:
    """The paragraphs of a text (see ``paragraphs``), with where each starts."""
    return _split(markdown, 0)[0]


def paragraphs_after(before: Paragraphs, old: str, new: str, regions: Sequence[Region]) -> Paragraphs:
    """The paragraphs of ``new``, taken from those of ``old`` (``before``) outside the ``regions`` where the two
    differ. Only saves time: the result is ``cut_paragraphs(new)``."""
    reused = _paragraphs_after(before, old, new, regions)
    return reused if reused is not None else cut_paragraphs(new)


def leading_paragraphs(
    old: str, new: str, regions: Sequence[Region], *, cuts: int
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The paragraphs of both texts up to the ``cuts``-th clean cut after the last place they differ (None: none
    such, or brackets are open there). After it the two texts are the same and are cut the same way, so their
    paragraphs are these followed by the same ones."""
    end = _clean_cut(old, regions[-1].old_end, cuts) if regions else None
    if end is None:
        return None
    old_part, depth = _split(old[:end], 0)
    if depth:
        return None  # a bracket open over the cut: later pieces would join the last paragraph
    new_part = _paragraphs_after(old_part, old[:end], new[: end + len(new) - len(old)], regions, closed=True)
    return (old_part.texts, new_part.texts) if new_part is not None else None


def _split(text: str, offset: int) -> tuple[Paragraphs, int]:
    """The paragraphs of ``text`` (which starts at ``offset``), and the depth of brackets left open at its end."""
    pieces = text.split(PARAGRAPH_BREAK)
    # Where each piece starts: its offset, the lengths before it, and a cut of 2 after each (all counted in C).
    starts = list(map(add, accumulate(map(len, pieces), initial=offset), range(0, 2 * len(pieces) + 2, 2)))
    if "[" not in text:  # nothing can open
        return Paragraphs(tuple(pieces), tuple(starts[:-1])), 0
    changes = map(sub, map(str.count, pieces, repeat("[")), map(str.count, pieces, repeat("]")))
    unbalanced = list(compress(range(len(pieces)), changes))
    if not unbalanced:
        return Paragraphs(tuple(pieces), tuple(starts[:-1])), 0
    texts: list[str] = []
    found: list[int] = []
    depth, first = 0, 0  # first: the first piece not yet taken (of the open group, when depth > 0)
    for index in unbalanced:
        piece = pieces[index]
        change = piece.count("[") - piece.count("]")
        if "\\" in piece:
            change += piece.count("\\]") - piece.count("\\[")
        if not change:
            continue
        if not depth:
            texts += pieces[first:index]
            found += starts[first:index]
            first = index
        depth = max(0, depth + change)
        if not depth:
            texts.append(piece if first == index else PARAGRAPH_BREAK.join(pieces[first : index + 1]))
            found.append(starts[first])
            first = index + 1
    if depth:
        texts.append(PARAGRAPH_BREAK.join(pieces[first:]))
        found.append(starts[first])
    else:
        texts += pieces[first:]
        found += starts[first:-1]
    return Paragraphs(tuple(texts), tuple(found)), depth


def _paragraphs_after(
    before: Paragraphs, old: str, new: str, regions: Sequence[Region], *, closed: bool = False
) -> Paragraphs | None:
    """The paragraphs of ``new``: those of ``old`` outside the ``regions`` where the texts differ, and around each
    changed region the paragraphs it touches split anew (None when such a stretch leaves brackets open, or could
    shift where a cut falls; or, when ``closed``, when brackets are open at the end)."""
    starts = before.starts
    texts: list[str] = []
    found: list[int] = []
    kept, chars = 0, 0  # the first paragraph of ``old`` not yet taken; characters gained before it
    for head, tail, gained in _paragraph_spans(starts, old, regions):
        texts += before.texts[kept:head]
        found += [start + chars for start in starts[kept:head]] if chars else starts[kept:head]
        begin = starts[head] + chars
        chars += gained
        end = starts[tail] - len(PARAGRAPH_BREAK) + chars if tail < len(starts) else len(new)
        middle = new[begin:end]
        if tail < len(starts) and middle.endswith("\n"):
            return None  # "\n" + "\n\n" would be cut one character earlier
        split, depth = _split(middle, begin)
        if depth and (closed or tail < len(starts)):
            return None
        texts += split.texts
        found += split.starts
        kept = tail
    texts += before.texts[kept:]
    found += [start + chars for start in starts[kept:]] if chars else starts[kept:]
    return Paragraphs(tuple(texts), tuple(found))


def _paragraph_spans(starts: Sequence[int], old: str, regions: Sequence[Region]) -> list[tuple[int, int, int]]:
    """(head, tail, characters gained): the paragraphs ``head`` up to ``tail`` to split again around the changed
    regions. A span starts at a cut in the unchanged text before its region, right after a character other than
    a line break (so where the cut falls does not depend on the text before it), and ends at a cut in the
    unchanged text after it; a region with no such cut since the last span joins that span."""
    spans: list[tuple[int, int, int]] = []
    previous_end = -1
    for region in regions:
        low = spans[-1][1] if spans else 0
        head = max(bisect_right(starts, region.old_start) - 1, 0)
        while spans and head >= low and not _cut_alike(old, starts[head], previous_end):
            head -= 1
        tail = max(bisect_left(starts, region.old_end + len(PARAGRAPH_BREAK)), head + 1)
        gained = (region.new_end - region.new_start) - (region.old_end - region.old_start)
        if spans and head < low:
            first, _, before = spans.pop()
            spans.append((first, tail, before + gained))
        else:
            spans.append((head, tail, gained))
        previous_end = region.old_end
    return spans


def _cut_alike(old: str, start: int, previous_end: int) -> bool:
    """Whether the cut before the paragraph starting at ``start`` falls there whatever changed before
    ``previous_end``."""
    cut = start - len(PARAGRAPH_BREAK)
    return cut - 1 >= previous_end and old[cut - 1] != "\n"


def _clean_cut(text: str, after: int, count: int) -> int | None:
    """Where the ``count``-th blank line after offset ``after`` cuts the text, counting only the blank lines
    right after a character other than a line break (a cut there wherever splitting started)."""
    at = after
    for _ in range(count):
        at = text.find(PARAGRAPH_BREAK, at + 1)
        while at > 0 and text[at - 1] == "\n":
            at = text.find(PARAGRAPH_BREAK, at + 1)
        if at == -1:
            return None
    return at
