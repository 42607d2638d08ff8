"""Pages nested too deep to parse, made parseable: the tags of deep wrappers dropped, their text kept.

libxml2 gives up on documents nested deeper than 2048 elements and browsers stop nesting at 512, so a
policy wrapped in ten thousand ``<div>`` would be lost. ``flatten_deep_nesting`` scans the tags (it is
not a parser: a stack of open elements, with the implied ends of paragraphs, list items and table
cells) and, past a depth, drops the tags of generic containers while keeping the structure Markdown
renders: headings, paragraphs, lists, tables, links and emphasis.
"""

from __future__ import annotations

import re
from collections import Counter

_TAG_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)|<(script|style|textarea|xmp)\b[^>]*>.*?(?:</\1\s*>|\Z)"
    r"|</([A-Za-z][^\s/>]*)[^>]*>|<([A-Za-z][^\s/>]*)[^>]*>",
    re.S | re.I,
)
_VOID_TAGS = frozenset(
    {"area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input", "keygen",
     "link", "meta", "param", "source", "track", "wbr"}
)  # fmt: skip
_CLOSED_BY = {  # start tags that close an open element of the same family, as parsers do
    "p": {"p"}, "li": {"li"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"}, "option": {"option"},
    "tr": {"tr", "td", "th"}, "td": {"td", "th"}, "th": {"td", "th"},
}  # fmt: skip
_STRUCTURE = frozenset(
    {"h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody",
     "tfoot", "tr", "td", "th", "caption", "pre", "blockquote", "a", "b", "strong", "i", "em", "code", "title"}
)  # fmt: skip


def flatten_deep_nesting(text: str, limit: int) -> str:
    """``text`` without the tags of containers that would be nested ``limit`` deep or deeper."""
    scanner = _Scanner(limit)
    out: list[str] = []
    position = 0
    for match in _TAG_TOKEN.finditer(text):
        out.append(text[position : match.start()])
        position = match.end()
        closing, opening = match.group(2), match.group(3)
        if opening is not None:
            kept = scanner.opens(opening.lower())
        elif closing is not None:
            kept = scanner.closes(closing.lower())
        else:
            kept = True  # a comment, or a script or style with its content
        if kept:
            out.append(match.group(0))
    out.append(text[position:])
    return "".join(out)


class _Scanner:
    """The open elements, and for each whether its tags are kept."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.stack: list[tuple[str, bool]] = []
        self.open_names: Counter[str] = Counter()
        self.kept_depth = 0

    def opens(self, name: str) -> bool:
        if name in _VOID_TAGS:
            return True
        if self.stack and self.stack[-1][0] in _CLOSED_BY.get(name, ()):
            self._pop()
        kept = self.kept_depth < self.limit or name in _STRUCTURE
        self.stack.append((name, kept))
        self.open_names[name] += 1
        self.kept_depth += kept
        return kept

    def closes(self, name: str) -> bool:
        if not self.open_names[name]:
            return True  # a stray end tag: the parser makes of it what it makes of it
        while True:
            popped, kept = self._pop()
            if popped == name:
                return kept

    def _pop(self) -> tuple[str, bool]:
        name, kept = self.stack.pop()
        self.open_names[name] -= 1
        self.kept_depth -= kept
        return name, kept
