"""Markdown rendering of a cleaned HTML tree, in the conventions of the Princeton-Leuven references.

Those references were written by an html2text-style converter: ``#`` headings keeping the HTML level,
``  * `` / ``  1. `` list items indented two spaces per level, ``**bold**``, ``_em_``, ``[text](href)``
links (``<href>`` when the text is the address), ``* * *`` rules, ``  \\n`` line breaks, a row of
``---`` under the first table row and four-space indented ``<pre>`` blocks. The walk is event-driven
(``lxml.etree.iterwalk``), so arbitrarily deep trees render without recursion. What is written goes
through ``markdown_writer``; tables are told apart and laid out by ``markdown_tables``.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

from monitor.extract.markdown_tables import is_data_table, table_markdown, table_rows
from monitor.extract.markdown_writer import LINE_START_ESCAPE, Mark, MarkdownWriter, escape_line_start
from monitor.extract.whitespace import collapse_whitespace, normalized_text

SKIPPED_TAGS = frozenset(
    {
        "script", "style", "noscript", "template", "head", "title", "iframe", "frame", "object",
        "embed", "svg", "math", "canvas", "select", "textarea", "button", "input", "option", "map",
        "audio", "video", "source", "track", "link", "meta", "base", "img", "picture", "area",
    }
)  # fmt: skip
BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
        "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
        "header", "hgroup", "html", "legend", "li", "main", "menu", "nav", "noframes", "ol", "p",
        "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
EMPHASIS = {"b": "**", "strong": "**", "i": "_", "em": "_", "code": "`", "tt": "`", "kbd": "`"}


class _ListState:
    def __init__(self, ordered: bool, start: int) -> None:
        self.ordered = ordered
        self.number = start - 1


class MarkdownRenderer:
    """Renders one element (and everything inside it) as Markdown."""

    def __init__(self) -> None:
        self.out = MarkdownWriter()
        self.lists: list[_ListState] = []
        self.marks: dict[HtmlElement, Mark] = {}
        self.in_heading = 0
        self.in_link = 0

    def render(self, root: HtmlElement) -> str:
        """``root``'s content as Markdown, without leading or trailing blank lines."""
        walker = etree.iterwalk(root, events=("start", "end"))
        for event, element in walker:
            tag = element.tag
            if not isinstance(tag, str):
                tag = ""
            if event == "start":
                if tag in SKIPPED_TAGS or not tag or self._start(element, tag):
                    walker.skip_subtree()
                elif element.text:
                    self.out.text(element.text)
            else:
                if tag and tag not in SKIPPED_TAGS:
                    self._end(element, tag)
                if element.tail and element is not root:
                    self.out.text(element.tail)
        return self.out.result()

    def _start(self, element: HtmlElement, tag: str) -> bool:
        """Open ``element``; True when it was rendered whole and its subtree must be skipped."""
        out = self.out
        if tag in HEADINGS:
            out.block()
            out.prefix += "#" * HEADINGS[tag] + " "
            self.in_heading += 1
        elif tag in EMPHASIS:
            if all(mark.opening != EMPHASIS[tag] for mark in out.marks):  # <b><strong> is bold once
                self.marks[element] = out.open_mark(EMPHASIS[tag], EMPHASIS[tag])
        elif tag == "a":
            return self._start_link(element)
        elif tag == "br":
            if self.in_heading or self.in_link:
                out.space = True
            else:
                out.line_break()
        elif tag in ("ul", "ol", "menu", "dir"):
            out.block(1 if self.lists else 2)
            self.lists.append(_ListState(tag == "ol", _list_start(element)))
        elif tag == "li":
            self._start_item()
        elif tag == "hr":
            out.block()
            out.word("* * *", raw=True)
            out.block()
        elif tag == "pre":
            self._pre(element)
            return True
        elif tag == "table" and is_data_table(element):
            self._table(element)
            return True
        elif tag == "blockquote":
            out.block()
            out.quote_depth += 1
        elif tag in BLOCK_TAGS:
            out.block(1 if tag == "tr" else 2)
        return False

    def _end(self, element: HtmlElement, tag: str) -> None:
        out = self.out
        if tag in HEADINGS:
            self.in_heading -= 1
            out.prefix = ""
            out.block()
        elif tag in EMPHASIS or tag == "a":
            mark = self.marks.pop(element, None)
            if mark is not None:
                out.close_mark(mark)
                if tag == "a":
                    self.in_link -= 1
        elif tag in ("ul", "ol", "menu", "dir"):
            self.lists.pop()
            out.block(1 if self.lists else 2)
        elif tag == "li":
            out.prefix = ""
            out.block(1)
        elif tag == "blockquote":
            out.block()
            out.quote_depth -= 1
        elif tag in BLOCK_TAGS:
            out.block(1 if tag == "tr" else 2)

    def _start_item(self) -> None:
        out = self.out
        out.prefix = ""
        out.block(1)
        if not self.lists:
            out.prefix = "* "
            return
        state = self.lists[-1]
        indent = "  " * len(self.lists)
        if state.ordered:
            state.number += 1
            out.prefix = f"{indent}{state.number}. "
        else:
            out.prefix = f"{indent}* "

    def _start_link(self, element: HtmlElement) -> bool:
        href = link_target(element.get("href"))
        if href is None or self.in_link or _has_block(element):
            return False
        text = collapse_whitespace(element.text_content()).strip()
        if not text:
            return True
        title = collapse_whitespace(element.get("title") or "").strip()
        if text == href and not title:
            self.out.word(f"<{href}>", raw=True)
            return True  # the tail is still written by the walk's end event
        suffix = f' "{title.replace(chr(34), "")}"' if title else ""
        self.marks[element] = self.out.open_mark("[", f"]({href}{suffix})")
        self.in_link += 1
        return False

    def _pre(self, element: HtmlElement) -> None:
        for br in element.iter("br"):
            br.tail = "\n" + (br.tail or "")
        code = "".join(element.itertext()).expandtabs(4).strip("\n")
        if not code.strip():
            return
        self.out.block()
        self.out.word("\n".join("    " + line if line.strip() else "" for line in code.split("\n")), raw=True)
        self.out.block()

    def _table(self, table: HtmlElement) -> None:
        rows = [row for row in table_rows(table, _cell_markdown) if any(row)]
        captions = [_cell_markdown(caption) for caption in table.iterchildren("caption")]
        for caption in filter(None, captions):
            self.out.block()
            self.out.word(caption)
        if not rows:
            return
        self.out.block()
        self.out.word(table_markdown(rows), raw=True)
        self.out.block()


def render_markdown(root: HtmlElement) -> str:
    """``root`` and its content as Markdown (``""`` when it holds no text).

    Abbreviations with a title are defined after the text, one ``  *[abbr]: title`` line each.
    """
    body = MarkdownRenderer().render(root)
    definitions = _abbreviations(root)
    if not body or not definitions:
        return body
    return body + "\n" + "\n".join(f"  *[{abbr}]: {title}" for abbr, title in definitions.items())


def _abbreviations(root: HtmlElement) -> dict[str, str]:
    """``<abbr title>`` definitions in document order; a later title for the same text wins."""
    found: dict[str, str] = {}
    for abbr in root.iter("abbr"):
        text = collapse_whitespace(abbr.text_content()).strip()
        title = collapse_whitespace(abbr.get("title") or "").strip()
        if text and title:
            found[text] = title
    return found


def link_target(href: str | None) -> str | None:
    """The address a link is rendered with, or None for links rendered as plain text."""
    if href is None:
        return None
    href = href.strip()
    if not href or href.startswith("#") or href.lower().startswith(("javascript:", "data:")):
        return None
    return href.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _list_start(element: HtmlElement) -> int:
    try:
        return int(element.get("start") or 1)
    except ValueError:
        return 1


def _has_block(element: HtmlElement) -> bool:
    return any(child.tag in BLOCK_TAGS or child.tag in HEADINGS for child in element.iterdescendants())


def _cell_markdown(cell: HtmlElement) -> str:
    if not len(cell):  # text only, as most cells are: what the renderer would make of it, made directly
        text = LINE_START_ESCAPE.sub(escape_line_start, normalized_text(cell.text or ""), count=1)
        return text.replace("|", "\\|")
    text = MarkdownRenderer().render(cell)
    return re.sub(r"\s*\n\s*", " ", text).strip().replace("|", "\\|")
