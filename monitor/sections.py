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

Two passes: the first finds the headings, visiting only the lines a heading rule could apply to; the second
gives lead-ins and clauses their levels and every section its path. A version split after the one it follows
(``previous``) is re-parsed only where the two texts differ, between headings that read the same whatever
comes before them (``_Event.anchor``); the last few versions are kept (``monitor.recent``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from monitor.models import Section
from monitor.recent import Recent, agreement
from monitor.worddiff import fold_typography

PREAMBLE = "Preamble"
REFERENCE_HEADER_PREFIX = "> *The following text is extracted"
MAX_LEAD_IN_WORDS = 12

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# Lines some heading rule could apply to (a superset): fences, the reference header, ATX headings and bold
# lead-ins (also in list items), numbered clauses. Every other line is text, or part of a setext heading.
# Patterns start after a line's "\n" (a literal that re scans for quickly, unlike a MULTILINE "^").
_CANDIDATE = re.compile(
    r"(?: {0,3}(?:`{3}|~{3})|[^\S\n]*>|[^\S\n]*(?:(?:[*+-]|\d{1,9}[.)])[^\S\n]+)?(?:#|\*\*|__)"
    r"| {0,3}\d{1,2}[.)][ \t]+[A-Z])"
)
_UNDERLINE_OR_FENCE = re.compile(r" {0,3}(?:=|-|`{3}|~{3})")
_MARKED_LINE = re.compile(f"(?:{_CANDIDATE.pattern}|{_UNDERLINE_OR_FENCE.pattern})")
_AFTER_NEWLINE = re.compile("\n" + _MARKED_LINE.pattern)
# Line breaks that str.splitlines() knows besides "\n"; texts holding one are rejoined with "\n" first.
_OTHER_LINE_BREAKS = "\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
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
_TITLE_MARKUP = re.compile(r"[\[\]<>\\*_`~]")  # what the markup rules of clean_title look for
_DIGIT = re.compile(r"\d")  # every date phrase has one
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
    return _DIGIT.search(title) is not None and DATE_PHRASE.fullmatch(title.strip("()[] ")) is not None


def clean_title(raw: str) -> str:
    """A heading's text without Markdown markup, as used in section paths."""
    text = raw if raw.isascii() else fold_typography(raw).replace("¶", " ")
    if _TITLE_MARKUP.search(text):
        text = AUTOLINK.sub(r"\1", strip_links(text))
        text = HTML_TAG.sub(" ", text)
        text = ESCAPE.sub(r"\1", _EMPHASIS.sub("", text))
    return " ".join(text.split()).rstrip(" .:")


class _Event(NamedTuple):  # a tuple: many are made for every version
    """A heading found by the first pass, with its own text (up to the next heading)."""

    line: int  # the line its heading starts on (0 for the preamble)
    kind: str  # "preamble", "heading" (ATX or setext), "lead-in" or "clause"
    level: int  # a heading's level; lead-ins and clauses get theirs from the headings above them
    title: str
    text: str
    offset: int = 0  # where its first line starts
    # How the text can be parsed from here on, whatever comes before: "atx" (an ATX heading line reads the same
    # anywhere), "blank" (a heading after an empty line, not the next line of a numbered-clause candidate, which
    # looks ahead), "" (it cannot).
    anchor: str = ""

    def shifted(self, lines: int, chars: int) -> _Event:
        return self._replace(line=self.line + lines, offset=self.offset + chars)


@dataclass(frozen=True)
class _Parsed:
    markdown: str
    line_count: int
    events: tuple[_Event, ...]
    sections: tuple[Section, ...]
    starts: tuple[int, ...]


_RECENT: Recent[_Parsed] = Recent()


def split_sections(markdown: str, *, previous: str | None = None) -> tuple[Section, ...]:
    """The sections of a version in document order; text before the first heading is the "Preamble".

    ``previous``, a version this one probably shares most of its text with (the one it follows), only saves
    time: where the two texts agree its parse is reused. The result is the same.
    """
    return _parsed(markdown, previous).sections


def section_starts(markdown: str) -> tuple[int, ...]:
    """For each section of ``split_sections(markdown)``, the index of the line its heading starts on (0 for the
    preamble): section k spans lines ``starts[k]`` up to ``starts[k + 1]``."""
    return _parsed(markdown, None).starts


def clear_caches() -> None:
    """Forget the versions and heading lines kept from earlier calls."""
    _RECENT.clear()
    _atx_heading.cache_clear()
    _heading_title.cache_clear()


def _parsed(markdown: str, previous: str | None) -> _Parsed:
    found = _RECENT.get(markdown)
    if found is not None:
        return found
    before = _RECENT.get(previous) if previous is not None else None
    events = _events_after(before, markdown) if before is not None else None
    if events is None:
        events = _all_events(markdown)
    sections, starts = _assemble(events)
    line_count = markdown.count("\n") + 1
    return _RECENT.put(markdown, _Parsed(markdown, line_count, tuple(events), sections, starts))


# --- first pass: headings and their texts ------------------------------------------------------------


def _all_events(markdown: str) -> list[_Event]:
    odd_breaks = any(mark in markdown for mark in _OTHER_LINE_BREAKS)  # faster than a character class
    text = "\n".join(markdown.splitlines()) if odd_breaks else markdown
    lines = text.split("\n")
    events, _ = _events(text, lines, 0, 0, len(text))
    return events


def _events(text: str, lines: list[str], first: int, start: int, end: int) -> tuple[list[_Event], str | None]:
    """The headings of the lines from ``first`` (at offset ``start``) up to offset ``end``, each with its text,
    and the fence left open at the end. Only the lines a heading rule could apply to are visited (found by one
    regex); the lines between them are taken whole. ``first`` is 0 or an anchor (see ``_Event.anchor``)."""
    marked = _line_numbers(text, first, start, end)
    last = first + text.count("\n", start, end) + 1  # one past the last line of the region
    setext = _setext_headings(lines, [k for k, _ in marked if _UNDERLINE_OR_FENCE.match(lines[k])])
    offsets = dict(marked)
    candidates = {k for k, _ in marked if _CANDIDATE.match(lines[k])}
    events: list[_Event] = []
    open_heading = _Event(0, "preamble", 0, PREAMBLE, "")  # its text is filled in when the next one is found
    body: list[str] = []
    fence: str | None = None
    position = first  # the first line not yet taken
    ended_block = True  # whether lines[position - 1] ended a block (so lines[position] may start a paragraph)
    for index in sorted({*candidates, *setext}):
        if index < position:
            continue  # taken by a setext heading or a lead-in spanning lines
        if index > position:
            body += lines[position:index]
            ended_block = not lines[index - 1].strip()
        line = lines[index]
        block_start, ends_block = ended_block, not line.strip()
        found: _Event | None = None
        end_line, rest = index, ""  # the last line the heading uses, and the text after it on those lines
        if fence is not None or _FENCE.match(line):
            fence = _track_fence(line, fence)
            body.append(line)
        elif is_reference_header(line):
            ends_block = True
        elif index in setext:
            level, title, end_line = setext[index]
            offset = offsets[end_line] - sum(len(lines[k]) + 1 for k in range(index, end_line))
            found, ends_block = _Event(index, "heading", level, title, "", offset, _anchor(lines, index)), True
        elif (atx := _atx_heading(line)) is not None:
            found, ends_block = _Event(index, "heading", atx[0], atx[1], "", offsets[index], "atx"), True
        elif (block_start or _LIST_ITEM.match(line)) and (lead := _lead_in(lines, index)) is not None:
            title, rest, end_line = lead
            found = _Event(index, "lead-in", 0, title, "", offsets[index], _anchor(lines, index))
            ends_block = not rest  # a bold line standing alone is a heading even without a blank after it
        elif block_start and (clause := _clause_title(lines, index)) is not None:
            found = _Event(index, "clause", 0, clause, "", offsets[index])
        else:
            body.append(line)
        if found is not None:
            if first == 0 or index > first:  # a region starting at a heading has no text before it
                events.append(open_heading._replace(text=_joined(body)))
            open_heading, body = found, [rest] if rest else []
        position, ended_block = end_line + 1, ends_block
    body += lines[position:last]
    events.append(open_heading._replace(text=_joined(body)))
    return events, fence


def _anchor(lines: list[str], index: int) -> str:
    """ "blank" when a heading at ``index`` follows an empty line that does not end a numbered-clause candidate's
    look ahead (see ``_Event.anchor``), else ""."""
    if index == 0 or lines[index - 1]:
        return ""
    before = index - 1
    while before > 0 and not lines[before - 1].strip():
        before -= 1
    return "" if before > 0 and _CLAUSE.match(lines[before - 1]) else "blank"


def _joined(body: list[str]) -> str:
    return "\n".join(body).strip()


def _line_numbers(text: str, first: int, start: int, end: int) -> list[tuple[int, int]]:
    """(index, offset) of every line from ``first`` (at ``start``) up to offset ``end`` that starts like a
    heading candidate, a setext underline or a fence."""
    numbers = [(first, start)] if _MARKED_LINE.match(text, start, end) else []
    line, offset = first, start
    for match in _AFTER_NEWLINE.finditer(text, start, end):
        line += text.count("\n", offset, match.start()) + 1
        offset = match.start() + 1
        numbers.append((line, offset))
    return numbers


# --- second pass: levels and paths -------------------------------------------------------------------


def _assemble(events: list[_Event]) -> tuple[tuple[Section, ...], tuple[int, ...]]:
    """Sections from headings: levels of lead-ins and clauses, paths, duplicate titles numbered."""
    sections: list[Section] = []
    starts: list[int] = []
    stack: list[tuple[int, str, str]] = []  # the open headings: level, title, kind
    seen: set[tuple[str, ...]] = set()
    for event in events:
        if event.kind == "preamble":
            path: tuple[str, ...] = (PREAMBLE,)
            level = 0
        else:
            level = event.level or _level_below(stack, "heading", *(("clause",) if event.kind == "lead-in" else ()))
            while stack and stack[-1][0] >= level:
                stack.pop()
            path = _unique_path(tuple(title for _, title, _ in stack), event.title, seen)
            seen.add(path)
            stack.append((level, path[-1], event.kind))
        if event.text or level:
            sections.append(Section(path, level, event.text))
            starts.append(event.line)
            seen.add(path)  # the preamble too: a later heading titled "Preamble" gets "(2)"
    return tuple(sections), tuple(starts)


def _unique_path(parent: tuple[str, ...], title: str, seen: set[tuple[str, ...]]) -> tuple[str, ...]:
    """The path of a heading under ``parent``, its title numbered " (2)", " (3)"... if already taken there."""
    unique, count = title, 1
    while (*parent, unique) in seen:
        count += 1
        unique = f"{title} ({count})"
    return (*parent, unique)


def _level_below(stack: list[tuple[int, str, str]], *kinds: str) -> int:
    """One level below the nearest open heading of one of these kinds (1 when there is none)."""
    for level, _, kind in reversed(stack):
        if kind in kinds:
            return level + 1
    return 1


# --- reusing the parse of a previous version ---------------------------------------------------------


def _events_after(previous: _Parsed, markdown: str) -> list[_Event] | None:
    """The headings of ``markdown``, re-parsed only between the last anchor (see ``_Event.anchor``) of
    ``previous`` before the first changed line and the first one after the last changed line; the headings
    outside come from ``previous``, moved by the lines and characters gained (None: nothing to reuse)."""
    old = previous.markdown
    if any(mark in old or mark in markdown for mark in _OTHER_LINE_BREAKS):
        return None
    prefix, suffix = agreement(old, markdown)
    events = previous.events
    head = next((k for k in range(len(events) - 1, 0, -1) if _reads_alike_from(events[k], old, prefix)), 0)
    tail = next((k for k in range(head + 1, len(events)) if _read_alike_from(events[k], suffix)), len(events))
    if head == 0 and tail == len(events):
        return None
    chars = len(markdown) - len(old)
    end = events[tail].offset - 1 + chars if tail < len(events) else len(markdown)
    lines = markdown.split("\n")
    middle, fence = _events(markdown, lines, events[head].line, events[head].offset, end)
    if head and middle[0].line != events[head].line:
        return None  # the heading the re-parse starts from is a heading no more
    if tail < len(events) and fence is not None:
        return None  # a fence left open changes how the rest reads
    moved = len(lines) - previous.line_count
    return [*events[:head], *middle, *(event.shifted(moved, chars) for event in events[tail:])]


def _reads_alike_from(event: _Event, old: str, prefix: int) -> bool:
    """Whether the new text parses from this heading on as if alone: all before it is unchanged, and so is an
    ATX heading's own line (a lead-in just before may look ahead into it)."""
    if event.anchor == "blank":
        return event.offset <= prefix
    return event.anchor == "atx" and -1 < old.find("\n", event.offset) < prefix


def _read_alike_from(event: _Event, suffix: int) -> bool:
    """Whether the old text parsed from this heading on as if alone, with the line break before it (and before
    the empty line ahead of it, unless it is an ATX heading) in the unchanged end of both texts."""
    if event.anchor == "atx":
        return event.offset - 1 >= suffix
    return event.anchor == "blank" and event.offset - 2 >= suffix


def _track_fence(line: str, fence: str | None) -> str | None:
    """The open fence after ``line``: opened by a fence line, closed by a matching one."""
    match = _FENCE.match(line)
    if fence is None:
        return match.group(1) if match else None
    if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) and not line.strip(" `~"):
        return None
    return fence


@lru_cache(maxsize=4096)
def _atx_heading(line: str) -> tuple[int, str] | None:
    """(level, title) of an ATX heading line; kept, as versions of a policy repeat their headings."""
    match = _ATX.match(line)
    if match is None:
        return None
    title = _heading_title(match.group(2) or "")
    return (len(match.group(1)), title) if title else None


@lru_cache(maxsize=4096)
def _heading_title(raw: str) -> str:
    """A heading's clean title, or "" when it is none (empty, or only a date phrase)."""
    title = clean_title(raw)
    return "" if is_date_line(title) else title


def _setext_headings(lines: Sequence[str], marked: list[int]) -> dict[int, tuple[int, str, int]]:
    """Setext headings by first line: (level, title, index of the underline); ``marked`` holds every line that
    may be an underline or a fence."""
    found: dict[int, tuple[int, str, int]] = {}
    fence: str | None = None
    for index in marked:
        line = lines[index]
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
        title = _heading_title(" ".join(lines[start:index]))
        if title:
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
