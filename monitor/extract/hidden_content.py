"""Hidden means hidden to every reader: what a page hides goes before scoring, with two exceptions.

``hidden``, ``display:none``, ``visibility:hidden`` and ``aria-hidden="true"`` hide an element from
sighted readers and screen readers alike: a menu, a modal, the copy of the policy in another language.
Two kinds of hidden text are still the page's text for every reader:

- a disclosure's panel (an accordion, a "read more"): the element a toggle controls (its id named by
  ``aria-controls``) or that follows one (a ``button``, ``summary`` or ``aria-expanded`` element); it is
  one click away, and screen readers announce the toggle. A tab's panel is not: tabs show one of several
  alternatives (the policy in another language), as responsive variants do;
- the page itself hidden until a script runs: a hidden element holding half the page or more while
  little of the page (under a quarter) shows without it.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

from monitor.extract.content_signals import drop
from monitor.extract.text_measures import TextStats
from monitor.extract.whitespace import normalized_length

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# Elements carrying a hiding attribute, in document order, found by libxml2 rather than a Python walk.
_MAYBE_HIDDEN = etree.XPath("descendant::*/@style | descendant::*/@hidden | descendant::*/@aria-hidden")
# A tab's panel is one of several alternatives (another language, another plan): its hiding stands.
_CONTROLLED = etree.XPath("descendant::*[not(@role='tab')]/@aria-controls")
_TOGGLES = frozenset({"button", "summary"})
_NOT_PANELS = frozenset({"tabpanel", "dialog", "alertdialog", "menu", "navigation"})  # what a toggle opens
_PANEL = 80  # what a toggle opens holds prose, not another label
_VISIBLE_SHARE = 0.25  # less than this much of the page showing: the page waits for a script


def drop_hidden(body: HtmlElement) -> None:
    """Drop what the page hides, but disclosure panels and a page hidden until its script runs."""
    found = _hidden_elements(body)
    if not found:
        return
    page_length = normalized_length(body.text_content())
    outermost = [length for element, length, inside in found if not inside]
    visible = page_length - sum(outermost)
    controlled = {value for attribute in _CONTROLLED(body) for value in str(attribute).split()}
    doomed: list[HtmlElement] = []
    for element, length, _ in found:
        if doomed and _is_inside(element, doomed[-1]):
            continue
        if _is_panel(element, controlled):
            continue
        if length >= page_length / 2 and visible < _VISIBLE_SHARE * page_length:
            continue
        doomed.append(element)
    for element in doomed:
        drop(element)


def _hidden_elements(body: HtmlElement) -> list[tuple[HtmlElement, int, bool]]:
    """Each hidden element in document order, its text length, and whether an earlier one holds it."""
    found: list[tuple[HtmlElement, int, bool]] = []
    # Measured by text_content() until an element is met inside another: from then on by TextStats, so that
    # nested hidden elements do not read the same text level by level.
    stats: TextStats | None = None
    seen: set[HtmlElement] = set()
    previous = body
    for element in (attribute.getparent() for attribute in _MAYBE_HIDDEN(body)):
        if element is previous or not _is_hidden(element):
            previous = element
            continue  # its second hiding attribute, or an attribute that does not hide
        previous = element
        inside = any(ancestor in seen for ancestor in element.iterancestors())
        if inside and stats is None:
            stats = TextStats()  # nothing is dropped before all are measured
        length = stats.of(element).length if stats is not None else normalized_length(element.text_content())
        found.append((element, length, inside))
        seen.add(element)
    return found


def _is_hidden(element: HtmlElement) -> bool:
    style = element.get("style")
    return (
        (style is not None and _HIDDEN_STYLE.search(style) is not None)
        or element.get("hidden") is not None
        or element.get("aria-hidden") == "true"
    )


def _is_panel(element: HtmlElement, controlled: set[str]) -> bool:
    """A disclosure's panel: controlled by a toggle, or right after one; never a tab's panel."""
    if element.get("role") in _NOT_PANELS or element.get("aria-modal") == "true" or _holds_navigation(element):
        return False
    if element.get("id") in controlled:
        return True
    toggle = element.getprevious()
    while toggle is not None and not isinstance(toggle.tag, str):
        toggle = toggle.getprevious()
    if toggle is None:
        return False
    if toggle.get("role") in ("tab", "tablist"):
        return False
    return toggle.tag in _TOGGLES or toggle.get("aria-expanded") is not None or toggle.get("role") == "button"


def _holds_navigation(element: HtmlElement) -> bool:
    """A menu drawer: what a hamburger button opens is navigation, not the policy."""
    return next(element.iter("nav"), None) is not None or any(
        child.get("role") in ("navigation", "menu") for child in element.iterdescendants()
    )


def is_disclosure_toggle(element: HtmlElement) -> bool:
    """A button (or ``summary``, or ``aria-expanded`` element) followed by the panel of prose it opens; a
    toggle alone in its own wrapper counts its wrapper's next block as its panel."""
    if element.tag not in _TOGGLES and element.get("aria-expanded") is None:
        return False
    panel = element.getnext()
    holder = element.getparent()
    if panel is None and holder is not None and len(holder) == 1:
        panel = holder.getnext()
    return panel is not None and panel.tag not in _TOGGLES and normalized_length(panel.text_content()) >= _PANEL


def _is_inside(element: HtmlElement, container: HtmlElement) -> bool:
    return any(ancestor is container for ancestor in element.iterancestors())
