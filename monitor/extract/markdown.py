"""Markdown rendering of a cleaned HTML tree, in the conventions of the Princeton-Leuven references.

Those references were written by an html2text-style converter: ``#`` headings keeping the HTML level,
``  * `` / ``  1. `` list items indented two spaces per level, ``**bold**``, ``_em_``, ``[text](href)``
links (``<href>`` when the text is the address), ``* * *`` rules, ``  \\n`` line breaks, a row of
``---`` under the first table row and four-space indented ``<pre>`` blocks. The walk is event-driven
(``lxml.etree.iterwalk``), so arbitrarily deep trees render without recursion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlElement

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
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_LINE_START_ESCAPE = re.compile(r"\A(?:(\d+)\.(?=\s|$)|([-+*>])(?=\s)|(#{1,6})(?=\s|$))")


def collapse_whitespace(text: str) -> str:
    """Runs of whitespace (as ``str.split`` sees it: non-breaking spaces too) as one space; invisible
    characters dropped. ``str.split`` is several times faster than a regex on megabytes of text."""
    if not text.isascii():  # the invisible characters are all outside ASCII
        text = _INVISIBLE.sub("", text)
    words = " ".join(text.split())
    if not words:
        return " " if text else ""
    return (" " if text[0].isspace() else "") + words + (" " if text[-1].isspace() else "")


def normalized_text(text: str) -> str:
    """``text`` with whitespace collapsed and stripped (faster than ``collapse_whitespace().strip()``)."""
    if not text.isascii():
        text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


@dataclass
class _Mark:
    """An inline wrapper (``**``, ``_``, a link) whose opening waits for the first word inside it."""

    opening: str
    closing: str
    shown: bool = False


class _Writer:
    """Accumulates Markdown, owing line breaks, spaces and openings until a word needs them."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.breaks = 0  # newlines owed: 1 ends the line, 2 ends the paragraph
        self.hard = False  # the owed single newline is a <br> ("  \n")
        self.space = False
        self.at_line_start = True
        self.prefix = ""  # heading or list-item marker waiting for the block's first word
        self.marks: list[_Mark] = []
        self.quote_depth = 0
        self.line_quote_depth = 0  # quote depth of the line last started

    def block(self, newlines: int = 2) -> None:
        """A block boundary; the first block inside a list item stays on the marker's line."""
        if self.prefix:
            return
        self.breaks = max(self.breaks, newlines)
        self.hard = False
        self.space = False

    def line_break(self) -> None:
        if self.prefix or (self.at_line_start and not self.breaks):
            return
        if self.breaks:
            self.breaks = 2  # a second <br> in a row opens a paragraph
        else:
            self.breaks, self.hard = 1, True
        self.space = False

    def open_mark(self, opening: str, closing: str) -> _Mark:
        mark = _Mark(opening, closing)
        self.marks.append(mark)
        return mark

    def close_mark(self, mark: _Mark) -> None:
        if mark in self.marks:
            self.marks.remove(mark)
        if mark.shown:
            self.parts.append(mark.closing)

    def text(self, data: str) -> None:
        data = collapse_whitespace(data)
        if not data:
            return
        if data[0] == " ":
            self.space = True
        words = data.strip()
        if words:
            self.word(words)
            self.space = data[-1] == " "

    def word(self, words: str, *, raw: bool = False) -> None:
        """Write ``words``, preceded by whatever is owed; ``raw`` skips line-start escaping."""
        fresh_line = self._flush_breaks()
        if self.prefix:
            self.parts.append(self.prefix)
            self.prefix = ""
            fresh_line = False
        elif self.space and not self.at_line_start:
            self.parts.append(" ")
        self.space = False
        for mark in self.marks:
            if not mark.shown:
                self.parts.append(mark.opening)
                mark.shown = True
                fresh_line = False
        if fresh_line and not raw:
            words = _LINE_START_ESCAPE.sub(_escape_line_start, words, count=1)
        self.parts.append(words)
        self.at_line_start = False

    def _flush_breaks(self) -> bool:
        """Emit owed newlines (closing and later reopening inline marks around them)."""
        if not self.parts:
            self.breaks = 0
            self.parts.append("> " * self.quote_depth)
            self.line_quote_depth = self.quote_depth
            return True
        if not self.breaks:
            return self.at_line_start
        for mark in reversed(self.marks):
            if mark.shown:
                self.parts.append(mark.closing)
                mark.shown = False
        quote = "> " * self.quote_depth
        if self.breaks == 1:
            self.parts.append(("  \n" if self.hard else "\n") + quote)
        else:
            blank = ">" * min(self.quote_depth, self.line_quote_depth)  # no ">" before a quote starts
            self.parts.append("\n" + blank + "\n" + quote)
        self.line_quote_depth = self.quote_depth
        self.breaks = 0
        self.hard = False
        self.at_line_start = True
        return True

    def result(self) -> str:
        text = "".join(self.parts)
        lines = [line.rstrip() if not line.endswith("  ") else line for line in text.split("\n")]
        text = "\n".join(line if line.strip() not in ("", ">") else line.strip() for line in lines)
        text = re.sub(r"\n{3,}", "\n\n", text)
        return text.strip("\n").rstrip()


def _escape_line_start(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        return match.group(1) + "\\."
    return "\\" + match.group(0)


class _ListState:
    def __init__(self, ordered: bool, start: int) -> None:
        self.ordered = ordered
        self.number = start - 1


class MarkdownRenderer:
    """Renders one element (and everything inside it) as Markdown."""

    def __init__(self) -> None:
        self.out = _Writer()
        self.lists: list[_ListState] = []
        self.marks: dict[HtmlElement, _Mark] = {}
        self.in_heading = 0
        self.in_link = 0

    def render(self, root: HtmlElement) -> str:
        """``root``'s content as Markdown, without leading or trailing blank lines."""
        walker = etree.iterwalk(root, events=("start", "end"))
        for event, element in walker:
            tag = element.tag if isinstance(element.tag, str) else ""
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
        rows = [row for row in table_rows(table) if any(row)]
        captions = [_cell_markdown(caption) for caption in table.iterchildren("caption")]
        for caption in filter(None, captions):
            self.out.block()
            self.out.word(caption)
        if not rows:
            return
        width = max(len(row) for row in rows)
        lines = [" | ".join(rows[0]), "|".join(["---"] * width)]
        lines += [" | ".join(row) for row in rows[1:]]
        self.out.block()
        self.out.word("\n".join(lines), raw=True)
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


def table_rows(table: HtmlElement) -> list[list[str]]:
    """The rows of a table (its own, not those of tables nested in it) as lists of cell Markdown."""
    rows: list[list[str]] = []
    for row in table.iter("tr"):
        if _owning_table(row) is not table:
            continue
        cells = [cell for cell in row if cell.tag in ("td", "th")]
        rows.append([_cell_markdown(cell) for cell in cells])
    return rows


def _cell_markdown(cell: HtmlElement) -> str:
    if not len(cell):  # text only, as most cells are: what the renderer would make of it, made directly
        text = _LINE_START_ESCAPE.sub(_escape_line_start, normalized_text(cell.text or ""), count=1)
        return text.replace("|", "\\|")
    text = MarkdownRenderer().render(cell)
    return re.sub(r"\s*\n\s*", " ", text).strip().replace("|", "\\|")


def _owning_table(element: HtmlElement) -> HtmlElement | None:
    for ancestor in element.iterancestors("table"):
        return ancestor
    return None


def is_data_table(table: HtmlElement) -> bool:
    """Whether a table holds data (rendered as a Markdown table) rather than page layout."""
    if table.get("role") == "presentation" or table.get("datatable") == "0":
        return False
    if any(True for _ in table.iterdescendants("table")):
        return False
    rows = [row for row in table.iter("tr") if _owning_table(row) is table]
    columns = max((len([c for c in row if c.tag in ("td", "th")]) for row in rows), default=0)
    if len(rows) <= 1 or columns <= 1:
        return False
    if any(True for _ in table.iter(*HEADINGS, "blockquote", "pre", "form", "hr")):
        return False
    if table.get("summary") or any(True for _ in table.iter("caption", "thead", "tfoot", "th", "colgroup")):
        return True
    return len(rows) >= 10 or columns > 4 or len(rows) * columns > 10
