"""What main-content detection reads off an element: its text, link density, class and id weight.

Also the flags that switch the heuristics on or off for one attempt.
"""

from __future__ import annotations

import re
from enum import IntFlag

from lxml.html import HtmlElement

from monitor.extract.class_names import clutter_id, clutter_names
from monitor.extract.whitespace import normalized_text

_POSITIVE = re.compile(
    r"article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story",
    re.I,
)
_NEGATIVE = re.compile(
    r"-ad-|hidden|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|foot|footer|footnote|gdpr|"
    r"masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|"
    r"shopping|tags|tool|widget",
    re.I,
)
_PHRASING = frozenset(
    {
        "abbr", "audio", "b", "bdo", "br", "button", "cite", "code", "data", "datalist", "dfn", "em",
        "embed", "i", "img", "input", "kbd", "label", "mark", "math", "meter", "noscript", "object",
        "output", "progress", "q", "ruby", "samp", "script", "select", "small", "span", "strong",
        "sub", "sup", "textarea", "time", "var", "wbr", "font", "u", "s", "strike", "tt", "big",
    }
)  # fmt: skip


class Flags(IntFlag):
    STRIP_UNLIKELY = 1
    WEIGHT_CLASSES = 2
    CLEAN_CONDITIONALLY = 4


ALL_FLAGS = Flags.STRIP_UNLIKELY | Flags.WEIGHT_CLASSES | Flags.CLEAN_CONDITIONALLY


def inner_text(element: HtmlElement) -> str:
    return normalized_text(element.text_content())


def has_text(element: HtmlElement) -> bool:
    """Whether ``inner_text(element)`` is not empty, reading only as far as the first word."""
    for chunk in element.itertext():
        if chunk.isascii():  # most chunks: no invisible character to drop first
            if chunk and not chunk.isspace():
                return True
        elif normalized_text(chunk):
            return True
    return False


def drop(element: HtmlElement) -> None:
    """Remove ``element`` and its content, keeping the text that follows it."""
    if element.getparent() is not None:
        element.drop_tree()


def is_phrasing(element: HtmlElement) -> bool:
    if element.tag in _PHRASING:
        return True
    if element.tag in ("a", "del", "ins"):
        return all(is_phrasing(child) for child in element)
    return False


def class_weight(element: HtmlElement, flags: Flags) -> int:
    if not flags & Flags.WEIGHT_CLASSES:
        return 0
    weight = 0
    classes, identifier = element.get("class"), clutter_id(element)
    if classes:
        weight -= 25 if _NEGATIVE.search(clutter_names(element, with_id=False)) else 0
        weight += 25 if _POSITIVE.search(classes) else 0
    if identifier:
        weight -= 25 if _NEGATIVE.search(identifier) else 0
        weight += 25 if _POSITIVE.search(identifier) else 0
    return weight


def link_density(element: HtmlElement) -> float:
    length = len(inner_text(element))
    if not length:
        return 0.0
    linked = 0.0
    for link in element.iter("a"):
        coefficient = 0.3 if (link.get("href") or "").startswith("#") else 1.0
        linked += len(inner_text(link)) * coefficient
    return linked / length
