"""The first pass over a text: its headings, each with its own text up to the next heading.

Lines are not split out: a line is known by the offset where it starts, and read from the text when needed
(most lines are only ever scanned by the regex that finds the ones a heading rule could apply to).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from monitor.compare.heading_lines import (
    ANCHORS,
    CLAUSE,
    FENCE,
    LIST_ITEM,
    atx_heading,
    clause_title_at,
    end_of_line,
    is_blank,
    lead_in_at,
    line_start_before,
    setext_headings,
    track_fence,
)
from monitor.compare.titles import REFERENCE_HEADER_PREFIX, is_reference_header

PREAMBLE = "Preamble"

# Lines some heading rule could apply to (a superset): fences, the reference header, ATX headings and bold
# lead-ins (also in list items), numbered clauses. Every other line is text, or part of a setext heading.
# Patterns start after a line's "\n" (a literal that re scans for quickly, unlike a MULTILINE "^").
_CANDIDATE = re.compile(
    r"(?: {0,3}(?:`{3}|~{3})|[^\S\n]*>|[^\S\n]*(?:(?:[*+-]|\d{1,9}[.)])[^\S\n]+)?(?:#|\*\*|__)"
    rf"|[^\S\n]*(?:(?:[*+-]|\d{{1,9}}[.)])[^\S\n]+)?{ANCHORS}+(?:\*\*|__)"
    rf"| {{0,3}}{ANCHORS}*\d{{1,2}}\\?[.)][ \t]+[A-Z])"
)
_UNDERLINE_OR_FENCE = re.compile(r" {0,3}(?:=|-|`{3}|~{3})")
_MARKED_LINE = re.compile(f"(?:{_CANDIDATE.pattern}|{_UNDERLINE_OR_FENCE.pattern})")
# A look ahead at how a line starts (what every alternative needs) turns most lines down before the
# alternatives are tried: list items of plain text or links ("* [") among them.
_AFTER_NEWLINE = re.compile(
    r"\n(?=[^\S\n]*(?:[`~>#_=\-]|\*\*|[*+][^\S\n]+(?:[#*_]|\[\]\()|\d{1,9}\\?[.)]|\[\]\(#))"
    r"(?:" + _MARKED_LINE.pattern + ")"
)
# Line breaks that str.splitlines() knows besides "\n"; texts holding one are rejoined with "\n" first.
_OTHER_LINE_BREAKS = "\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def has_odd_breaks(text: str) -> bool:
    """Whether a text holds a line break that ``str.splitlines()`` knows besides "\n"."""
    return any(mark in text for mark in _OTHER_LINE_BREAKS)  # faster than a character class


class Event(NamedTuple):  # a tuple: many are made for every version
    """A heading found by the first pass, with its own text (up to the next heading)."""

    offset: int  # where the line its heading starts on starts (0 for the preamble)
    kind: str  # "preamble", "heading" (ATX or setext), "lead-in" or "clause"
    level: int  # a heading's level; lead-ins and clauses get theirs from the headings above them
    title: str
    text: str
    # How the text can be parsed from here on, whatever comes before: "atx" (an ATX heading line reads the same
    # anywhere), "blank" (a heading after an empty line, not the next line of a numbered-clause candidate, which
    # looks ahead), "" (it cannot).
    anchor: str = ""
    # A lead-in's form (see ``monitor.compare.lead_ins``): "line" (a bold line alone), "inline" (text follows
    # on its line) or "anchored" (led by an empty anchor link); "" for other headings.
    form: str = ""

    def shifted(self, chars: int) -> Event:
        offset, kind, level, title, text, anchor, form = self
        return Event(offset + chars, kind, level, title, text, anchor, form)


_Heading = tuple[int, str, int, str, str, str]  # an event but its text: offset, kind, level, title, anchor, form


def find_events(text: str, start: int, end: int, *, top: bool) -> tuple[list[Event], str | None]:
    """The headings of the lines from offset ``start`` (a line's start) up to ``end`` (the line break ending the
    region, or the text's end), each with its text, and the fence left open at the end. Only the lines a heading
    rule could apply to are visited (found by one regex); the lines between them are taken whole. The region is
    the ``top`` of the text, with its preamble, or starts at an anchor (see ``Event.anchor``)."""
    marked = _marked_lines(text, start, end)
    setext = setext_headings(text, [at for at in marked if _UNDERLINE_OR_FENCE.match(text, at)])
    candidates = {at for at in marked if _CANDIDATE.match(text, at)}
    events: list[Event] = []
    # The heading whose text is being gathered: it becomes an event, with its text, when the next one is found.
    open_heading: _Heading = (0, "preamble", 0, PREAMBLE, "", "")
    body: list[str] = []  # the text's pieces: runs of whole lines, and what a lead-in leaves of its line
    fence: str | None = None
    position = start  # where the first line not yet taken starts
    ended_block = True  # whether the line before ``position`` ended a block (so the next may start a paragraph)
    for at in sorted({*candidates, *setext}):
        if at < position:
            continue  # taken by a setext heading or a lead-in spanning lines
        if at > position:
            body.append(text[position : at - 1])
            above = text[text.rfind("\n", 0, at - 1) + 1 : at - 1]
            ended_block = not above or above.isspace()
        line_end = end_of_line(text, at)
        line = text[at:line_end]
        block_start, ends_block = ended_block, not line or line.isspace()
        found: _Heading | None = None
        rest = ""  # the text after the heading on the lines it uses
        if fence is not None or FENCE.match(line):
            fence = track_fence(line, fence)
            body.append(line)
        elif REFERENCE_HEADER_PREFIX in line and is_reference_header(line):
            ends_block = True
        elif at in setext:
            level, title, underline = setext[at]
            found, ends_block = (at, "heading", level, title, anchor_kind(text, at), ""), True
            line_end = end_of_line(text, underline)
        elif (atx := atx_heading(line)) is not None:
            found, ends_block = (at, "heading", atx[0], atx[1], "atx", ""), True
        elif (block_start or LIST_ITEM.match(line)) and (lead := lead_in_at(text, at, line_end)) is not None:
            title, rest, line_end, anchored = lead
            form = "anchored" if anchored else "inline" if rest else "line"
            found = (at, "lead-in", 0, title, anchor_kind(text, at), form)
            ends_block = not rest  # a bold line standing alone is a heading even without a blank after it
        elif block_start and (clause := clause_title_at(text, at, line)) is not None:
            found = (at, "clause", 0, clause, "", "")
        else:
            body.append(line)
        if found is not None:
            if top or at > start:  # a region starting at a heading has no text before it
                events.append(_event(open_heading, body))
            open_heading, body = found, [rest] if rest else []
        position, ended_block = line_end + 1, ends_block
    if position <= end:
        body.append(text[position:end])
    events.append(_event(open_heading, body))
    return events, fence


def _event(heading: _Heading, body: list[str]) -> Event:
    offset, kind, level, title, anchor, form = heading
    return Event(offset, kind, level, title, "\n".join(body).strip(), anchor, form)


def anchor_kind(text: str, at: int) -> str:
    """ "blank" when a heading starting at ``at`` follows an empty line that does not end a numbered-clause
    candidate's look ahead (see ``Event.anchor``), else ""."""
    if at == 0 or text[at - 2 : at - 1] not in ("\n", ""):
        return ""  # the first line, or the line before is not empty
    before = line_start_before(text, at)  # the empty line
    while before > 0 and is_blank(text[line_start_before(text, before) : before - 1]):
        before = line_start_before(text, before)
    if before == 0:
        return "blank"
    above = line_start_before(text, before)
    return "" if CLAUSE.match(text[above : before - 1]) else "blank"


def _marked_lines(text: str, start: int, end: int) -> list[int]:
    """Where every line from offset ``start`` up to ``end`` that starts like a heading candidate, a setext
    underline or a fence starts."""
    marked = [start] if _MARKED_LINE.match(text, start, end) else []
    marked += [match.start() + 1 for match in _AFTER_NEWLINE.finditer(text, start, end)]
    return marked
