"""HTML as served → policy text (title and Markdown body): the extraction pipeline, composed.

The steps: refuse what is not a page (empty, too large, binary or PDF bytes: ``guards``); decode (BOM,
the Content-Type header, ``<meta>``, then detection: ``decode``); parse with lxml (wrappers nested deeper
than browsers allow are flattened, element bombs refused: ``guards``); take the title; drop scripts,
styles, embedded objects and hidden elements; find the main content (``main_content``, or the caller's
CSS selectors); render it as Markdown (``markdown``) the way the Princeton-Leuven references do.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

import soupsieve
from bs4 import BeautifulSoup, Tag
from lxml.html import HtmlElement

from monitor.errors import NotExtractable
from monitor.extract.content_signals import drop, inner_text
from monitor.extract.decode import decode_html
from monitor.extract.documents import keep_one_document
from monitor.extract.guards import check_bytes, parse_page
from monitor.extract.main_content import find_main_content
from monitor.extract.markdown import render_markdown
from monitor.extract.page_preparation import prepare_body
from monitor.extract.whitespace import collapse_whitespace
from monitor.models import Document

EXTRACTOR_VERSION = "3"

_JUNK_TAGS = (
    "script", "style", "noscript", "template", "iframe", "frame", "object", "embed", "applet",
    "svg", "canvas", "link", "meta", "base", "map", "audio", "video", "noframes",
)  # fmt: skip


def extract_document(
    html: bytes,
    *,
    content_type: str | None = None,
    select: Sequence[str] = (),
    remove: Sequence[str] = (),
    url: str = "",
) -> Document:
    """The title and main content (as Markdown) of an HTML page given as the bytes served.

    ``select``: CSS selectors whose matches, in document order, are the content (no detection);
    ``remove``: CSS selectors whose matches are dropped first; ``url``: the policy's URL, whose fragment
    says which document to keep on a page holding several (else the title, else the privacy ones).
    Raises ``NotExtractable`` for empty, oversized, binary or non-HTML input, framesets without
    alternative content, nesting too deep to flatten, more than ``MAX_ELEMENTS`` elements, selectors
    matching nothing, and pages without text;
    ``ValueError`` for invalid selectors.
    """
    check_bytes(html, content_type)
    text = decode_html(html, content_type)
    if not text.strip():
        raise NotExtractable("empty")
    root = parse_page(text)
    title = _page_title(root)
    if select or remove:
        root = parse_page(_apply_selectors(text, select, remove))
    body = _content_root(root)
    for element in list(body.iter(*_JUNK_TAGS)):
        drop(element)
    prepare_body(body)
    kept: tuple[str, ...] = ()
    if select:
        article = _without_title_heading(body, title)
    else:
        article = find_main_content(body, title)
        kept = keep_one_document(article, title, urlsplit(url).fragment)
    markdown = render_markdown(article)
    if not re.search(r"\w", markdown):
        raise NotExtractable("no text")
    return Document(title=title, body=markdown, kept_documents=kept)


def _page_title(root: HtmlElement) -> str:
    """The ``<title>`` text, whitespace collapsed; else the first ``<h1>``; else ``""``."""
    for element in root.iter("title"):
        if next(element.iterancestors("svg"), None) is None:
            title = collapse_whitespace(element.text_content()).strip()
            if title:
                return title
            break
    for heading in root.iter("h1"):
        title = inner_text(heading)
        if title:
            return title
    return ""


def _content_root(root: HtmlElement) -> HtmlElement:
    """The ``<body>``; for a frameset, the body of its ``<noframes>`` alternative."""
    body = root.find("body")
    if root.find(".//frameset") is not None and (body is None or not inner_text(body)):
        alternative = "".join(element.text_content() for element in root.iter("noframes"))
        if not collapse_whitespace(re.sub(r"<[^>]*>", " ", alternative)).strip():
            raise NotExtractable("frames")
        body = parse_page(f"<html><body>{alternative}</body></html>").find("body")
    return body if body is not None else root


def _without_title_heading(body: HtmlElement, title: str) -> HtmlElement:
    """Selected content keeps its headings, except an ``<h1>`` repeating the title rendered apart."""
    for heading in list(body.iter("h1")):
        if inner_text(heading).casefold() == title.casefold():
            drop(heading)
    return body


def _apply_selectors(text: str, select: Sequence[str], remove: Sequence[str]) -> str:
    """The page with ``remove`` matches dropped; with ``select``, only the outermost matches kept."""
    soup = BeautifulSoup(text, "lxml")
    try:
        for selector in remove:
            for element in soup.select(selector):
                element.decompose()
        matches: list[Tag] = list(soup.select(", ".join(select))) if select else []
    except soupsieve.SelectorSyntaxError as error:
        raise ValueError(f"invalid CSS selector: {error}") from error
    if not select:
        return str(soup)
    chosen = {id(match) for match in matches}
    outermost = [m for m in matches if not any(id(parent) in chosen for parent in m.parents)]
    if not outermost:
        raise NotExtractable("nothing matches the selectors")
    return "<html><body>" + "".join(str(match) for match in outermost) + "</body></html>"
