"""What kind of difference a new version makes: substantive, formatting-only, link-only or date-only.

The words of a text (``policy_words``) are defined here, once, for the classes, the noise benchmark and its
test: the runs of letters and digits a reader sees, so punctuation and Markdown markup (emphasis, bullets,
rules, table borders, heading marks, escapes) are never words; typography folded, HTML tags dropped and
entities decoded, the reference header line ignored, links and images reduced to their text, and link targets
(inline, reference definitions) dropped. They are computed paragraph
by paragraph (``monitor.compare.paragraphs``: blocks between blank lines, brackets kept together), so the words
of a text are the words of its paragraphs one after the other and a run of paragraphs can be judged on its own.

The class of a new version (``classify``): the two texts' paragraphs are diffed and only the changed blocks
are looked at. Words equal, link targets included → FORMATTING_ONLY; words equal → LINK_ONLY; otherwise, if
every changed word lies inside a "last updated / effective <date>" phrase → DATE_ONLY, else SUBSTANTIVE.
Texts whose words are equal are thus never SUBSTANTIVE, and texts whose words differ are always DATE_ONLY or
SUBSTANTIVE. REVERTED needs the history, so it is the caller's to give (see ``jobs.store_version``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice

from monitor.compare.paragraphs import Paragraphs, cut_paragraphs, leading_paragraphs, paragraphs, paragraphs_after
from monitor.compare.text_regions import Region, differences
from monitor.compare.titles import (
    AUTOLINK,
    DATE_PHRASE,
    HTML_TAG,
    REFERENCE_HEADER_PREFIX,
    is_reference_header,
    strip_links,
)
from monitor.compare.word_diff import diff_sequences, fold_typography
from monitor.models import VersionClass

TARGET = "\x00"  # starts a link target's word in marked words, so one pass serves both projections

_REF_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*(\S+.*)$", re.M)
# A word is a run of letters and digits (punctuation and markup are none), or a link's mark or target.
_WORD = re.compile(TARGET + r"\S*|[^\W_]+")
# An ordered list item's number is its marker, as a bullet is, not one of its words ("1. We collect" → "We collect").
_ITEM_NUMBER = re.compile(r"^[ \t]*(?:[*+-][ \t]+)?\d{1,9}[.)](?=[ \t]|$)", re.M)
_DATE_WINDOW = 8  # words either side of a change searched for the date phrase holding it
_CONTEXT_PARAGRAPHS = 2  # a date's keyword may sit a paragraph or two above it ("**Effective:**", "May 1")
_MARKED, _PLAIN = 0, 1  # which words of a paragraph: with link targets, without
# Cuts after the last change before leading paragraphs end: the changed paragraph's, and context to spare.
_TRAILING_CUTS = _CONTEXT_PARAGRAPHS + 1


def policy_words(markdown: str) -> list[str]:
    """The words of a text as the version classes judge them (see the module's docstring)."""
    return [word for paragraph in paragraphs(markdown) for word in _words_of(paragraph)[_PLAIN]]


def link_free_words(text: str) -> tuple[str, ...]:
    """``policy_words`` of a text taken as one paragraph (a section's text, say)."""
    return _words_of(text)[_PLAIN]


# A paragraph's words: with link targets (``_MARKED``) and without (``_PLAIN``).
Words = tuple[tuple[str, ...], tuple[str, ...]]
# The words of the paragraphs judged by recent classifications, by paragraph: a layer per classification, the
# newest first, older ones merged now and then.
JudgedWords = tuple[Mapping[str, Words], ...]
_KEPT_WORDS = 4096  # paragraphs whose words are kept (versions bring back paragraphs of older ones)
_LAYERS = 16  # layers kept before they are merged into one: merging is paid once every so many classifications


@dataclass(frozen=True)
class Classified:
    """A new version's class; its paragraphs when classifying cut them all; and the words of the paragraphs
    judged by it and recent classifications before it. Given to the next comparison (``old_paragraphs``,
    ``old_words``) they save cutting and tokenizing again."""

    version_class: VersionClass
    paragraphs: Paragraphs | None
    words: JudgedWords


def classify(
    old_markdown: str,
    new_markdown: str,
    *,
    old_paragraphs: Paragraphs | None = None,
    old_words: JudgedWords = (),
    regions: Sequence[Region] | None = None,
) -> Classified:
    """The class of the difference between two texts (FORMATTING_ONLY when they are equal).

    ``old_paragraphs`` (``cut_paragraphs(old_markdown)``), ``old_words`` (``Classified.words`` of the
    comparison before) and ``regions`` (``differences(old_markdown, new_markdown)``) only save time: the class is
    the same."""
    if regions is None:
        regions = differences(old_markdown, new_markdown)
    found = _changed_paragraphs(old_markdown, new_markdown, old_paragraphs, regions)
    words = _Words(old_words)
    version_class = _version_class(found.old, found.new, found.blocks, words)
    return Classified(version_class, found.new_paragraphs, _kept(words.judged, old_words))


def _kept(judged: Mapping[str, Words], given: JudgedWords) -> JudgedWords:
    """The words just judged, then those given; past ``_LAYERS`` layers, all merged into one, of at most
    ``_KEPT_WORDS`` paragraphs (those first judged longest ago dropped)."""
    if not judged:
        return given
    layers = (judged, *given)
    if len(layers) <= _LAYERS:
        return layers
    merged: dict[str, Words] = {}
    for layer in reversed(layers):
        merged.update(layer)
    excess = len(merged) - _KEPT_WORDS
    return (dict(islice(merged.items(), excess, None)),) if excess > 0 else (merged,)


_Block = tuple[int, int, int, int]  # paragraphs old[i1:i2] became new[j1:j2]


@dataclass(frozen=True)
class _Changed:
    """Paragraphs of two texts (all of them, or leading runs that decide the class alike), the blocks where they
    differ, and the new text's paragraphs when all were cut."""

    old: Sequence[str]
    new: Sequence[str]
    blocks: list[_Block]
    new_paragraphs: Paragraphs | None


def _version_class(old: Sequence[str], new: Sequence[str], blocks: list[_Block], words: _Words) -> VersionClass:
    spans = [(old[i1:i2], new[j1:j2]) for i1, i2, j1, j2 in blocks]
    if all(words.of(a, _MARKED) == words.of(b, _MARKED) for a, b in spans):
        return VersionClass.FORMATTING_ONLY
    differing = [k for k, (a, b) in enumerate(spans) if words.of(a, _PLAIN) != words.of(b, _PLAIN)]
    if not differing:
        return VersionClass.LINK_ONLY
    # Paragraphs outside the span of changed blocks are equal, so the span decides for the whole text: this
    # settles words that only shifted from one block to another.
    first, last = blocks[0], blocks[-1]
    old_span, new_span = old[first[0] : last[1]], new[first[2] : last[3]]
    if words.of(old_span, _PLAIN) == words.of(new_span, _PLAIN):
        same = words.of(old_span, _MARKED) == words.of(new_span, _MARKED)
        return VersionClass.FORMATTING_ONLY if same else VersionClass.LINK_ONLY
    if all(_only_dates_differ(old, new, blocks[k], words) for k in differing):
        return VersionClass.DATE_ONLY
    return VersionClass.SUBSTANTIVE


def _changed_blocks(old: Sequence[str], new: Sequence[str]) -> list[_Block]:
    return [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in diff_sequences(old, new) if tag != "equal"]


def _changed_paragraphs(
    old_markdown: str, new_markdown: str, old_paragraphs: Paragraphs | None, regions: Sequence[Region]
) -> _Changed:
    """With no paragraphs of the old text to reuse, only the texts' beginnings are cut when that decides the
    class alike: the changed blocks well inside the leading paragraphs (``_well_inside``)."""
    if old_paragraphs is None:
        leading = leading_paragraphs(old_markdown, new_markdown, regions, cuts=_TRAILING_CUTS)
        if leading is not None:
            blocks = _changed_blocks(*leading)
            if blocks and _well_inside(blocks[-1], *leading):
                return _Changed(*leading, blocks, None)
        old_paragraphs = cut_paragraphs(old_markdown)
    new_paragraphs = paragraphs_after(old_paragraphs, old_markdown, new_markdown, regions)
    blocks = _changed_blocks(old_paragraphs.texts, new_paragraphs.texts)
    return _Changed(old_paragraphs.texts, new_paragraphs.texts, blocks, new_paragraphs)


def _well_inside(last: _Block, old: Sequence[str], new: Sequence[str]) -> bool:
    """Whether the last changed block ends ``_CONTEXT_PARAGRAPHS`` before the ends of leading paragraphs: then
    the first difference lies within them (else a block would reach an end), the equal paragraphs after them
    only lengthen the common end the diff trims, and a block's context is the same. (With the diff of these the
    diff of all but for the equal run at the end.)"""
    return last[1] <= len(old) - _CONTEXT_PARAGRAPHS and last[3] <= len(new) - _CONTEXT_PARAGRAPHS


def _only_dates_differ(old: Sequence[str], new: Sequence[str], block: _Block, words: _Words) -> bool:
    i1, i2, j1, j2 = block
    before = min(_CONTEXT_PARAGRAPHS, i1, j1)
    after = min(_CONTEXT_PARAGRAPHS, len(old) - i2, len(new) - j2)
    old_words = words.of(old[i1 - before : i2 + after], _PLAIN)
    new_words = words.of(new[j1 - before : j2 + after], _PLAIN)
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


class _Words:
    """The words of paragraphs for one classification: each paragraph tokenized once (the spans judged overlap),
    unless ``given`` (by the classifications before)."""

    def __init__(self, given: JudgedWords) -> None:
        self._given = given
        self.judged: dict[str, Words] = {}

    def of(self, paragraphs: Iterable[str], which: int) -> list[str]:
        """The words of these paragraphs one after the other: ``_MARKED`` or ``_PLAIN`` ones."""
        words: list[str] = []
        judged = self.judged
        for paragraph in paragraphs:
            found = judged.get(paragraph)
            if found is None:
                found = judged[paragraph] = self._known(paragraph)
            words += found[which]
        return words

    def _known(self, paragraph: str) -> Words:
        for layer in self._given:
            found = layer.get(paragraph)
            if found is not None:
                return found
        return _words_of(paragraph)


def _words_of(text: str) -> Words:
    """The words of a paragraph: with link targets as ``TARGET``-led words, and without them."""
    text = _mark_links(fold_typography(text))
    if "." in text or ")" in text:
        text = _ITEM_NUMBER.sub(" ", text)
    if REFERENCE_HEADER_PREFIX in text:
        text = "\n".join(line for line in text.splitlines() if not is_reference_header(line))
    if "<" in text:
        text = HTML_TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    marked = tuple(_WORD.findall(text))
    plain = tuple(word for word in marked if word[0] != TARGET) if TARGET in text else marked
    return marked, plain


def _mark_links(text: str) -> str:
    """Links and images as a ``TARGET`` word, their text, then their target as one ``TARGET``-led word (so a link
    that takes in a word more or less is another link)."""
    if "]:" in text:
        text = _REF_DEFINITION.sub(lambda match: TARGET + match.group(1).replace(" ", TARGET), text)
    text = strip_links(text, TARGET)
    return AUTOLINK.sub(rf" {TARGET} \1 {TARGET}\1 ", text) if "<" in text else text
