"""Split a policy's Markdown into sections: the text under each heading, up to the next one.

Headings are ATX (``## Title``, also inside a list item), setext (a paragraph underlined with ``===`` or
``---``), numbered clauses (``1. Title`` standing alone as a paragraph) and bold lead-ins (a paragraph or
list item starting with a short ``**bold run**``). Clauses sit one level below the nearest ATX/setext
heading; lead-ins one level below the nearest heading or clause, and are siblings of each other.

Titles are normalised: links and images become their text, emphasis, code marks, HTML tags, backslash
escapes and pilcrows are dropped, typographic quotes and dashes are folded, whitespace is collapsed, and
trailing ``.``/``:`` are removed ("**Cookies.**" and "## Cookies:" both give "Cookies"). Numbering is kept.
Duplicate titles under one parent get " (2)", " (3)"... A heading that is only a date phrase ("Last
updated: May 1, 2024") stays in its section's text, so a new date does not rename every path below it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from monitor.models import Section
from monitor.worddiff import fold_typography

PREAMBLE = "Preamble"
REFERENCE_HEADER_PREFIX = "> *The following text is extracted"
MAX_LEAD_IN_WORDS = 12

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^ {0,3}(?:(?:[*+-]|\d{1,9}[.)])[ \t]+)?(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
# Lines that start a block of their own, so cannot be (part of) a setext heading's text.
_NOT_PARAGRAPH = re.compile(r"^(?: {4,}|\t| {0,3}(?:>|#|[*+-](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$)|\||`{3}|~{3}))")
_THEMATIC_BREAK = re.compile(r"^ {0,3}([*_-])(?:[ \t]*\1){2,}[ \t]*$")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[*+-]|\d{1,9}[.)])[ \t]+")
_LEAD_IN = re.compile(
    r"(?P<prefix>[ \t]*(?:(?:[*+-]|\d{1,9}[.)])[ \t]+)?)(?P<delim>\*\*|__)(?P<title>(?:(?!(?P=delim)).)+?)(?P=delim)"
    r"(?P<punct>[ \t]*[.:?!])?",
    re.DOTALL,
)
_NUMBERED_ITEM = re.compile(r"^[ \t]*\d{1,9}[.)][ \t]+")
_CLAUSE = re.compile(r"^ {0,3}(?P<number>\d{1,2}[.)])[ \t]+(?P<title>[A-Z].*?)[ \t]*$")

# Inline links (groups: text, target, title); escaped brackets are masked before it runs (see strip_links).
_LINK = re.compile(r"\[([^\[\]]*)\]\(([^()\s]*(?:\([^()\s]*\)[^()\s]*)*)((?:[ \t]+\"[^\"\n]*\")?)[ \t]*\)")
_REFERENCE_LINK = re.compile(r"\[([^\[\]]*)\]\[[^\[\]\n]*\]")
AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]*)>")
HTML_TAG = re.compile(r"</?[A-Za-z][^>\n]*>")
ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE = (
    rf"(?:{_MONTH}\s+{_DAY},?\s+\d{{4}}|{_DAY}\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}|{_MONTH},?\s+\d{{4}}"
    r"|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4})"
)
_DATE_KEYWORD = (
    r"(?:last\s+(?:updated|modified|revised|changed|amended|reviewed)|effective(?:\s+date)?|revised|updated|modified"
    r"|(?:version|revision|policy)\s+date|date\s+of\s+(?:last\s+)?(?:revision|update)|in\s+effect)"
)
# "Last updated: May 1, 2024", "Effective July 23, 2026", "Revised on 2024-05-01", ...
DATE_PHRASE = re.compile(
    rf"\b{_DATE_KEYWORD}\b[\s:,.\-]*(?:(?:on|as\s+of|from|since|at)\s+)?(?:[a-z]+day,?\s+)?{_DATE}(?!\w)", re.I
)
_EMPHASIS = re.compile(r"(?<!\\)(?:\*+|~~|`+)|(?<![\\\w])_+|_+(?!\w)")
_ONLY_LINK = re.compile(r"^\s*!?\[.*\]\([^)]*\)\s*$", re.DOTALL)


def is_reference_header(line: str) -> bool:
    """Whether a line is the Princeton-Leuven "The following text is extracted..." header (not policy text)."""
    return line.lstrip().startswith(REFERENCE_HEADER_PREFIX)


def strip_links(text: str, target_mark: str | None = None) -> str:
    """Links and images as their text; with ``target_mark``, each followed by the mark and its target as one word.

    Link texts may span lines. Escaped brackets are masked first, so the pattern can start only at real
    brackets and scans stay short (unrolled alternatives made 290 KB policies take seconds).
    """
    if "[" not in text:
        return text
    text = text.replace("\\[", "\x01").replace("\\]", "\x02").replace("![", "[")

    def replace(match: re.Match[str]) -> str:
        if target_mark is None:
            return match.group(1)
        target = (match.group(2) + match.group(3)).replace(" ", target_mark)
        return f" {match.group(1)} {target_mark}{target} "

    text = _LINK.sub(replace, text)
    if "](" in text:  # an image inside a link
        text = _LINK.sub(replace, text)
    text = _REFERENCE_LINK.sub(r"\1", text)
    return text.replace("\x01", "\\[").replace("\x02", "\\]")


def is_date_line(title: str) -> bool:
    """Whether a heading's title is only a "last updated / effective" date: kept as text, not a heading."""
    return DATE_PHRASE.fullmatch(title.strip("()[] ")) is not None


def clean_title(raw: str) -> str:
    """A heading's text without Markdown markup, as used in section paths."""
    text = fold_typography(raw)
    text = AUTOLINK.sub(r"\1", strip_links(text))
    text = HTML_TAG.sub(" ", text)
    text = ESCAPE.sub(r"\1", _EMPHASIS.sub("", text))
    text = " ".join(text.replace("¶", " ").split())
    return text.rstrip(" .:")


@dataclass
class _Entry:
    level: int
    title: str
    kind: str  # "heading", "clause" or "lead-in"


@dataclass
class _Builder:
    """Collects lines into sections while tracking the stack of open headings."""

    sections: list[Section] = field(default_factory=list)
    stack: list[_Entry] = field(default_factory=list)
    seen: set[tuple[str, ...]] = field(default_factory=set)
    path: tuple[str, ...] = (PREAMBLE,)
    level: int = 0
    body: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.body.append(line)

    def heading(self, level: int, title: str, kind: str = "heading") -> None:
        self.flush()
        while self.stack and self.stack[-1].level >= level:
            self.stack.pop()
        parent = tuple(entry.title for entry in self.stack)
        unique, count = title, 1
        while (*parent, unique) in self.seen:
            count += 1
            unique = f"{title} ({count})"
        self.path, self.level = (*parent, unique), level
        self.seen.add(self.path)
        self.stack.append(_Entry(level, unique, kind))

    def level_below(self, *kinds: str) -> int:
        """One level below the nearest open heading of one of these kinds (1 when there is none)."""
        for entry in reversed(self.stack):
            if entry.kind in kinds:
                return entry.level + 1
        return 1

    def flush(self) -> None:
        text = "\n".join(self.body).strip()
        if text or self.level:
            self.sections.append(Section(self.path, self.level, text))
            self.seen.add(self.path)  # the preamble too: a later heading titled "Preamble" gets "(2)"
        self.body = []


def split_sections(markdown: str) -> tuple[Section, ...]:
    """The sections of a version in document order; text before the first heading is the "Preamble"."""
    lines = markdown.splitlines()
    setext = _setext_headings(lines)
    builder = _Builder()
    fence: str | None = None
    block_start = True  # whether lines[index] may begin a paragraph (so a bold lead-in or a clause)
    index = 0
    while index < len(lines):
        line = lines[index]
        ends_block = not line.strip()
        if fence is not None or _FENCE.match(line):
            fence = _track_fence(line, fence)
            builder.add(line)
        elif is_reference_header(line):
            ends_block = True
        elif index in setext:
            level, title, index = setext[index]
            builder.heading(level, title)
            ends_block = True
        elif (heading := _atx_heading(line)) is not None:
            builder.heading(*heading)
            ends_block = True
        elif (block_start or _LIST_ITEM.match(line)) and (lead := _lead_in(lines, index)) is not None:
            title, rest, index = lead
            builder.heading(builder.level_below("heading", "clause"), title, "lead-in")
            builder.add(rest)
            ends_block = not rest  # a bold line standing alone is a heading even without a blank line after it
        elif block_start and (clause := _clause_title(lines, index)) is not None:
            builder.heading(builder.level_below("heading"), clause, "clause")
        else:
            builder.add(line)
        block_start = ends_block
        index += 1
    builder.flush()
    return tuple(builder.sections)


def _track_fence(line: str, fence: str | None) -> str | None:
    """The open fence after ``line``: opened by a fence line, closed by a matching one."""
    match = _FENCE.match(line)
    if fence is None:
        return match.group(1) if match else None
    if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) and not line.strip(" `~"):
        return None
    return fence


def _atx_heading(line: str) -> tuple[int, str] | None:
    match = _ATX.match(line)
    if match is None:
        return None
    title = clean_title(match.group(2) or "")
    return (len(match.group(1)), title) if title and not is_date_line(title) else None


def _setext_headings(lines: Sequence[str]) -> dict[int, tuple[int, str, int]]:
    """Setext headings by first line: (level, title, index of the underline)."""
    found: dict[int, tuple[int, str, int]] = {}
    fence: str | None = None
    for index, line in enumerate(lines):
        if fence is not None or _FENCE.match(line):
            fence = _track_fence(line, fence)
            continue
        match = _SETEXT_UNDERLINE.match(line)
        if match is None or index == 0:
            continue
        start = index
        while start > 0 and _is_paragraph_text(lines[start - 1]):
            start -= 1
        if start == index or (start > 0 and lines[start - 1].strip() and not _ATX.match(lines[start - 1])):
            continue  # no paragraph above, or it continues a list item or another block
        title = clean_title(" ".join(lines[start:index]))
        if title and not is_date_line(title):
            found[start] = (1 if match.group(1)[0] == "=" else 2, title, index)
    return found


def _is_paragraph_text(line: str) -> bool:
    return bool(line.strip()) and not _NOT_PARAGRAPH.match(line) and not _SETEXT_UNDERLINE.match(line)


def _lead_in(lines: Sequence[str], index: int) -> tuple[str, str, int] | None:
    """A bold lead-in starting at ``lines[index]``: (title, the text after it, last line it used)."""
    line = lines[index]
    stripped = _LIST_ITEM.sub("", line, count=1).lstrip()
    if not stripped.startswith(("**", "__")) or _THEMATIC_BREAK.match(line):
        return None
    end = index
    text = line
    while _LEAD_IN.match(text) is None and end + 1 < len(lines) and end - index < 2 and lines[end + 1].strip():
        end += 1
        text += "\n" + lines[end]
    match = _LEAD_IN.match(text)
    if match is None or _ONLY_LINK.match(match.group("title")):
        return None
    title = clean_title(match.group("title") + (match.group("punct") or ""))
    rest = text[match.end() :].lstrip()
    if not title or len(title.split()) > MAX_LEAD_IN_WORDS or is_date_line(title):
        return None
    ends_clause = match.group("punct") or match.group("title").rstrip()[-1] in ".:?!"
    if not ends_clause and rest[:1] and (rest[0].islower() or rest[0] in ",;)"):
        return None  # the bold run is part of a sentence, not a heading
    return title, rest, end


def _clause_title(lines: Sequence[str], index: int) -> str | None:
    """The title of a numbered clause heading (``1. Title`` alone between blank lines), if this is one."""
    match = _CLAUSE.match(lines[index])
    if match is None or (index + 1 < len(lines) and lines[index + 1].strip()):
        return None
    raw = match.group("title")
    if raw[-1] in ".,;:" or _ONLY_LINK.match(raw) or len(raw.split()) > MAX_LEAD_IN_WORDS:
        return None
    if _neighbour_is_list_item(lines, index, 1) or _neighbour_is_list_item(lines, index, -1):
        return None  # an item of a loose list, not a clause
    return clean_title(f"{match.group('number')} {raw}")


def _neighbour_is_list_item(lines: Sequence[str], index: int, step: int) -> bool:
    """Whether the nearest non-blank line in direction ``step`` is a numbered (or, after us, any) list item."""
    cursor = index + step
    while 0 <= cursor < len(lines) and not lines[cursor].strip():
        cursor += step
    if not 0 <= cursor < len(lines):
        return False
    return (_LIST_ITEM if step > 0 else _NUMBERED_ITEM).match(lines[cursor]) is not None
