"""Text measures of lxml subtrees, each subtree read once however many of its ancestors ask.

Main-content detection asks every candidate container for the length of its text, its commas and the
share of it inside links. Reading ``text_content()`` for each of them reads a page once per level of
nesting: minutes for a deep page of megabytes. ``TextStats`` measures each element from its children's
measures instead, tracking words that run across element boundaries, so that ``length`` always equals
``len(inner_text(element))``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlElement

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_COMMAS = re.compile(r"[,\u060c\ufe50\ufe10\ufe11\u2e41\u2e34\u2e32\uff0c]")
_EMBEDS = frozenset({"object", "embed", "iframe"})
# Descendant counts packed in one int, a field of _COUNT_BITS bits per tag kind, so that a parent adds its
# children's counts in one addition (the walk visits every node of a page: this is its hot path).
_COUNT_BITS = 32
_COUNT_MASK = (1 << _COUNT_BITS) - 1
_COUNTED_TAGS: dict[str, int] = {"p": 0, "img": 1, "li": 2, "input": 3, **dict.fromkeys(_EMBEDS, 4)}
_COUNT_OF_TAG = {tag: 1 << (_COUNT_BITS * field) for tag, field in _COUNTED_TAGS.items()}

# A measure as the walk keeps it, a tuple being far cheaper to make than an object, and most measures never
# asked for: chars, words, commas, empty, starts_in_word, ends_in_word, links and the packed counts.
_Raw = tuple[int, int, int, bool, bool, bool, float, int]
_EMPTY: _Raw = (0, 0, 0, True, False, False, 0.0, 0)
_Run = tuple[int, int, int, bool, bool]  # a run of text: chars, words, commas, starts and ends in a word
_BLANK: _Run = (0, 0, 0, False, False)


@dataclass(slots=True)
class Measure:
    """What main-content scoring needs to know of an element's text and descendants."""

    chars: int = 0  # characters in words
    words: int = 0
    commas: int = 0
    empty: bool = True  # no character at all, not even whitespace
    starts_in_word: bool = False  # the first character is not whitespace
    ends_in_word: bool = False
    links: float = 0.0  # text length inside links, in-page links counting 0.3
    paragraphs: int = 0  # descendant counts, the element itself not included
    images: int = 0
    items: int = 0
    inputs: int = 0
    embeds: int = 0

    @property
    def length(self) -> int:
        """``len(normalized_text(text))``: the words and one space between each two."""
        return self.chars + self.words - 1 if self.words else 0

    @property
    def link_density(self) -> float:
        return self.links / self.length if self.length else 0.0


def _unpacked(raw: _Raw) -> Measure:
    chars, words, commas, empty, starts, ends, links, counts = raw
    mask, bits = _COUNT_MASK, _COUNT_BITS
    paragraphs, images, items = counts & mask, counts >> bits & mask, counts >> 2 * bits & mask
    inputs, embeds = counts >> 3 * bits & mask, counts >> 4 * bits
    return Measure(chars, words, commas, empty, starts, ends, links, paragraphs, images, items, inputs, embeds)


class TextStats:
    """Measures of elements, computed on first request and kept.

    Valid while the measured subtrees do not change: a caller that changes or drops an element says so
    first (``forget``), or asks for an element only after everything inside it that is to be dropped has been.
    """

    def __init__(self) -> None:
        self._measures: dict[HtmlElement, _Raw] = {}

    def forget(self, element: HtmlElement) -> None:
        """The element is about to change or go: its measure and its ancestors' are no longer valid."""
        measures = self._measures
        measures.pop(element, None)
        for ancestor in element.iterancestors():
            measures.pop(ancestor, None)

    def of(self, element: HtmlElement) -> Measure:
        known = self._measures.get(element)
        return _unpacked(known if known is not None else self._measure(element))

    def _measure(self, element: HtmlElement) -> _Raw:
        """Measure ``element`` and everything in it not measured yet, in one walk.

        The measure of the innermost open element lives in local variables, those of the elements around
        it on a stack; text runs and children are joined in line rather than by calls, for speed.
        """
        measures = self._measures
        stack: list[_Raw] = []
        chars, words, commas, empty, starts, ends, links, counts = _EMPTY
        walker = etree.iterwalk(element, events=("start", "end"))
        for event, node in walker:
            if event == "start":
                if node in measures:
                    walker.skip_subtree()  # measured before; its end event still comes
                    continue
                stack.append((chars, words, commas, empty, starts, ends, links, counts))
                chars, words, commas, empty, starts, ends, links, counts = _EMPTY
                text = node.text
                if text and (run := _text_run(text)) is not None:
                    chars, words, commas, starts, ends = run
                    empty = False
                continue
            measure = measures.get(node)
            tag = node.tag
            if measure is None:
                if tag == "a":
                    in_page = (node.get("href") or "").startswith("#")
                    links += (chars + words - 1 if words else 0) * (0.3 if in_page else 1.0)
                measure = measures[node] = (chars, words, commas, empty, starts, ends, links, counts)
                chars, words, commas, empty, starts, ends, links, counts = stack.pop()
            if node is element:
                return measure
            if isinstance(tag, str):  # comments and processing instructions hold no text
                c_chars, c_words, c_commas, c_empty, c_starts, c_ends, c_links, c_counts = measure
                if not c_empty:
                    if not c_words:
                        ends = False
                    elif empty:
                        chars, words, starts, ends = c_chars, c_words, c_starts, c_ends
                    else:  # the child's first word continues the last one when nothing separates them
                        chars, words, ends = chars + c_chars, words + c_words - (ends and c_starts), c_ends
                    empty = False
                commas += c_commas
                links += c_links
                counts += c_counts + _COUNT_OF_TAG.get(tag, 0)
            tail = node.tail
            if tail and (run := _text_run(tail)) is not None:
                r_chars, r_words, r_commas, r_starts, r_ends = run
                commas += r_commas
                if not r_words:
                    ends = False
                elif empty:
                    chars, words, starts, ends = r_chars, r_words, r_starts, r_ends
                else:
                    chars, words, ends = chars + r_chars, words + r_words - (ends and r_starts), r_ends
                empty = False
        raise AssertionError("unreachable: the walk ends with the element's own end event")


def _text_run(text: str) -> _Run | None:
    """The measure of a run of text; None when it holds no character at all (invisible ones aside)."""
    if text.isascii():
        if text.isspace():  # the indentation between tags, most text runs of a page
            return _BLANK
        commas = text.count(",")
    else:
        text = _INVISIBLE.sub("", text)
        if not text:
            return None
        commas = len(_COMMAS.findall(text))
    words = text.split()
    return sum(map(len, words)), len(words), commas, not text[0].isspace(), not text[-1].isspace()
