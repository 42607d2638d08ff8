"""Heading rules line by line: ATX and setext headings, bold lead-ins, numbered clauses, fences.

A line is known by the offset where it starts in the text, and read from the text when needed.
"""

from __future__ import annotations

import re

from monitor.compare.titles import clean_title, is_date_line

MAX_LEAD_IN_WORDS = 12

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^ {0,3}(?:(?:[*+-]|\d{1,9}[.)])[ \t]+)?(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
# Lines that start a block of their own, so cannot be (part of) a setext heading's text.
_NOT_PARAGRAPH = re.compile(r"^(?: {4,}|\t| {0,3}(?:>|#|[*+-](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$)|\||`{3}|~{3}))")
_THEMATIC_BREAK = re.compile(r"^ {0,3}([*_-])(?:[ \t]*\1){2,}[ \t]*$")
LIST_ITEM = re.compile(r"^[ \t]*(?:[*+-]|\d{1,9}[.)])[ \t]+")
# Empty links to an anchor of the page ("[](#2-legal-basis)") that a heading line may start with: a target for
# the table of contents, not words of the heading.
ANCHORS = r"(?:\[\]\(#[^()\s]*\)[ \t]*)"
_LEAD_IN = re.compile(
    rf"(?P<prefix>[ \t]*(?:(?:[*+-]|\d{{1,9}}[.)])[ \t]+)?{ANCHORS}*)"
    r"(?P<delim>\*\*|__)(?P<title>(?:(?!(?P=delim)).)+?)(?P=delim)"
    r"(?P<punct>[ \t]*[.:?!])?",
    re.DOTALL,
)
_NUMBERED_ITEM = re.compile(r"^[ \t]*\d{1,9}[.)][ \t]+")
# The number's mark may be escaped ("2\\."), as Markdown writers do so that the line is not a list item.
CLAUSE = re.compile(rf"^ {{0,3}}{ANCHORS}*(?P<number>\d{{1,2}}\\?[.)])[ \t]+(?P<title>[A-Z].*?)[ \t]*$")
_LEADING_ANCHORS = re.compile(rf"^{ANCHORS}+")
_ONLY_LINK = re.compile(r"^\s*!?\[.*\]\([^)]*\)\s*$", re.DOTALL)
# A Markdown hard line break (an HTML <br>): two spaces or a backslash before the line's end.
_HARD_BREAK = re.compile(r"(?:[ \t]{2,}|\\)\n")
_HARD_BREAK_END = re.compile(r"(?:[ \t]{2,}|\\)$")


def end_of_line(text: str, at: int) -> int:
    """Where the line starting at ``at`` ends: its line break, or the text's end."""
    end = text.find("\n", at)
    return len(text) if end == -1 else end


def line_start_before(text: str, at: int) -> int:
    """Where the line before the one starting at ``at`` (> 0) starts."""
    return text.rfind("\n", 0, at - 1) + 1


def is_blank(line: str) -> bool:
    """Whether a line is empty or only whitespace (without copying it, as ``strip`` would)."""
    return not line or line.isspace()


def track_fence(line: str, fence: str | None) -> str | None:
    """The open fence after ``line``: opened by a fence line, closed by a matching one."""
    match = FENCE.match(line)
    if fence is None:
        return match.group(1) if match else None
    if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) and not line.strip(" `~"):
        return None
    return fence


def atx_heading(line: str) -> tuple[int, str] | None:
    """(level, title) of an ATX heading line."""
    match = _ATX.match(line)
    if match is None:
        return None
    title = heading_title(match.group(2) or "")
    return (len(match.group(1)), title) if title else None


def heading_title(raw: str) -> str:
    """A heading's clean title, or "" when it is none (empty, or only a date phrase)."""
    title = clean_title(raw)
    return "" if is_date_line(title) else title


def setext_headings(text: str, marked: list[int]) -> dict[int, tuple[int, str, int]]:
    """Setext headings by where their first line starts: (level, title, where the underline starts); ``marked``
    holds every line that may be an underline or a fence."""
    found: dict[int, tuple[int, str, int]] = {}
    fence: str | None = None
    for underline in marked:
        line = text[underline : end_of_line(text, underline)]
        if fence is not None or FENCE.match(line):
            fence = track_fence(line, fence)
            continue
        match = _SETEXT_UNDERLINE.match(line)
        if match is None or underline == 0:
            continue
        start = underline
        while start > 0 and _is_paragraph_text(text[(above := line_start_before(text, start)) : start - 1]):
            start = above
        if start == underline:
            continue  # no paragraph above
        if start > 0:
            before = text[line_start_before(text, start) : start - 1]
            if not is_blank(before) and not _ATX.match(before):
                continue  # it continues a list item or another block
        title = heading_title(text[start : underline - 1].replace("\n", " "))
        if title:
            found[start] = (1 if match.group(1)[0] == "=" else 2, title, underline)
    return found


def _is_paragraph_text(line: str) -> bool:
    return not is_blank(line) and not _NOT_PARAGRAPH.match(line) and not _SETEXT_UNDERLINE.match(line)


def lead_in_at(text: str, at: int, line_end: int) -> tuple[str, str, int, bool] | None:
    """A bold lead-in starting on the line at ``at`` (ending at ``line_end``): (title, the text after it, where
    the last line it used ends, whether an empty anchor link leads it)."""
    line = text[at:line_end]
    unlisted = LIST_ITEM.sub("", line, count=1).lstrip()
    stripped = _LEADING_ANCHORS.sub("", unlisted)
    if not stripped.startswith(("**", "__")) or _THEMATIC_BREAK.match(line):
        return None
    end, used = line_end, 1
    joined = line
    while _LEAD_IN.match(joined) is None and end < len(text) and used < 3:
        next_end = end_of_line(text, end + 1)
        following = text[end + 1 : next_end]
        if is_blank(following) or _ATX.match(following) or FENCE.match(following):
            break  # the paragraph ends at an empty line; a heading or a fence interrupts it
        joined += "\n" + following
        end, used = next_end, used + 1
    match = _LEAD_IN.match(joined)
    if match is None or _ONLY_LINK.match(match.group("title")) or _HARD_BREAK.search(match.group("title")):
        return None  # a bold run broken over lines is a block of bold text (an address), not a title
    title = clean_title(match.group("title") + (match.group("punct") or ""))
    rest = joined[match.end() :].lstrip()
    if rest in ("", "\\") and _continues_in_bold(text, joined, end):
        return None
    rest = "" if rest == "\\" else rest
    if not title or len(title.split()) > MAX_LEAD_IN_WORDS or is_date_line(title):
        return None
    ends_clause = match.group("punct") or match.group("title").rstrip()[-1] in ".:?!"
    if not ends_clause and rest[:1] and (rest[0].islower() or rest[0] in ",;)"):
        return None  # the bold run is part of a sentence, not a heading
    return title, rest, end, len(stripped) < len(unlisted)


def _continues_in_bold(text: str, joined: str, end: int) -> bool:
    """Whether the paragraph of a bold line (``joined``, ending at ``end``) goes on, after a hard line break, with
    another bold line: the lines of one bold block (an address split by ``<br>``), not headings."""
    if end >= len(text) or not _HARD_BREAK_END.search(joined):
        return False
    following = text[end + 1 : end_of_line(text, end + 1)].lstrip()
    return following.startswith(("**", "__")) and not _THEMATIC_BREAK.match(following)


def clause_title_at(text: str, at: int, line: str) -> str | None:
    """The title of a numbered clause heading (``1. Title`` alone between blank lines), if the line at ``at`` is
    one."""
    match = CLAUSE.match(line)
    end = at + len(line)
    if match is None or (end < len(text) and not is_blank(text[end + 1 : end_of_line(text, end + 1)])):
        return None
    raw = match.group("title")
    if raw[-1] in ".,;:" or _ONLY_LINK.match(raw) or len(raw.split()) > MAX_LEAD_IN_WORDS:
        return None
    if _next_is_list_item(text, end) or _previous_is_numbered_item(text, at):
        return None  # an item of a loose list, not a clause
    return clean_title(f"{match.group('number')} {raw}")


def _next_is_list_item(text: str, end: int) -> bool:
    """Whether the nearest non-blank line after the one ending at ``end`` is a list item."""
    while end < len(text):
        start, end = end + 1, end_of_line(text, end + 1)
        if not is_blank(line := text[start:end]):
            return LIST_ITEM.match(line) is not None
    return False


def _previous_is_numbered_item(text: str, at: int) -> bool:
    """Whether the nearest non-blank line before the one starting at ``at`` is a numbered list item."""
    while at > 0:
        end, at = at - 1, line_start_before(text, at)
        if not is_blank(line := text[at:end]):
            return _NUMBERED_ITEM.match(line) is not None
    return False
