"""A section's Markdown as a reader sees it: blocks, inline runs (links, bold, italics) and the words they hold.

markdown-it-py parses the text; what comes out is a flat list of events (a container opened or closed, a piece
of a word, a gap between words, a line break) and the words, each the pieces between two gaps. Nothing of the
archived text is trusted: containers carry only HTML we write, a link keeps its target only when it is http(s),
raw HTML gives no tag (a ``<br>`` a line break), images only their alt text. Word boundaries fall where
``monitor.compare.classes.link_free_words`` puts them (at links and tags, not at emphasis marks), so the words
line up with those words, which decide what changed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

from monitor.compare.titles import HTML_TAG

_STYLE_P = "margin:0 0 8px"
_STYLE_LIST = "margin:0 0 8px;padding-left:24px"
_STYLE_QUOTE = "margin:0 0 8px;padding-left:12px;border-left:3px solid #ccc"
_STYLE_TABLE = "border-collapse:collapse;margin:0 0 8px"
_STYLE_CELL = "border:1px solid #ccc;padding:2px 6px;vertical-align:top;text-align:left"
_STYLE_HEADING = "margin:8px 0 4px;font-weight:bold"
_BREAK_TAG = re.compile(r"<br\s*/?>", re.I)
_SPACE = re.compile(r"\s+")


class Role(Enum):
    """What a container is to the plain-text rendering."""

    LINE = "line"  # starts a line of its own: paragraph, heading, list item, table row
    CELL = "cell"  # a table cell: cells of a row are joined by " | "
    LIST = "list"  # nests list items one level deeper
    INLINE = "inline"  # a link, bold or italic run: no mark in the text


@dataclass(frozen=True)
class Container:
    """A block or an inline run, with the HTML that opens and closes it (ours, safe) and the words it holds
    (``first`` up to ``end``, ``end`` excluded)."""

    opening: str
    closing: str
    role: Role
    first: int
    end: int
    prefix: str = ""  # a list item's bullet or number in the text part
    target: str | None = None  # a link's target as written (untrusted: an href only through web_url)


@dataclass(frozen=True)
class Open:
    container: int


@dataclass(frozen=True)
class Close:
    container: int


@dataclass(frozen=True)
class Piece:
    """Text of word ``word`` inside the containers open here (a word may span several: ``foo**bar**``)."""

    word: int
    text: str


@dataclass(frozen=True)
class Gap:
    """Whitespace between two words of one block."""


@dataclass(frozen=True)
class Break:
    """A hard line break."""


Event = Open | Close | Piece | Gap | Break


@dataclass(frozen=True)
class RenderedText:
    """A Markdown text as events over its containers and words."""

    events: tuple[Event, ...]
    containers: tuple[Container, ...]
    words: tuple[str, ...]


def web_url(href: str) -> str | None:
    """``href`` when it is an http(s) URL with a host, else None (javascript:, data:, relative links...)."""
    href = href.strip()
    if _SPACE.search(href) or any(ord(c) < 32 or ord(c) == 127 for c in href):
        return None
    try:
        parts = urlsplit(href)
    except ValueError:
        return None
    return href if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def rendered_text(markdown: str) -> RenderedText:
    """The events, containers and words of a Markdown text."""
    builder = _Builder()
    for token in _parser().parse(markdown):
        builder.block(token)
    return builder.result()


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    # Every link is kept as a link token, so its text never shows as "[..](..)"; which targets become <a href>
    # is decided here, by web_url, and only there.
    parser.validateLink = lambda url: True  # type: ignore[method-assign]
    return parser


@dataclass
class _Open:
    opening: str
    closing: str
    role: Role
    first: int
    prefix: str = ""
    index: int = -1
    target: str | None = None


@dataclass
class _Builder:
    """Turns markdown-it tokens into events, cutting words at whitespace, blocks, links and tags."""

    events: list[Event] = field(default_factory=list)
    containers: list[Container | None] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    stack: list[_Open] = field(default_factory=list)
    in_word: bool = False
    depth: int = 0  # lists open
    marker: str = ""  # an ordered item's number, written before its first word

    def result(self) -> RenderedText:
        containers = tuple(c for c in self.containers if c is not None)
        assert len(containers) == len(self.containers), "a container was left open"
        return RenderedText(tuple(self.events), containers, tuple(self.words))

    def block(self, token: Token) -> None:
        if token.type == "inline":
            for child in token.children or ():
                self.inline(child)
        elif token.nesting == 1:
            self.open_block(token)
        elif token.nesting == -1:
            self.close(token)
        elif token.type in ("code_block", "fence", "html_block"):
            self.literal_block(token)

    def open_block(self, token: Token) -> None:
        tag, hidden = token.tag, token.hidden  # hidden: a tight list's paragraph
        if token.type in ("bullet_list_open", "ordered_list_open"):
            self.depth += 1
            # An item's number is one of its words (the classes count it), so it is written as text.
            style = _STYLE_LIST + (";list-style:none" if token.type == "ordered_list_open" else "")
            self.open(f'<{tag} style="{style}">', f"</{tag}>", Role.LIST)
        elif token.type == "list_item_open":
            ordered = token.info.isdigit()
            self.marker = f"{token.info}{token.markup}" if ordered else ""
            self.open("<li>", "</li>", Role.LINE, prefix="  " * (self.depth - 1) + ("" if ordered else "• "))
        elif token.type == "heading_open":
            self.open(f'<p style="{_STYLE_HEADING}">', "</p>", Role.LINE)
        elif token.type == "paragraph_open":
            self.open("" if hidden else f'<p style="{_STYLE_P}">', "" if hidden else "</p>", Role.LINE)
        elif token.type == "blockquote_open":
            self.open(f'<blockquote style="{_STYLE_QUOTE}">', "</blockquote>", Role.LIST)
        elif tag in ("table", "thead", "tbody", "tr"):
            style = f' style="{_STYLE_TABLE}"' if tag == "table" else ""
            self.open(f"<{tag}{style}>", f"</{tag}>", Role.LINE if tag == "tr" else Role.LIST)
        elif tag in ("th", "td"):
            self.open(f'<{tag} style="{_STYLE_CELL}">', f"</{tag}>", Role.CELL)
        else:
            self.open("", "", Role.LIST)

    def inline(self, token: Token) -> None:
        kind = token.type
        if kind == "text" or kind == "code_inline":
            self.text(token.content)
        elif kind in ("softbreak", "hardbreak"):
            self.line_break() if kind == "hardbreak" else self.gap()
        elif kind == "html_inline":
            self.line_break() if _BREAK_TAG.fullmatch(token.content.strip()) else self.cut()
        elif kind == "image":
            self.cut()
            self.text(token.content)
            self.cut()
        elif kind == "link_open":
            self.cut()
            target = str(token.attrs.get("href", ""))
            url = web_url(target)
            opening = f'<a href="{html.escape(url, quote=True)}">' if url else ""
            self.open(opening, "</a>" if url else "", Role.INLINE, target=target)
        elif kind in ("strong_open", "em_open"):
            self.open(f"<{token.tag}>", f"</{token.tag}>", Role.INLINE)
        elif kind == "s_open":
            self.open("", "", Role.INLINE)  # struck-through text is shown plain: <del> means deleted here
        elif token.nesting == -1:
            self.close(token)

    def literal_block(self, token: Token) -> None:
        """Code, fenced and raw HTML blocks as a paragraph of their words, lines kept; tags of raw HTML dropped."""
        content = HTML_TAG.sub(" ", token.content) if token.type == "html_block" else token.content
        self.open(f'<p style="{_STYLE_P}">', "</p>", Role.LINE)
        for number, line in enumerate(content.splitlines()):
            if number:
                self.line_break()
            self.text(line)
        self.close(token)

    def text(self, text: str) -> None:
        if self.marker and text.strip():
            marker, self.marker = self.marker, ""
            self.cut()
            self.text(marker)
            self.gap()
        for index, piece in enumerate(_SPACE.split(text)):
            if index:
                self.gap()
            if piece:
                if not self.in_word:
                    self.words.append("")
                    self.in_word = True
                self.words[-1] += piece
                self.events.append(Piece(len(self.words) - 1, piece))

    def cut(self) -> None:
        """Ends the word being read, without a space (links and tags end words, as they do for the classes)."""
        self.in_word = False

    def gap(self) -> None:
        if self.events and not isinstance(self.events[-1], Gap | Break | Open):
            self.events.append(Gap())
        self.in_word = False

    def line_break(self) -> None:
        self.events.append(Break())
        self.in_word = False

    def open(self, opening: str, closing: str, role: Role, *, prefix: str = "", target: str | None = None) -> None:
        if role is not Role.INLINE:
            self.in_word = False
        first = len(self.words) - 1 if self.in_word else len(self.words)  # bold may start mid-word: foo**bar**
        entry = _Open(opening, closing, role, first, prefix, len(self.containers), target)
        self.stack.append(entry)
        self.containers.append(None)
        self.events.append(Open(entry.index))

    def close(self, token: Token) -> None:
        if not self.stack:
            return
        entry = self.stack.pop()
        if token.type in ("bullet_list_close", "ordered_list_close"):
            self.depth -= 1
        if entry.role is not Role.INLINE:
            self.in_word = False
        end = len(self.words)
        self.containers[entry.index] = Container(
            entry.opening, entry.closing, entry.role, entry.first, end, entry.prefix, entry.target
        )
        self.events.append(Close(entry.index))


def words_of(text: RenderedText, indices: Sequence[int]) -> str:
    """Some words of a text, joined by single spaces."""
    return " ".join(text.words[i] for i in indices)
