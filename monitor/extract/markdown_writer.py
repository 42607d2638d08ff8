"""The Markdown writer: text goes in word by word, line breaks, spaces and openings owed until needed.

Owing them is what keeps blank lines, spaces and ``**`` marks out of empty elements, and what lets a
heading or list marker wait for the block's first word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.extract.whitespace import collapse_whitespace

LINE_START_ESCAPE = re.compile(r"\A(?:(\d+)\.(?=\s|$)|([-+*>])(?=\s)|(#{1,6})(?=\s|$))")


@dataclass
class Mark:
    """An inline wrapper (``**``, ``_``, a link) whose opening waits for the first word inside it."""

    opening: str
    closing: str
    shown: bool = False


class MarkdownWriter:
    """Accumulates Markdown, owing line breaks, spaces and openings until a word needs them."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.breaks = 0  # newlines owed: 1 ends the line, 2 ends the paragraph
        self.hard = False  # the owed single newline is a <br> ("  \n")
        self.space = False
        self.at_line_start = True
        self.prefix = ""  # heading or list-item marker waiting for the block's first word
        self.marks: list[Mark] = []
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

    def open_mark(self, opening: str, closing: str) -> Mark:
        mark = Mark(opening, closing)
        self.marks.append(mark)
        return mark

    def close_mark(self, mark: Mark) -> None:
        if mark in self.marks:
            self.marks.remove(mark)
        if mark.shown:
            self.parts.append(mark.closing)

    def text(self, data: str) -> None:
        if data.isascii() and data.isspace():  # the indentation between tags, most text runs of a page
            self.space = True
            return
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
            words = LINE_START_ESCAPE.sub(escape_line_start, words, count=1)
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


def escape_line_start(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        return match.group(1) + "\\."
    return "\\" + match.group(0)
