"""What kind of difference a new version makes: substantive, formatting-only, link-only or date-only.

The words of a text (``policy_words``) are defined here, once, for the classes, the noise benchmark and its
test: typography folded, the reference header line ignored, Markdown markup (emphasis and code marks,
bullets, rules, table borders, heading marks), HTML tags and backslash escapes dropped, links and images
reduced to their text, and link targets (inline, reference definitions) dropped. They are computed paragraph
by paragraph (``paragraphs``: blocks between blank lines, brackets kept together), so the words of a text are
the words of its paragraphs one after the other and a run of paragraphs can be judged on its own.

The class of a new version (``classify``): the two texts' paragraphs are diffed and only the changed blocks
are looked at. Words equal, link targets included → FORMATTING_ONLY; words equal → LINK_ONLY; otherwise, if
every changed word lies inside a "last updated / effective <date>" phrase → DATE_ONLY, else SUBSTANTIVE.
Texts whose words are equal are thus never SUBSTANTIVE, and texts whose words differ are always DATE_ONLY or
SUBSTANTIVE. REVERTED needs the history, so it is the caller's to give (see ``jobs.store_version``).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, compress, repeat
from operator import add, sub

from monitor.compare.text_regions import Recent, Region, differences
from monitor.compare.titles import (
    AUTOLINK,
    DATE_PHRASE,
    ESCAPE,
    HTML_TAG,
    REFERENCE_HEADER_PREFIX,
    is_reference_header,
    strip_links,
)
from monitor.compare.word_diff import diff_sequences, fold_typography
from monitor.models import VersionClass

PARAGRAPH_BREAK = "\n\n"
TARGET = "\x00"  # starts a link target's word in marked words, so one pass serves both projections

_REF_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*(\S+.*)$", re.M)
_MARKUP_ONLY = "#>=+-_*|~`!"  # words made only of these are markup (list bullets, rules, table borders)
_DATE_WINDOW = 8  # words either side of a change searched for the date phrase holding it
_CONTEXT_PARAGRAPHS = 2  # a date's keyword may sit a paragraph or two above it ("**Effective:**", "May 1")
_MARKED, _PLAIN = 0, 1  # which words of a paragraph: with link targets, without
# Cuts after the last change before leading paragraphs end: the changed paragraph's, and context to spare.
_TRAILING_CUTS = _CONTEXT_PARAGRAPHS + 1


def policy_words(markdown: str) -> list[str]:
    """The words of a text as the version classes judge them (see the module's docstring)."""
    return _paragraphs_words(paragraphs(markdown), _PLAIN)


@dataclass(frozen=True)
class _Paragraphs:
    texts: tuple[str, ...]
    starts: tuple[int, ...]  # where each starts in the text


_PARAGRAPHS: Recent[str, _Paragraphs] = Recent()


def paragraphs(markdown: str, *, previous: str | None = None) -> tuple[str, ...]:
    """The text cut at blank lines (``"\n\n"``), except inside brackets: a link's text may hold blank lines
    (Facebook writes ``[\n\nWhat Products does this policy cover? \\[1\\]\n\n](https://...)``). Brackets are
    counted piece by piece, escaped ones aside.

    ``previous``, a version this one probably shares most of its text with, only saves time: the paragraphs
    outside the places where the two differ are taken from it. The result is the same.
    """
    found = _PARAGRAPHS.get(markdown)
    if found is None:
        before = _PARAGRAPHS.get(previous) if previous is not None else None
        reused = None
        if before is not None and previous is not None:
            reused = _paragraphs_after(before, previous, markdown, differences(previous, markdown))
        found = _PARAGRAPHS.put(markdown, reused or _split(markdown, 0)[0])
    return found.texts


def _split(text: str, offset: int) -> tuple[_Paragraphs, int]:
    """The paragraphs of ``text`` (which starts at ``offset``), and the depth of brackets left open at its end."""
    pieces = text.split(PARAGRAPH_BREAK)
    # Where each piece starts: its offset, the lengths before it, and a cut of 2 after each (all counted in C).
    starts = list(map(add, accumulate(map(len, pieces), initial=offset), range(0, 2 * len(pieces) + 2, 2)))
    if "[" not in text:  # nothing can open
        return _Paragraphs(tuple(pieces), tuple(starts[:-1])), 0
    changes = map(sub, map(str.count, pieces, repeat("[")), map(str.count, pieces, repeat("]")))
    unbalanced = list(compress(range(len(pieces)), changes))
    if not unbalanced:
        return _Paragraphs(tuple(pieces), tuple(starts[:-1])), 0
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
    return _Paragraphs(tuple(texts), tuple(found)), depth


def _paragraphs_after(
    before: _Paragraphs, old: str, new: str, regions: Sequence[Region], *, closed: bool = False
) -> _Paragraphs | None:
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
    return _Paragraphs(tuple(texts), tuple(found))


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


def clear_caches() -> None:
    """Forget the paragraphs kept from earlier calls."""
    _PARAGRAPHS.clear()
    paragraph_words.cache_clear()


def link_free_words(text: str) -> tuple[str, ...]:
    """``policy_words`` of a text taken as one paragraph (a section's text, say)."""
    return _words_of(text)[_PLAIN]


def classify(old_markdown: str, new_markdown: str) -> VersionClass:
    """The class of the difference between two texts (FORMATTING_ONLY when they are equal)."""
    old, new, blocks = _changed_paragraphs(old_markdown, new_markdown)
    spans = [(old[i1:i2], new[j1:j2]) for i1, i2, j1, j2 in blocks]
    if all(_paragraphs_words(a, _MARKED) == _paragraphs_words(b, _MARKED) for a, b in spans):
        return VersionClass.FORMATTING_ONLY
    differing = [k for k, (a, b) in enumerate(spans) if _paragraphs_words(a, _PLAIN) != _paragraphs_words(b, _PLAIN)]
    if not differing:
        return VersionClass.LINK_ONLY
    # Paragraphs outside the span of changed blocks are equal, so the span decides for the whole text: this
    # settles words that only shifted from one block to another.
    first, last = blocks[0], blocks[-1]
    old_span, new_span = old[first[0] : last[1]], new[first[2] : last[3]]
    if _paragraphs_words(old_span, _PLAIN) == _paragraphs_words(new_span, _PLAIN):
        same = _paragraphs_words(old_span, _MARKED) == _paragraphs_words(new_span, _MARKED)
        return VersionClass.FORMATTING_ONLY if same else VersionClass.LINK_ONLY
    if all(_only_dates_differ(old, new, blocks[k]) for k in differing):
        return VersionClass.DATE_ONLY
    return VersionClass.SUBSTANTIVE


_Block = tuple[int, int, int, int]  # paragraphs old[i1:i2] became new[j1:j2]


def _changed_blocks(old: Sequence[str], new: Sequence[str]) -> list[_Block]:
    return [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in diff_sequences(old, new) if tag != "equal"]


def _changed_paragraphs(old_markdown: str, new_markdown: str) -> tuple[Sequence[str], Sequence[str], list[_Block]]:
    """The paragraphs of the two texts, or leading runs of them that decide the class alike (see
    ``_leading_paragraphs``), and the blocks where they differ."""
    if _PARAGRAPHS.get(old_markdown) is None:  # no paragraphs to reuse: cut only the texts' beginnings
        leading = _leading_paragraphs(old_markdown, new_markdown)
        if leading is not None:
            blocks = _changed_blocks(*leading)
            if blocks and _well_inside(blocks[-1], *leading):
                return (*leading, blocks)
    old, new = paragraphs(old_markdown), paragraphs(new_markdown, previous=old_markdown)
    return old, new, _changed_blocks(old, new)


def _leading_paragraphs(old: str, new: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The paragraphs of both texts up to a cut a few paragraphs after the last place they differ (None: none
    such, or brackets are open there). After it the two texts are the same and are cut the same way, so their
    paragraphs are these followed by the same ones; with the changed blocks well inside (``_well_inside``), the
    diff of these gives the diff of all but for the equal run at the end."""
    regions = differences(old, new)
    end = _clean_cut(old, regions[-1].old_end, _TRAILING_CUTS) if regions else None
    if end is None:
        return None
    old_part, depth = _split(old[:end], 0)
    if depth:
        return None  # a bracket open over the cut: later pieces would join the last paragraph
    new_part = _paragraphs_after(old_part, old[:end], new[: end + len(new) - len(old)], regions, closed=True)
    return (old_part.texts, new_part.texts) if new_part is not None else None


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


def _well_inside(last: _Block, old: Sequence[str], new: Sequence[str]) -> bool:
    """Whether the last changed block ends ``_CONTEXT_PARAGRAPHS`` before the ends of leading paragraphs: then
    the first difference lies within them (else a block would reach an end), the equal paragraphs after them
    only lengthen the common end the diff trims, and a block's context is the same."""
    return last[1] <= len(old) - _CONTEXT_PARAGRAPHS and last[3] <= len(new) - _CONTEXT_PARAGRAPHS


def _only_dates_differ(old: Sequence[str], new: Sequence[str], block: _Block) -> bool:
    i1, i2, j1, j2 = block
    before = min(_CONTEXT_PARAGRAPHS, i1, j1)
    after = min(_CONTEXT_PARAGRAPHS, len(old) - i2, len(new) - j2)
    old_words = _paragraphs_words(old[i1 - before : i2 + after], _PLAIN)
    new_words = _paragraphs_words(new[j1 - before : j2 + after], _PLAIN)
    opcodes = [op for op in diff_sequences(old_words, new_words) if op[0] != "equal"]
    return bool(opcodes) and all(
        _inside_date_phrase(old_words, a1, a2) and _inside_date_phrase(new_words, b1, b2)
        for _, a1, a2, b1, b2 in opcodes
    )


def _inside_date_phrase(words: Sequence[str], start: int, end: int) -> bool:
    """Whether ``words[start:end]`` (possibly empty) lies within one date phrase."""
    if end - start > _DATE_WINDOW:
        return False
    before = words[max(0, start - _DATE_WINDOW) : start]
    text_before = " ".join(before) + " " if before else ""
    changed = " ".join(words[start:end])
    window = text_before + changed + " " + " ".join(words[end : end + _DATE_WINDOW])
    low, high = len(text_before), len(text_before) + len(changed)
    return any(match.start() <= low and high <= match.end() for match in DATE_PHRASE.finditer(window))


# --- words -----------------------------------------------------------------------------------------


def _paragraphs_words(paragraphs: Iterable[str], which: int) -> list[str]:
    words: list[str] = []
    for paragraph in paragraphs:
        words += paragraph_words(paragraph)[which]
    return words


def _words_of(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The words of a paragraph: with link targets as ``TARGET``-led words, and without them."""
    text = _mark_links(fold_typography(text))
    if REFERENCE_HEADER_PREFIX in text:
        text = "\n".join(line for line in text.splitlines() if not is_reference_header(line))
    if "<" in text:
        text = HTML_TAG.sub(" ", text)
    for mark in ("*", "`", "~~", "|"):
        if mark in text:
            text = text.replace(mark, "" if mark != "|" else " ")
    if "_" in text:
        text = _without_emphasis_underscores(text)
    if "\\" in text:
        text = ESCAPE.sub(r"\1", text)
    marked = tuple(word for word in text.split() if word.strip(_MARKUP_ONLY))
    plain = tuple(word for word in marked if word[0] != TARGET) if TARGET in text else marked
    return marked, plain


# Versions of one policy share most paragraphs: each is tokenized once while it stays among the recent ones.
paragraph_words = lru_cache(maxsize=4096)(_words_of)


def _mark_links(text: str) -> str:
    """Links and images as their text followed by their target as one ``TARGET``-led word."""
    if "]:" in text:
        text = _REF_DEFINITION.sub(lambda match: TARGET + match.group(1).replace(" ", TARGET), text)
    text = strip_links(text, TARGET)
    return AUTOLINK.sub(r"\1", text) if "<" in text else text


def _without_emphasis_underscores(text: str) -> str:
    """Runs of underscores between letters or digits (snake_case) stay; others are emphasis and go. (Cut at the
    underscores rather than matched: link targets hold many, and a call per run costs more than the rest.)"""
    pieces = text.split("_")
    kept = [pieces[0]]
    last = len(pieces) - 1
    index = 1
    while index <= last:
        first = index  # the run is the underscores before pieces first..index
        while index < last and not pieces[index]:
            index += 1
        before, after = pieces[first - 1], pieces[index]
        if before and after and before[-1].isalnum() and after[0].isalnum():
            kept.append("_" * (index - first + 1))
        kept.append(after)
        index += 1
    return "".join(kept)
