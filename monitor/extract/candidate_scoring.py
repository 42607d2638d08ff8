"""Candidate scoring: which container holds the article, and which of its siblings belong with it.

Paragraph-like blocks score by length and commas and credit their ancestors, less the further up they
are; a container's score is discounted by its link density (Mozilla Readability's scheme).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml.html import HtmlElement

from monitor.extract.content_signals import Flags, class_weight, inner_text, link_density
from monitor.extract.policy_opening import head_matter
from monitor.extract.sibling_blocks import climb_over_sibling_blocks
from monitor.extract.text_measures import TextStats

TOP_CANDIDATES = 5
MAX_SCORED_ANCESTORS = 5
_SENTENCE_END = re.compile(r"\.( |$)")
_TAGS_TO_SCORE = ("section", "h2", "h3", "h4", "h5", "h6", "p", "td", "pre")
_KEPT_ARTICLE_TAGS = frozenset({"div", "article", "section", "p", "pre"})
_BASE_SCORES = {
    "div": 5, "pre": 3, "td": 3, "blockquote": 3,
    "address": -3, "ol": -3, "ul": -3, "dl": -3, "dd": -3, "dt": -3, "li": -3, "form": -3,
    "h1": -5, "h2": -5, "h3": -5, "h4": -5, "h5": -5, "h6": -5, "th": -5,
}  # fmt: skip


def _ancestors(element: HtmlElement, limit: int) -> Iterator[HtmlElement]:
    for level, ancestor in enumerate(element.iterancestors()):
        if level >= limit:
            return
        yield ancestor


def score_candidates(body: HtmlElement, flags: Flags, stats: TextStats) -> dict[HtmlElement, float]:
    """Each container's score; ``stats`` measures the body, which must not change until ``pick_top``."""
    scores: dict[HtmlElement, float] = {}
    stats.of(body)  # measures everything in one walk; nothing changes while scoring
    for element in body.iter(*_TAGS_TO_SCORE):
        measure = stats.of(element)
        if measure.length < 25:
            continue
        points = 2 + measure.commas + min(measure.length // 100, 3)
        for level, ancestor in enumerate(_ancestors(element, MAX_SCORED_ANCESTORS)):
            if ancestor.tag == "html":
                continue  # never the article
            if ancestor not in scores:
                scores[ancestor] = _BASE_SCORES.get(ancestor.tag, 0) + class_weight(ancestor, flags)
            scores[ancestor] += points / (1 if level == 0 else 2 if level == 1 else level * 3)
    for candidate in scores:
        scores[candidate] *= 1 - stats.of(candidate).link_density
    return scores


def pick_top(body: HtmlElement, scores: dict[HtmlElement, float], flags: Flags, stats: TextStats) -> HtmlElement:
    ranked = sorted(scores, key=scores.__getitem__, reverse=True)[:TOP_CANDIDATES]
    if not ranked or ranked[0] is body:
        wrapper = body.makeelement("div", {})
        wrapper.text, body.text = body.text, None
        for child in list(body):
            wrapper.append(child)
        body.append(wrapper)
        scores[wrapper] = _BASE_SCORES["div"] + class_weight(wrapper, flags)
        return wrapper
    top = _common_ancestor_of_close_candidates(ranked[0], ranked[1:], scores, body)
    if top not in scores:
        scores[top] = _BASE_SCORES.get(top.tag, 0) + class_weight(top, flags)
    top = _climb_while_scores_rise(top, scores, body)
    top = climb_over_sibling_blocks(top, body, stats)
    while top.getparent() is not body and len(top.getparent()) == 1:
        top = top.getparent()
    if top not in scores:
        scores[top] = _BASE_SCORES.get(top.tag, 0) + class_weight(top, flags)
    return top


def _common_ancestor_of_close_candidates(
    top: HtmlElement, others: list[HtmlElement], scores: dict[HtmlElement, float], body: HtmlElement
) -> HtmlElement:
    """When three or more runners-up score close to the top and share an ancestor with it, use that."""
    close = [other for other in others if scores[other] / max(scores[top], 1e-9) >= 0.75]
    if len(close) < 3:
        return top
    ancestor_sets = [set(other.iterancestors()) for other in close]
    parent = top.getparent()
    while parent is not None and parent is not body:
        if sum(parent in ancestors for ancestors in ancestor_sets) >= 3:
            return parent
        parent = parent.getparent()
    return top


def _climb_while_scores_rise(top: HtmlElement, scores: dict[HtmlElement, float], body: HtmlElement) -> HtmlElement:
    last = scores.get(top, 0.0)
    threshold = last / 3
    parent = top.getparent()
    while parent is not None and parent is not body:
        if parent not in scores:
            parent = parent.getparent()
            continue
        if scores[parent] < threshold:
            break
        if scores[parent] > last:
            return parent
        last = scores[parent]
        parent = parent.getparent()
    return top


def assemble_article(top: HtmlElement, scores: dict[HtmlElement, float], title: str, stats: TextStats) -> HtmlElement:
    """The top candidate with those of its siblings that score close to it or read like prose, and what
    opens the policy before it (``policy_opening``); ``stats`` is kept valid for what it moves."""
    article = top.makeelement("div", {})
    top_score = scores.get(top, 0.0)
    threshold = max(10.0, top_score * 0.2)
    parent = top.getparent()
    siblings = list(parent) if parent is not None else [top]
    head = head_matter(top, title)
    for block in head:
        if block.getparent() is not parent:  # a level up, beside the top's parent
            block.tail = None
            article.append(block)
    for sibling in siblings:
        if sibling is top or sibling in head or _sibling_belongs(sibling, top, scores, threshold):
            sibling.tail = None
            if sibling.tag not in _KEPT_ARTICLE_TAGS:
                stats.forget(sibling)  # a link's measure counts its own text as linked
                sibling.tag = "div"
            article.append(sibling)
    return article


def _sibling_belongs(
    sibling: HtmlElement, top: HtmlElement, scores: dict[HtmlElement, float], threshold: float
) -> bool:
    bonus = 0.0
    if sibling.get("class") and sibling.get("class") == top.get("class"):
        bonus = scores.get(top, 0.0) * 0.2
    if sibling in scores and scores[sibling] + bonus >= threshold:
        return True
    if sibling.tag != "p":
        return False
    text = inner_text(sibling)
    density = link_density(sibling)
    if len(text) > 80:
        return density < 0.25
    return 0 < len(text) < 80 and density == 0 and _SENTENCE_END.search(text) is not None
