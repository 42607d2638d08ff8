"""Page-wide clean-up of a ``<body>`` before main-content scoring.

Hidden elements go, ``<br><br>`` runs become paragraphs, and ``div`` blocks holding only inline content
become paragraphs (as Readability does) so that they are scored like them.
"""

from __future__ import annotations

from lxml.html import HtmlElement

from monitor.extract.content_signals import has_text, is_phrasing, link_density
from monitor.extract.hidden_content import drop_hidden
from monitor.extract.responsive_variants import drop_repeated_variants

_DIV_TO_P_BLOCKS = frozenset(
    {"blockquote", "dl", "div", "img", "ol", "p", "pre", "table", "ul", "section", "article", "form", "select"}
)


def prepare_body(body: HtmlElement) -> None:
    """Page-wide clean-up before scoring: hidden elements, ``<br><br>`` runs as paragraphs."""
    drop_hidden(body)
    drop_repeated_variants(body)
    for font in body.iter("font"):
        font.tag = "span"
    _replace_double_breaks(body)


def _replace_double_breaks(body: HtmlElement) -> None:
    """Turn runs of two or more ``<br>`` into paragraphs holding the inline content that follows."""
    for br in list(body.iter("br")):
        parent = br.getparent()
        if parent is None:
            continue
        chain = []
        last = br
        while not (last.tail or "").strip():
            following = last.getnext()
            if following is None or following.tag != "br":
                break
            chain.append(following)
            last = following
        if not chain:
            continue
        paragraph = br.makeelement("p", {})
        paragraph.text = last.tail
        for extra in chain:
            parent.remove(extra)
        parent.replace(br, paragraph)
        following = paragraph.getnext()
        while following is not None and is_phrasing(following) and not _starts_break_run(following):
            after = following.getnext()
            paragraph.append(following)
            following = after
        if parent.tag == "p":
            parent.tag = "div"


def _starts_break_run(element: HtmlElement) -> bool:
    if element.tag != "br" or (element.tail or "").strip():
        return False
    following = element.getnext()
    return following is not None and following.tag == "br"


def paragraphize_divs(body: HtmlElement) -> None:
    """Divs holding only inline content become paragraphs; loose inline runs in others get wrapped."""
    for div in list(body.iter("div")):
        if div.getparent() is None:
            continue
        if _holds_one_paragraph(div) and link_density(div) < 0.25:
            paragraph = div[0]
            paragraph.tail = div.tail
            div.getparent().replace(div, paragraph)
            continue
        if not any(d.tag in _DIV_TO_P_BLOCKS for d in div.iterdescendants()):
            div.tag = "p"
        else:
            _wrap_inline_runs(div)


def _holds_one_paragraph(div: HtmlElement) -> bool:
    return len(div) == 1 and div[0].tag == "p" and not (div.text or "").strip() and not (div[0].tail or "").strip()


def _wrap_inline_runs(div: HtmlElement) -> None:
    children = list(div)
    if _nothing_to_wrap(div, children):  # the common case, without rebuilding the div
        div.text = None
        for child in children:
            child.tail = None
        _remove_empty_paragraphs(div)
        return
    leading, div.text = div.text, None
    for child in children:
        div.remove(child)
    paragraph: HtmlElement | None = None
    if (leading or "").strip():
        paragraph = div.makeelement("p", {})
        paragraph.text = leading
        div.append(paragraph)
    for child in children:
        if is_phrasing(child):
            if paragraph is None:
                paragraph = div.makeelement("p", {})
                div.append(paragraph)
            paragraph.append(child)
            continue
        tail, child.tail = child.tail, None
        div.append(child)
        paragraph = None
        if (tail or "").strip():
            paragraph = div.makeelement("p", {})
            paragraph.text = tail
            div.append(paragraph)
    _remove_empty_paragraphs(div)


def _nothing_to_wrap(div: HtmlElement, children: list[HtmlElement]) -> bool:
    if (div.text or "").strip() or any((child.tail or "").strip() for child in children):
        return False
    return not any(is_phrasing(child) for child in children)


def _remove_empty_paragraphs(div: HtmlElement) -> None:
    for candidate in div.findall("p"):
        if not has_text(candidate) and candidate.find(".//img") is None:
            div.remove(candidate)
