"""What stands just before a policy's sections and opens it: its own heading, its date, its intro.

Component-built pages put the policy's heading in a block of its own, often a level above the block
that scores best (beside a table of contents), and the intro in a header block of its own. Those
blocks are the policy's, unless the heading only repeats the page title, which is rendered apart.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from monitor.extract.content_signals import inner_text, link_density

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BLOCKS = ("div", "p", "li", "dt", "dd", *_HEADINGS)
_SENTENCE_END = re.compile(r"\.( |$)")
_LINE_LENGTH = 100  # a date or a version line, not a paragraph
_INTRO_LENGTH = 150
_LEVELS = 3  # the top's own preceding blocks, then its parent's and grandparent's


def head_matter(top: HtmlElement, title: str) -> list[HtmlElement]:
    """The blocks before ``top`` that open the policy, in page order: a heading in a block of its own
    (not one repeating ``title``) or with the policy's intro paragraph, then the short lines between it and
    ``top`` such as its date. Nothing unless such a heading is found."""
    node, level = top, 0
    lines: list[HtmlElement] = []  # the short lines just before the top, kept if a heading opens them
    while level < _LEVELS:
        for block in node.itersiblings(preceding=True):
            if is_heading_block(block):
                return lines if similar_to_title(inner_text(block), title) else [block, *lines]
            if is_intro(block):
                return [block, *lines]  # a heading repeating the title goes later, with the others
            text = inner_text(block)
            if not text or len(text) > _LINE_LENGTH or _links_text(block):
                return []
            if node is top and _is_a_line(block):
                lines.insert(0, block)
        parent = node.getparent()
        if parent is None or parent.getparent() is None:
            return []
        level += node.getprevious() is not None  # wrappers without siblings are no level
        node = parent
    return []


def is_heading_block(block: HtmlElement) -> bool:
    """A block that holds a heading and little else (a date line at most, no link)."""
    headings = list(block.iter(*_HEADINGS))
    if not headings:
        return False
    length = len(inner_text(block))
    if sum(len(inner_text(heading)) for heading in headings) >= 0.9 * length:
        return True
    return length <= _LINE_LENGTH + 50 and not _links_text(block)


def _is_a_line(block: HtmlElement) -> bool:
    """One line, as a date is ("Last reviewed" and "20 January 2025" at most), not a list of entries."""
    return sum(1 for _ in block.iterdescendants(*_BLOCKS)) <= 3


def _links_text(block: HtmlElement) -> bool:
    """Whether a link in the block says something (an icon link, as a breadcrumb's home, does not)."""
    return any(inner_text(link) for link in block.iter("a"))


def is_intro(block: HtmlElement) -> bool:
    """A heading and a paragraph of prose, as the title and intro that stand before a policy's sections."""
    if next(block.iter(*_HEADINGS), None) is None:
        return False
    return any(
        len(text := inner_text(paragraph)) >= _INTRO_LENGTH
        and _SENTENCE_END.search(text)
        and link_density(paragraph) < 0.2
        for paragraph in block.iter("p")
    )


def similar_to_title(heading: str, title: str) -> bool:
    """Whether a heading says what the title says (Readability's test: most of its words are the title's)."""
    title_tokens = re.split(r"\W+", title.lower())
    heading_tokens = [token for token in re.split(r"\W+", heading.lower()) if token]
    if not heading_tokens or not title:
        return False
    unknown = [token for token in heading_tokens if token not in title_tokens]
    return 1 - len(" ".join(unknown)) / len(" ".join(heading_tokens)) > 0.75
