"""Several documents on one page: keep the one the policy is.

Legal hubs put the terms of use, API terms, a DMCA policy and the privacy policy on one page, each
under its own heading (often in an expandable ``<details>``). Main-content detection rightly finds all
of them; a privacy-policy history must hold only the privacy documents. A page is split only on
strong evidence, so that a policy whose own sections are called "Cookie Policy" or "Changes to this
Policy" stays whole: at least three blocks side by side under headings of one kind, most of the text
under headings that name documents, and at least one of them a document of another kind (terms, an
agreement, a DMCA policy). Then the block the URL's fragment points into, else the block titled as the
page is, else the blocks that name privacy or personal data, are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml.html import HtmlElement

from monitor.extract.content_signals import drop, inner_text

MIN_DOCUMENTS = 3
_HEADING_TAGS = ("h1", "h2", "h3", "summary")
_DOCUMENT_NAME = re.compile(
    r"\b(?:terms|policy|policies|notice|agreement|conditions|statement|addendum|dmca|eula|charter|"
    r"guidelines|disclaimer|impressum|imprint|licen[cs]e|politique|mentions|conditions|richtlinie|"
    r"bedingungen|agb|erklärung|política|términos|condiciones|informativa|termini)\b|政策|条款|协议|規約|약관",
    re.I,
)
_OTHER_DOCUMENT = re.compile(
    r"\b(?:terms|agreement|conditions|dmca|eula|licen[cs]e|mentions|bedingungen|agb|términos|"
    r"condiciones|termini)\b|条款|协议|規約|약관",
    re.I,
)
_PRIVACY = re.compile(
    r"privacy|personal (?:data|information)|data (?:protection|retention)|\b(?:gdpr|ccpa|cpra|lgpd|dpf)\b|"
    r"cookie|datenschutz|vie privée|données|confidentialit|privacidad|protección de datos|privacidade|"
    r"riservatezza|隐私|个人信息|個人情報|プライバシー|개인정보",
    re.I,
)
_NUMBERED = re.compile(r"^\s*(?:\d+|[ivxlc]+|[a-z])[.):]\s", re.I)


@dataclass(frozen=True)
class _Block:
    elements: tuple[HtmlElement, ...]
    heading: str  # "" for what comes before the first heading

    @property
    def length(self) -> int:
        return sum(len(inner_text(element)) for element in self.elements)


def keep_one_document(article: HtmlElement, title: str, fragment: str = "") -> tuple[str, ...]:
    """Drop the other documents of a page that holds several; the headings of those kept, or ``()``
    when the page holds one document."""
    blocks = _documents(article)
    if not blocks:
        return ()
    kept = _chosen(blocks, title, fragment)
    if not kept or len(kept) == len(blocks):
        return ()
    for block in blocks:
        if block not in kept:
            for element in block.elements:
                drop(element)
    return tuple(block.heading for block in kept)


def _documents(article: HtmlElement) -> list[_Block]:
    """The article's blocks, one per document, when it reads as several documents side by side."""
    for tag in _HEADING_TAGS:
        headings = [heading for heading in article.iter(tag) if _names_a_document(inner_text(heading))]
        if len(headings) < MIN_DOCUMENTS:
            continue
        container = _common_ancestor(headings)
        blocks = _blocks(container, tag)
        named = [block for block in blocks if _names_a_document(block.heading)]
        total = sum(block.length for block in blocks)
        if (
            len(named) >= MIN_DOCUMENTS
            and sum(block.length for block in named) >= 0.6 * total
            and any(_OTHER_DOCUMENT.search(block.heading) for block in named)
        ):
            return blocks
    return []


def _names_a_document(heading: str) -> bool:
    words = heading.split()
    return 0 < len(words) <= 10 and not _NUMBERED.match(heading) and _DOCUMENT_NAME.search(heading) is not None


def _common_ancestor(elements: list[HtmlElement]) -> HtmlElement:
    common = list(elements[0].iterancestors())
    for element in elements[1:]:
        ancestors = set(element.iterancestors())
        common = [ancestor for ancestor in common if ancestor in ancestors]
    return common[0]


def _blocks(container: HtmlElement, tag: str) -> list[_Block]:
    """The container's children grouped by the heading of ``tag`` that each group starts with."""
    blocks: list[_Block] = []
    current: list[HtmlElement] = []
    heading = ""
    for child in container:
        if not isinstance(child.tag, str):
            continue
        found = child if child.tag == tag else next(child.iter(tag), None)
        if found is not None:
            if current:
                blocks.append(_Block(tuple(current), heading))
            current, heading = [], inner_text(found)
        current.append(child)
    if current:
        blocks.append(_Block(tuple(current), heading))
    return blocks


def _chosen(blocks: list[_Block], title: str, fragment: str) -> list[_Block]:
    if fragment:
        pointed = [block for block in blocks if any(_holds_anchor(element, fragment) for element in block.elements)]
        if pointed:
            return pointed
    titled = [block for block in blocks if block.heading and _same_name(block.heading, title)]
    if titled:
        return titled
    return [block for block in blocks if _PRIVACY.search(block.heading)]


def _holds_anchor(element: HtmlElement, fragment: str) -> bool:
    for candidate in element.iter():
        if fragment in (candidate.get("id"), candidate.get("name"), candidate.get("aria-labelledby")):
            return True
    return False


def _same_name(heading: str, title: str) -> bool:
    """Whether the title names this document: the heading's words all appear in one part of it."""
    words = set(re.findall(r"\w+", heading.casefold()))
    parts = re.split(r"\s[|\-–—:·»]\s", title.casefold())
    return bool(words) and any(words == set(re.findall(r"\w+", part)) for part in parts)
