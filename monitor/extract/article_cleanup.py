"""Cleaning the chosen article: what is inside it but not policy text goes.

Forms, widgets, sharing buttons, form controls, headings repeating the title, and lists, tables and
``div`` blocks that look like navigation or link farms (Readability's conditional cleaning); data tables
and code are spared.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from lxml.html import HtmlElement

from monitor.extract.class_names import clutter_names
from monitor.extract.content_signals import Flags, class_weight, drop, has_text, inner_text, is_phrasing
from monitor.extract.div_grids import keep_div_grids
from monitor.extract.hidden_content import is_disclosure_toggle
from monitor.extract.markdown_tables import is_data_table
from monitor.extract.policy_opening import similar_to_title
from monitor.extract.text_measures import Measure, TextStats
from monitor.extract.whitespace import normalized_length

_SHARE = re.compile(r"(?:\b|_)(?:share|sharedaddy)(?:\b|_)", re.I)  # Readability's "share" widgets


def clean_article(article: HtmlElement, flags: Flags, titles: tuple[str, str], stats: TextStats) -> None:
    """Drop what is inside the article but not policy text (widgets, link lists, form controls...).

    ``stats`` holds the scoring's measures: each change here forgets those it makes wrong, so that the
    conditional cleaning reads the rest instead of measuring the article again."""
    grids = keep_div_grids(article)
    for grid in grids:
        if grid.tag == "table":  # made a table: its rows are new
            stats.forget(grid)
    data_tables = {table for table in article.iter("table") if table in grids or is_data_table(table)}
    _clean_conditionally(article, ("form", "fieldset"), flags, (data_tables, grids), stats)
    _remove_all(article, ("object", "embed", "footer", "link", "aside", "iframe"), stats)
    _drop_title_headings(article, *titles, stats)
    for child in list(article):
        for element in list(child.iterdescendants()):
            raw = f"{element.get('class') or ''} {element.get('id') or ''}"  # utility tokens only take away
            if _SHARE.search(raw) and _SHARE.search(clutter_names(element)) and len(element.text_content()) < 500:
                _drop(element, stats)
    _keep_toggle_labels(article, stats)
    _remove_all(article, ("input", "textarea", "select", "button"), stats)
    if flags & Flags.WEIGHT_CLASSES:
        _remove_all(article, ("h1", "h2"), stats, lambda heading: class_weight(heading, flags) < 0)
    _clean_conditionally(article, ("table", "ul", "div"), flags, (data_tables, grids), stats)
    _remove_all(article, ("p",), stats, lambda p: not has_text(p) and p.find(".//img") is None)
    _remove_all(article, ("br",), stats, lambda br: not (br.tail or "").strip() and _next_is_paragraph(br))
    _unwrap_single_cell_tables(article)


def _drop(element: HtmlElement, stats: TextStats) -> None:
    stats.forget(element)
    drop(element)


def _keep_toggle_labels(article: HtmlElement, stats: TextStats) -> None:
    """An accordion's toggle button names the panel it opens: its label stays, as a bold line."""
    for button in list(article.iter("button")):
        if not is_disclosure_toggle(button):
            continue
        stats.forget(button)
        label = button.makeelement("strong", {})
        label.text = inner_text(button)
        for child in list(button):
            button.remove(child)
        for name in list(button.attrib):
            del button.attrib[name]
        button.tag, button.text = "p", None
        button.append(label)


def _next_is_paragraph(br: HtmlElement) -> bool:
    following = br.getnext()
    return following is not None and following.tag == "p"


def _remove_all(
    root: HtmlElement,
    tags: Iterable[str],
    stats: TextStats,
    condition: Callable[[HtmlElement], bool] | None = None,
) -> None:
    for element in list(root.iter(*tags)):
        if condition is None or condition(element):
            _drop(element, stats)


def _drop_title_headings(article: HtmlElement, title: str, article_title: str, stats: TextStats) -> None:
    """The page title is rendered apart: drop an ``h1`` (or a lone ``h2``) that repeats it.

    An ``h1`` that says something else is the page's own heading and stays."""
    for h1 in list(article.iter("h1")):
        if similar_to_title(inner_text(h1), title):
            _drop(h1, stats)

    h2s = list(article.iter("h2"))
    if len(h2s) == 1:
        heading = h2s[0].text_content()  # as is: a heading padded with whitespace does not match
        if article_title and abs(len(heading) - len(article_title)) / len(article_title) < 0.5:
            shorter, longer = sorted((heading, article_title), key=len)
            if shorter in longer:
                _drop(h2s[0], stats)


def _clean_conditionally(
    article: HtmlElement,
    tags: tuple[str, ...],
    flags: Flags,
    kept: tuple[set[HtmlElement], set[HtmlElement]],
    stats: TextStats,
) -> None:
    """Readability's conditional cleaning; ``kept``: the data tables, and the grids and all they hold."""
    data_tables, spared = kept
    candidates = [element for element in article.iter(*tags) if element is not article]
    if not flags & Flags.CLEAN_CONDITIONALLY or not candidates:
        return
    sheltered = spared | {inner for table in data_tables for inner in table.iterdescendants()}
    sheltered.update(inner for code in article.iter("code") for inner in code.iterdescendants())
    sheltered.update(wrapper for table in data_tables for wrapper in _wrappers(table, article))
    half = normalized_length(article.text_content()) / 2  # a name cannot outweigh half of it: "sidebar-layout"
    # Innermost first, so that each element is measured after what is dropped inside it.
    for element in reversed(candidates):
        if element in sheltered or element in data_tables:
            continue
        measure = stats.of(element)
        if measure.length <= half and _looks_like_clutter(element, flags, measure):
            _drop(element, stats)


def _wrappers(table: HtmlElement, article: HtmlElement) -> list[HtmlElement]:
    """The blocks around a data table that hold little else (scroll containers, figure frames)."""
    length = len(table.text_content())
    wrappers = []
    for ancestor in table.iterancestors():
        if ancestor is article or len(ancestor.text_content()) > length + 200:
            break
        wrappers.append(ancestor)
    return wrappers


def _looks_like_clutter(element: HtmlElement, flags: Flags, measure: Measure) -> bool:
    weight = class_weight(element, flags)
    if weight < 0:
        return True
    if measure.commas >= 10:
        return False
    paragraphs, images, embeds, length = measure.paragraphs, measure.images, measure.embeds, measure.length
    is_list = element.tag in ("ul", "ol")
    in_figure = any(True for _ in element.iterancestors("figure"))
    density = measure.link_density
    return (
        (images > 1 and paragraphs / images < 0.5 and not in_figure)
        or (not is_list and measure.items - 100 > paragraphs)
        or measure.inputs > paragraphs // 3
        or (not is_list and length < 25 and (images == 0 or images > 2) and not in_figure and not _is_heading(element))
        or (not is_list and weight < 25 and density > 0.2)
        or (weight >= 25 and density > 0.5)
        or (embeds == 1 and length < 75)
        or embeds > 1
    )


def _is_heading(element: HtmlElement) -> bool:
    """A block that holds a heading and little else (as Readability's heading density sees it)."""
    headings = sum(len(inner_text(heading)) for heading in element.iter("h1", "h2", "h3", "h4", "h5", "h6"))
    return headings > 0 and headings >= 0.9 * len(inner_text(element))


def _unwrap_single_cell_tables(article: HtmlElement) -> None:
    for table in list(article.iter("table")):
        rows = list(table.iter("tr"))
        if len(rows) != 1:
            continue
        cells = [cell for cell in rows[0] if cell.tag in ("td", "th")]
        if len(cells) != 1 or table.getparent() is None:
            continue
        cell = cells[0]
        cell.tag = "p" if all(is_phrasing(child) for child in cell) else "div"
        cell.tail = table.tail
        table.getparent().replace(table, cell)
