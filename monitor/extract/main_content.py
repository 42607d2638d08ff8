"""Main-content detection: which part of a page is the policy.

A readability-style scorer over lxml trees, modelled on Mozilla Readability (whose choices the
Princeton-Leuven references reflect). Paragraph-like blocks (``p``, ``td``, ``pre``, sections, headings,
and ``div`` holding only inline content) score by length and commas; each credits its ancestors, less
the further up they are; a container's score is discounted by its link density. The best container,
with those of its siblings that score close to it or read like prose, is the article, which is then
cleaned: forms, lists, tables and ``div`` blocks that look like navigation, widgets or link farms go.
Before scoring, ``nav``/``aside``/``footer``, the site's ``header`` and elements whose class, id or role
name them menus, navigation, footers, sidebars, banners, sharing widgets or cookie notices are dropped;
when what remains is too short, the page is tried again with fewer heuristics and the longest wins.

The steps live in ``page_preparation`` (before any attempt), ``boilerplate`` (dropped before scoring),
``candidate_scoring`` and ``article_cleanup``; the signals they read in ``content_signals``.
"""

from __future__ import annotations

import copy
import re

from lxml.html import HtmlElement

from monitor.extract.article_cleanup import clean_article
from monitor.extract.boilerplate import strip_unlikely
from monitor.extract.candidate_scoring import assemble_article, pick_top, score_candidates
from monitor.extract.content_signals import ALL_FLAGS, Flags, inner_text
from monitor.extract.page_preparation import paragraphize_divs
from monitor.extract.text_measures import TextStats
from monitor.extract.whitespace import collapse_whitespace, normalized_length

CHAR_THRESHOLD = 500  # an article shorter than this is retried with fewer heuristics
_TITLE_SEPARATOR = re.compile(r" [|\-\\/>»] ")


def find_main_content(body: HtmlElement, title: str) -> HtmlElement:
    """The policy part of a prepared ``<body>`` as a new ``<div>`` (the body is not modified)."""
    titles = (title, readable_title(title, body))
    attempts: list[tuple[int, HtmlElement]] = []
    for flags in (ALL_FLAGS, ALL_FLAGS & ~Flags.STRIP_UNLIKELY, Flags.CLEAN_CONDITIONALLY, Flags(0)):
        article = _grab_article(copy.deepcopy(body), flags, titles)
        length = normalized_length(article.text_content())
        if length >= CHAR_THRESHOLD:
            return article
        attempts.append((length, article))
    return max(attempts, key=lambda attempt: attempt[0])[1]


def _grab_article(body: HtmlElement, flags: Flags, titles: tuple[str, str]) -> HtmlElement:
    if flags & Flags.STRIP_UNLIKELY:
        strip_unlikely(body)
    paragraphize_divs(body)
    stats = TextStats()
    scores = score_candidates(body, flags, stats)
    top = pick_top(body, scores, flags, stats)
    article = assemble_article(top, scores, titles[0], stats)
    clean_article(article, flags, titles, stats)
    return article


def readable_title(title: str, root: HtmlElement) -> str:
    """The title without a site name on either side of a separator (as readers display it)."""
    current = title
    hierarchical = False
    if _TITLE_SEPARATOR.search(title):
        hierarchical = re.search(r" [\\/>»] ", title) is not None
        current = re.sub(r"(.*)[|\-\\/>»] .*", r"\1", title)
        if _word_count(current) < 3:
            current = re.sub(r"[^|\-\\/>»]*[|\-\\/>»](.*)", r"\1", title)
    elif ": " in title:
        headings = {inner_text(h) for h in root.iter("h1", "h2")}
        if title.strip() not in headings:
            current = title[title.rfind(":") + 1 :]
            if _word_count(current) < 3:
                current = title[title.find(":") + 1 :]
            elif _word_count(title[: title.find(":")]) > 5:
                current = title
    elif len(title) > 150 or len(title) < 15:
        h1s = list(root.iter("h1"))
        if len(h1s) == 1:
            current = inner_text(h1s[0])
    current = collapse_whitespace(current).strip()
    words = _word_count(current)
    if words <= 4 and (not hierarchical or words != _word_count(re.sub(r"[|\-\\/>»]+", "", title)) - 1):
        current = title
    return current


def _word_count(text: str) -> int:
    return len(re.split(r"\s+", text))
