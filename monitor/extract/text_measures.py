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

    def add_text(self, text: str | None) -> None:
        """Append a run of text, joining its first word to the last one when nothing separates them."""
        if not text:
            return
        if text.isascii():
            if text.isspace():  # the indentation between tags, most text runs of a page
                self.empty = False
                self.ends_in_word = False
                return
            self.commas += text.count(",")
        else:
            text = _INVISIBLE.sub("", text)
            if not text:
                return
            self.commas += len(_COMMAS.findall(text))
        words = text.split()
        self._join(sum(map(len, words)), len(words), not text[0].isspace(), not text[-1].isspace())

    def add_child(self, child: Measure, tag: str) -> None:
        """Append a child element's text and figures; ``tag`` is the child's own tag."""
        if not child.empty:
            self._join(child.chars, child.words, child.starts_in_word, child.ends_in_word)
        self.commas += child.commas
        self.links += child.links
        self.paragraphs += child.paragraphs + (tag == "p")
        self.images += child.images + (tag == "img")
        self.items += child.items + (tag == "li")
        self.inputs += child.inputs + (tag == "input")
        self.embeds += child.embeds + (tag in _EMBEDS)

    def _join(self, chars: int, words: int, starts_in_word: bool, ends_in_word: bool) -> None:
        merged = self.ends_in_word and starts_in_word and words > 0 and self.words > 0
        if self.empty:
            self.starts_in_word = starts_in_word and words > 0
        self.chars += chars
        self.words += words - merged
        self.ends_in_word = ends_in_word and words > 0
        self.empty = False


class TextStats:
    """Measures of elements, computed on first request and kept.

    Valid while the measured subtrees do not change: callers that drop elements as they go must ask
    for an element only after everything inside it that is to be dropped has been.
    """

    def __init__(self) -> None:
        self._measures: dict[HtmlElement, Measure] = {}

    def of(self, element: HtmlElement) -> Measure:
        known = self._measures.get(element)
        if known is not None:
            return known
        measures = self._measures
        open_measures: list[Measure] = []  # of the elements being walked through, innermost last
        walker = etree.iterwalk(element, events=("start", "end"))
        for event, node in walker:
            if event == "start":
                if node in measures:
                    walker.skip_subtree()  # measured before; its end event still comes
                else:
                    opened = Measure()
                    opened.add_text(node.text)
                    open_measures.append(opened)
                continue
            measure = measures.get(node)
            if measure is None:
                measure = measures[node] = _closed(open_measures.pop(), node)
            if node is element:
                return measure
            parent = open_measures[-1]
            tag = node.tag
            if isinstance(tag, str):  # comments and processing instructions hold no text
                parent.add_child(measure, tag)
            parent.add_text(node.tail)
        raise AssertionError("unreachable: the walk ends with the element's own end event")


def _closed(measure: Measure, element: HtmlElement) -> Measure:
    """``measure``, all of the element's content added: a link's text counts as linked text."""
    if element.tag == "a":
        in_page = (element.get("href") or "").startswith("#")
        measure.links += measure.length * (0.3 if in_page else 1.0)
    return measure
