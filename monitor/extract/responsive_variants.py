"""Responsive variants: a page that holds one copy of its text per screen size shows one of them.

Site builders render a block once per breakpoint and let CSS media queries hide all copies but one:
Framer wraps each copy in ``ssr-variant`` with ``hidden-<hash>`` classes, Tailwind pairs
``hidden md:block`` with ``md:hidden``, Bootstrap uses ``d-none d-md-block`` or ``hidden-xs``. Which
copy shows depends on the reader's screen, so none of them is hidden in the page; but a reader sees
the text once. Among copies marked so, with the same text, the first in reading order stays.
"""

from __future__ import annotations

import re
from collections import defaultdict

from lxml.html import HtmlElement

from monitor.extract.content_signals import drop
from monitor.extract.whitespace import normalized_text

_BREAKPOINT_MARK = re.compile(
    r"(?<!\S)(?:"
    r"ssr-variant"  # Framer
    r"|[a-z0-9]+:hidden|hidden(?=\s(?:.*\s)?[a-z0-9]+:(?:block|flex|grid|inline|table|contents))"  # Tailwind
    r"|d-(?:[a-z]{2,3}-)?none|hidden-(?:xs|sm|md|lg|xl)|visible-(?:xs|sm|md|lg|xl)(?:-\w+)?"  # Bootstrap
    r"|(?:show|hide)-for-\w+"  # Foundation
    r"|(?:mobile|tablet|desktop)-(?:only|hidden|visible|hide|show)"
    r"|(?:only|hide|show|hidden|visible)-(?:on-)?(?:mobile|tablet|desktop)"
    r")(?!\S)",
    re.I,
)


def drop_repeated_variants(body: HtmlElement) -> None:
    """Drop every breakpoint copy whose text an earlier copy (or a sibling of it) already holds."""
    marked = [element for element in body.iter() if _BREAKPOINT_MARK.search(element.get("class") or "")]
    if not marked:
        return
    candidates = dict.fromkeys(wrapped for element in marked for wrapped in _wrapped(element))
    parents = dict.fromkeys(parent for element in marked if (parent := element.getparent()) is not None)
    candidates.update(dict.fromkeys(sibling for parent in parents for sibling in _unmarked_children(parent)))
    by_text: dict[str, list[HtmlElement]] = defaultdict(list)
    for candidate in candidates:
        text = normalized_text(candidate.text_content())
        if text:
            by_text[text].append(candidate)
    repeated = [copies for copies in by_text.values() if len(copies) > 1]
    if repeated:
        order = {element: index for index, element in enumerate(body.iter())}
        for copies in repeated:
            _keep_first(sorted(copies, key=order.__getitem__), body)


def _wrapped(element: HtmlElement) -> list[HtmlElement]:
    """The element and the chain of its descendants that hold nearly all its text (a copy may sit a
    few wrappers deeper in one variant than in the other)."""
    chain = [element]
    length = len(element.text_content())
    while length and len(chain[-1]):
        lengths = {child: len(child.text_content()) for child in chain[-1] if isinstance(child.tag, str)}
        if not lengths:
            break
        largest = max(lengths, key=lengths.__getitem__)
        if lengths[largest] < 0.9 * length:
            break
        chain.append(largest)
    return chain


def _unmarked_children(parent: HtmlElement) -> list[HtmlElement]:
    """The children not marked as a breakpoint copy: one of them may be the copy shown by default."""
    return [
        child
        for child in parent
        if isinstance(child.tag, str) and not _BREAKPOINT_MARK.search(child.get("class") or "")
    ]


def _keep_first(copies: list[HtmlElement], body: HtmlElement) -> None:
    """Drop the copies after the first, unless one holds the other or was dropped with another."""
    kept = copies[0]
    for copy in copies[1:]:
        if _within(copy, kept) or _within(kept, copy) or not _within(copy, body):
            continue
        drop(copy)


def _within(element: HtmlElement, container: HtmlElement) -> bool:
    return any(ancestor is container for ancestor in element.iterancestors())
