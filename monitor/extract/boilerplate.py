"""Boilerplate dropped before scoring: navigation, menus, footers, sidebars, banners, sharing widgets,
cookie notices, the site's header.

Named by tag, ARIA role, or class and id; a titled run of prose keeps its place whatever its names say,
and names inside tables and code are not trusted.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

from monitor.extract.class_names import clutter_classes, clutter_id
from monitor.extract.content_signals import drop, inner_text, link_density
from monitor.extract.hidden_content import is_disclosure_toggle
from monitor.extract.policy_opening import is_heading_block

_UNLIKELY = re.compile(
    r"-ad-|ai2html|banner|breadcrumb|combx|comment|community|cover-wrap|disqus|extra|footer|gdpr|"
    r"header|legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|"
    r"supplemental|ad-break|agegate|pagination|pager|popup|yom-remote|navbar|navigation|"
    r"(?:^|[\s_-])nav(?:$|[\s_-])|share-?(?:bar|box|buttons?|links?|this|tools?|icons?)|addthis|skip-?link",
    re.I,
)
_MAYBE_CANDIDATE = re.compile(r"and|article|body|column|content|main|shadow", re.I)
_COOKIE = re.compile(r"cookie|consent|gdpr|ccpa|onetrust|cybot", re.I)
_NOTICE = re.compile(r"banner|bar\b|notice|popup|modal|overlay|dialog|alert|message|law|consent|warning", re.I)
_UNLIKELY_ROLES = frozenset(
    {"menu", "menubar", "complementary", "navigation", "alert", "alertdialog", "dialog", "search"}
)
_UNLIKELY_TAGS = frozenset({"nav", "aside", "footer"})
_HEADER = re.compile(r"header", re.I)
_SENTENCE = re.compile(r"[.!?。](?:\s|$)")
_INTRO_LENGTH = 150  # a site header's tagline is shorter than a paragraph of the policy


def strip_unlikely(body: HtmlElement) -> None:
    doomed = []
    verdicts: dict[
        tuple[str, str], tuple[bool, bool, bool]
    ] = {}  # pages repeat their class and id names: each is searched once
    shelters: list[HtmlElement] = []  # open tables and code: names inside them are not trusted
    walker = etree.iterwalk(body, events=("start", "end"))
    for event, element in walker:
        if event == "end":
            if shelters and shelters[-1] is element:
                shelters.pop()
        elif not shelters and element is not body and _is_unlikely(element, verdicts):
            doomed.append(element)
            walker.skip_subtree()
        elif element.tag in ("table", "code", "pre"):
            shelters.append(element)
    for element in doomed:
        drop(element)


def _is_unlikely(element: HtmlElement, verdicts: dict[tuple[str, str], tuple[bool, bool, bool]]) -> bool:
    """Navigation, menus, footers, sidebars, banners, sharing widgets, cookie notices.

    ``verdicts``: what ``_name_signals`` said of the class-and-id strings met so far.
    """
    tag = element.tag
    if tag in ("body", "a") or tag in ("h1", "h2", "h3", "h4", "h5", "h6") or is_disclosure_toggle(element):
        return False  # a heading or an accordion's toggle names the policy's text, whatever its class says
    if tag in _UNLIKELY_TAGS or element.get("role") in _UNLIKELY_ROLES:
        return True
    if tag == "header" and next(element.iterancestors("article", "main"), None) is None:
        if _holds_a_paragraph(element) and link_density(element) < 0.2:
            return False  # the page's header with the policy's title and intro, not the site's
        return len(inner_text(element)) < 300 or link_density(element) > 0.5  # the site's, not the text's
    key = (element.get("class") or "", clutter_id(element))
    signals = verdicts.get(key)
    if signals is None:
        signals = verdicts[key] = _name_signals(f"{clutter_classes(key[0])} {key[1]}")
    cookie_names, unlikely_names, only_header = signals
    if cookie_names and len(inner_text(element)) < 1500:
        return True
    if not unlikely_names:
        return False
    if only_header and (_holds_a_paragraph(element) or _is_a_heading(element)):
        return False  # the policy's own header block (its title, its intro), or a section's (Notion's)
    return not _reads_like_a_section(element)


def _reads_like_a_section(element: HtmlElement) -> bool:
    """A titled run of prose: what a policy section named "social-media" or "comments" looks like."""
    if next(element.iterdescendants("h2", "h3", "h4", "h5", "h6"), None) is None:
        return False
    return len(inner_text(element)) >= 500 and link_density(element) < 0.2


def _is_a_heading(element: HtmlElement) -> bool:
    """A block that is a heading, not a link to the home page: a section's header, not the site's."""
    return is_heading_block(element) and link_density(element) == 0


def _holds_a_paragraph(element: HtmlElement) -> bool:
    for block in element.iter("p", "div"):
        text = inner_text(block)
        if len(text) >= _INTRO_LENGTH and _SENTENCE.search(text) and link_density(block) < 0.2:
            return True
    return False


def _name_signals(names: str) -> tuple[bool, bool, bool]:
    """Whether class and id name a cookie notice, whether they name boilerplate (see ``_is_unlikely``), and
    whether "header" is the only such name."""
    # A policy's own "cookies" section also carries such names: the banner's shape is required too.
    cookie = _COOKIE.search(names) is not None and _NOTICE.search(names) is not None
    unlikely = _UNLIKELY.search(names) is not None and _MAYBE_CANDIDATE.search(names) is None
    only_header = _UNLIKELY.search(_HEADER.sub("", names)) is None
    return cookie, unlikely, only_header
