"""Heading titles and inline Markdown as plain text: links reduced to their text, markup dropped, date phrases.

Titles are normalised: links and images become their text, emphasis, code marks, HTML tags, backslash
escapes and pilcrows are dropped, typographic quotes and dashes are folded, whitespace is collapsed, and
trailing ``.``/``:`` are removed ("**Cookies.**" and "## Cookies:" both give "Cookies"). Numbering is kept.
"""

from __future__ import annotations

import re

from monitor.compare.word_diff import fold_typography

REFERENCE_HEADER_PREFIX = "> *The following text is extracted"

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


def is_reference_header(line: str) -> bool:
    """Whether a line is the Princeton-Leuven "The following text is extracted..." header (not policy text)."""
    return REFERENCE_HEADER_PREFIX in line and line.lstrip().startswith(REFERENCE_HEADER_PREFIX)


def strip_links(text: str, target_mark: str | None = None) -> str:
    """Links and images as their text; with ``target_mark``, each after the mark and its target as one word.

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
        # The target goes first, so that what follows a link ("Guidelines](…),") stays with its text, as it
        # does once the link is gone.
        return f" {target_mark}{target} {match.group(1)}"

    text = _LINK.sub(replace, text)
    if "](" in text:  # an image inside a link
        text = _LINK.sub(replace, text)
    if "][" in text:
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
