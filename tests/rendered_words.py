"""The words a reader sees, told apart from the classifier's own: Markdown rendered by markdown-it-py.

The rule a lawyer signs (issue 13): any added or removed word other than a date makes a version substantive;
with the same words, a link removed (its text kept), moved or retargeted makes it link-only; anything else
(punctuation, whitespace, bullets turned headings, emphasis) is formatting-only. A word is a run of letters and
digits in the rendered text, so punctuation is never a word, and a link is its words with its target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from monitor.models import VersionClass

_WORD = re.compile(r"[^\W_]+")
# A link around blocks, as extractors write one (``[\n\nTitle\n\nText\n\n](https://…)``): CommonMark reads
# the brackets as text; the page had a link.
_BLOCK_LINK = re.compile(r"\[((?:[^\[\]\\\n]|\\.|\n(?!\s*\n))*\n\s*\n(?:[^\[\]\\]|\\.)*?)\]\(")
_PART = re.compile(r"\n\n(?=#{1,6} |[^\s#][^\n]*\n(?:=+|-+)[ \t]*\n)")  # before an ATX or setext heading
_TAG = re.compile(r"<[^>]*>")
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"]
_DATE_WORD = re.compile(r"\d+|\d{1,2}(?:st|nd|rd|th)|" + "|".join(f"{m}[a-z]*" for m in _MONTHS), re.I)


@dataclass(frozen=True)
class Rendered:
    words: tuple[str, ...]
    links: tuple[tuple[tuple[str, ...], str], ...]  # each link's words and its target, in reading order


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark")


@lru_cache(maxsize=2)  # along a history, each text is the new one, then the old one
def rendered(markdown: str) -> Rendered:
    """The words and links of a text, rendered a part at a time: parts that start with a heading after a blank
    line render alone as they do in the text (versions of a history share most of them, rendered once)."""
    words: list[str] = []
    links: list[tuple[tuple[str, ...], str]] = []
    for part in _PART.split(markdown):
        found = _rendered_part(part)
        words += found.words
        links += found.links
    return Rendered(tuple(words), tuple(links))


@lru_cache(maxsize=16384)
def _rendered_part(markdown: str) -> Rendered:
    markdown = _BLOCK_LINK.sub(lambda match: "[" + " ".join(match.group(1).split()) + "](", markdown)
    words: list[str] = []
    links: list[tuple[tuple[str, ...], str]] = []
    open_links: list[tuple[int, str]] = []
    for token in _parser().parse(markdown):
        if token.type == "html_block":
            words += _WORD.findall(_TAG.sub(" ", token.content))
        for child in token.children or []:
            _read(child, words, links, open_links)
    return Rendered(tuple(words), tuple(links))


def _read(token: Token, words: list[str], links: list, open_links: list) -> None:
    if token.type in ("text", "code_inline"):
        words += _WORD.findall(token.content)
    elif token.type == "html_inline":
        words += _WORD.findall(_TAG.sub(" ", token.content))
    elif token.type == "link_open":
        open_links.append((len(words), str(token.attrs.get("href", ""))))
    elif token.type == "link_close" and open_links:
        start, target = open_links.pop()
        links.append((tuple(words[start:]), target))
    elif token.type == "image":
        alt = tuple(_WORD.findall(token.content))
        words += alt
        links.append((alt, str(token.attrs.get("src", ""))))


def allowed_classes(old_markdown: str, new_markdown: str) -> set[VersionClass]:
    """The classes the rule allows for a version after another (a date change may also be called substantive:
    the classifier needs the date's "last updated" phrase to know it for one)."""
    old, new = rendered(old_markdown), rendered(new_markdown)
    if old.words != new.words:
        if _only_date_words_differ(old.words, new.words):
            return {VersionClass.DATE_ONLY, VersionClass.SUBSTANTIVE}
        return {VersionClass.SUBSTANTIVE}
    if old.links != new.links:
        return {VersionClass.LINK_ONLY}
    return {VersionClass.FORMATTING_ONLY}


def _only_date_words_differ(old: tuple[str, ...], new: tuple[str, ...]) -> bool:
    """Whether the texts are the same words once date words (numbers, months, ordinals) are left out."""
    return [w for w in old if not _DATE_WORD.fullmatch(w)] == [w for w in new if not _DATE_WORD.fullmatch(w)]
