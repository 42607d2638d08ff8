"""Which of an element's class names say what it is, and which only say how it looks.

Readability's name heuristics read words such as "hidden", "scroll", "header" or "sidebar" in class
names as signs of clutter. Utility-first CSS (Tailwind, used by most Next.js, Nuxt and SvelteKit
sites of 2023–2026) writes layout into class names instead: ``overflow-hidden`` clips a box,
``scroll-mt-header-h`` offsets an anchor below a sticky header, ``ease-curve-sidebar`` names an easing
curve, ``hidden md:block`` shows a block from the medium breakpoint on. Read as names, these drop the
policy tables and whole columns of the policy. ``clutter_names`` is what is left once such utility
tokens are set aside; only the clutter heuristics read it (a positive name is rarely a utility).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from lxml.html import HtmlElement

# A variant prefix (``md:``, ``hover:``), an arbitrary value (``[..]``), a fraction or an important
# marker only occur in utility classes; so does a property prefix followed by a value.
_UTILITY_TOKEN = re.compile(
    r"(?<!\S)(?:\S*[:\[\]()/@!]\S*|-?(?:overflow|overscroll|scroll|transition|duration|ease|delay|animate|"
    r"z|inset|top|bottom|left|right|p[xytblrse]?|m[xytblrse]?|[wh]|min-[wh]|max-[wh]|size|gap|space|"
    r"text|font|leading|tracking|bg|border|rounded|shadow|ring|outline|opacity|grid-cols|col-span|"
    r"row-span|flex|basis|grow|shrink|order|items|justify|self|place|object|aspect|cursor|select|"
    r"fill|stroke|decoration|whitespace|break|line-clamp|translate|rotate|scale|origin|backdrop|"
    r"blur|divide)-\S+|(?:no-)?scrollbar(?:-\S+)?)(?!\S)"
)
# ``hidden`` beside a breakpoint that shows the block again is one copy of a responsive pair, not
# hidden content (Tailwind: ``hidden md:block`` for wide screens, ``md:hidden`` for narrow ones).
_SHOWN_AT_A_BREAKPOINT = re.compile(
    r"(?<!\S)[a-z0-9-]+:(?:block|flex|grid|inline|inline-block|inline-flex|table|contents)(?!\S)"
)
_BARE_HIDDEN = re.compile(r"(?<!\S)hidden(?!\S)")
_ID_WORDS = re.compile(r"[-_]+")
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def clutter_names(element: HtmlElement, *, with_id: bool = True) -> str:
    """The element's class (utility tokens set aside) and id, as the clutter heuristics read them."""
    classes = clutter_classes(element.get("class") or "")
    return f"{classes} {clutter_id(element)}" if with_id else classes


def clutter_classes(classes: str) -> str:
    """A class attribute without its utility tokens."""
    if not classes:
        return classes
    if _SHOWN_AT_A_BREAKPOINT.search(classes):
        classes = _BARE_HIDDEN.sub("", classes)
    return _UTILITY_TOKEN.sub("", classes)


def clutter_id(element: HtmlElement) -> str:
    """The element's id, unless it is an anchor made of its own heading ("how-we-share-your-data"):
    such ids say what a section is about, as its heading does, not what kind of widget it is."""
    identifier = element.get("id") or ""
    heading = element.tag in _HEADINGS  # a heading is never a widget: any slug of its own words goes
    if not identifier or (not heading and identifier.count("-") + identifier.count("_") < 2):
        return identifier  # one or two words on a block: a name, not a heading's slug
    words = [word for word in _ID_WORDS.split(unquote(identifier).casefold()) if word]  # slugs are often %-encoded
    if len(words) < (1 if heading else 3):
        return identifier
    leading = " ".join(_first_texts(element)).casefold()
    return "" if all(word in leading for word in words) else identifier


def _first_texts(element: HtmlElement) -> list[str]:
    texts: list[str] = []
    for text in element.itertext():
        texts.append(text)
        if sum(map(len, texts)) > 300:
            break
    return texts
