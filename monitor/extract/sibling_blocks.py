"""A policy split over a column of sibling blocks: gathered whole, the calls to action between them left out.

Pages built from components (Next.js, Squarespace, AEM) put each section, or each paragraph, in a block
of its own, several wrappers deep: the best-scoring block is then only part of the policy. Its
ancestor takes its place when what the ancestor adds is prose (two paragraphs or more, few links) and
a good part of the policy (at least ``SIBLING_SHARE`` of what is held so far), not a copyright line.
The blocks gathered that way may hold the site's banners and sign-up boxes: short blocks without a
paragraph of prose that ask the reader to do something (a form, a button, a link standing alone) go.
"""

from __future__ import annotations

from lxml.html import HtmlElement

from monitor.extract.content_signals import drop, inner_text
from monitor.extract.text_measures import TextStats

MAX_CLIMB = 4  # levels above the best block, each adding text, where the rest of a split policy is looked for
SIBLING_SHARE = 0.3
_CALL_TO_ACTION_LENGTH = 300
_PROSE_LENGTH = 150
_CONTROLS = ("form", "input", "button", "select", "textarea")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def climb_over_sibling_blocks(top: HtmlElement, body: HtmlElement, stats: TextStats) -> HtmlElement:
    """The ancestor of ``top`` that holds the rest of the policy (``top`` itself if none does)."""
    current = top
    doomed: list[HtmlElement] = []  # dropped once the climb is over: the measures hold until then
    while (found := _ancestor_adding_prose(current, body, stats)) is not None:
        doomed += _calls_to_action(found, current)
        current = found
    for block in doomed:
        stats.forget(block)
        drop(block)
    return current


def _ancestor_adding_prose(current: HtmlElement, body: HtmlElement, stats: TextStats) -> HtmlElement | None:
    held = stats.of(current)
    levels = 0  # that add text: wrappers that add none are free (builders nest a dozen of them)
    for ancestor in current.iterancestors():
        if ancestor is body or levels == MAX_CLIMB:
            return None
        whole = stats.of(ancestor)
        added = whole.length - held.length
        if added <= 0:
            continue
        levels += 1
        if (whole.links - held.links) / added >= 0.2:
            return None
        if added >= SIBLING_SHARE * held.length and whole.paragraphs - held.paragraphs >= 2:
            return ancestor
    return None


def _calls_to_action(container: HtmlElement, held: HtmlElement) -> list[HtmlElement]:
    """The blocks the climb to ``container`` adds beside the path to ``held`` that only call to action."""
    path = {held, *held.iterancestors()}
    level = next(ancestor for ancestor in (held, *held.iterancestors()) if ancestor.getparent() is container)
    return [block for block in container if block is not level and block not in path and _calls_to_act(block)]


def _calls_to_act(block: HtmlElement) -> bool:
    if not isinstance(block.tag, str) or len(inner_text(block)) >= _CALL_TO_ACTION_LENGTH:
        return False
    if any(len(inner_text(paragraph)) >= _PROSE_LENGTH for paragraph in block.iter("p", "li")):
        return False
    if next(block.iter(*_CONTROLS), None) is not None:
        return True
    return any(_stands_alone(link) for link in block.iter("a"))


def _stands_alone(link: HtmlElement) -> bool:
    """A link that is the whole of its line, as a button is, not a link inside a sentence."""
    parent = link.getparent()
    return parent is not None and parent.tag not in _HEADINGS and inner_text(parent) == inner_text(link) != ""
