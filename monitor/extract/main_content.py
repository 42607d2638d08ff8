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
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Iterator
from enum import IntFlag

from lxml import etree
from lxml.html import HtmlElement

from monitor.extract.markdown import collapse_whitespace, is_data_table, normalized_text
from monitor.extract.text_measures import Measure, TextStats

CHAR_THRESHOLD = 500  # an article shorter than this is retried with fewer heuristics
TOP_CANDIDATES = 5
MAX_SCORED_ANCESTORS = 5

_UNLIKELY = re.compile(
    r"-ad-|ai2html|banner|breadcrumb|combx|comment|community|cover-wrap|disqus|extra|footer|gdpr|"
    r"header|legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|"
    r"supplemental|ad-break|agegate|pagination|pager|popup|yom-remote|navbar|navigation|"
    r"(?:^|[\s_-])nav(?:$|[\s_-])|share-?(?:bar|box|buttons?|links?|this|tools?|icons?)|addthis|skip-?link",
    re.I,
)
_MAYBE_CANDIDATE = re.compile(r"and|article|body|column|content|main|shadow", re.I)
_POSITIVE = re.compile(
    r"article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story",
    re.I,
)
_NEGATIVE = re.compile(
    r"-ad-|hidden|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|foot|footer|footnote|gdpr|"
    r"masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|"
    r"shopping|tags|tool|widget",
    re.I,
)
_COOKIE = re.compile(r"cookie|consent|gdpr|ccpa|onetrust|cybot", re.I)
_NOTICE = re.compile(r"banner|bar\b|notice|popup|modal|overlay|dialog|alert|message|law|consent|warning", re.I)
_UNLIKELY_ROLES = frozenset(
    {"menu", "menubar", "complementary", "navigation", "alert", "alertdialog", "dialog", "search"}
)
_UNLIKELY_TAGS = frozenset({"nav", "aside", "footer"})
_SENTENCE_END = re.compile(r"\.( |$)")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_TITLE_SEPARATOR = re.compile(r" [|\-\\/>»] ")
_SHARE = re.compile(r"(?:\b|_)(?:share|sharedaddy)(?:\b|_)", re.I)  # Readability's "share" widgets

_TAGS_TO_SCORE = ("section", "h2", "h3", "h4", "h5", "h6", "p", "td", "pre")
_DIV_TO_P_BLOCKS = frozenset(
    {"blockquote", "dl", "div", "img", "ol", "p", "pre", "table", "ul", "section", "article", "form", "select"}
)
_PHRASING = frozenset(
    {
        "abbr", "audio", "b", "bdo", "br", "button", "cite", "code", "data", "datalist", "dfn", "em",
        "embed", "i", "img", "input", "kbd", "label", "mark", "math", "meter", "noscript", "object",
        "output", "progress", "q", "ruby", "samp", "script", "select", "small", "span", "strong",
        "sub", "sup", "textarea", "time", "var", "wbr", "font", "u", "s", "strike", "tt", "big",
    }
)  # fmt: skip
_KEPT_ARTICLE_TAGS = frozenset({"div", "article", "section", "p", "pre"})
_BASE_SCORES = {
    "div": 5, "pre": 3, "td": 3, "blockquote": 3,
    "address": -3, "ol": -3, "ul": -3, "dl": -3, "dd": -3, "dt": -3, "li": -3, "form": -3,
    "h1": -5, "h2": -5, "h3": -5, "h4": -5, "h5": -5, "h6": -5, "th": -5,
}  # fmt: skip


class Flags(IntFlag):
    STRIP_UNLIKELY = 1
    WEIGHT_CLASSES = 2
    CLEAN_CONDITIONALLY = 4


ALL_FLAGS = Flags.STRIP_UNLIKELY | Flags.WEIGHT_CLASSES | Flags.CLEAN_CONDITIONALLY


def inner_text(element: HtmlElement) -> str:
    return normalized_text(element.text_content())


def has_text(element: HtmlElement) -> bool:
    """Whether ``inner_text(element)`` is not empty, reading only as far as the first word."""
    return any(normalized_text(chunk) for chunk in element.itertext())


def drop(element: HtmlElement) -> None:
    """Remove ``element`` and its content, keeping the text that follows it."""
    if element.getparent() is not None:
        element.drop_tree()


def find_main_content(body: HtmlElement, title: str) -> HtmlElement:
    """The policy part of a prepared ``<body>`` as a new ``<div>`` (the body is not modified)."""
    titles = (title, readable_title(title, body))
    attempts: list[tuple[int, HtmlElement]] = []
    for flags in (ALL_FLAGS, ALL_FLAGS & ~Flags.STRIP_UNLIKELY, Flags.CLEAN_CONDITIONALLY, Flags(0)):
        article = _grab_article(copy.deepcopy(body), flags, titles)
        length = len(inner_text(article))
        if length >= CHAR_THRESHOLD:
            return article
        attempts.append((length, article))
    return max(attempts, key=lambda attempt: attempt[0])[1]


def prepare_body(body: HtmlElement) -> None:
    """Page-wide clean-up before scoring: hidden elements, ``<br><br>`` runs as paragraphs."""
    _drop_hidden(body)
    for font in body.iter("font"):
        font.tag = "span"
    _replace_double_breaks(body)


def _drop_hidden(body: HtmlElement) -> None:
    """Drop hidden elements, unless they hold half the page: hiding that much is a script's doing."""
    stats = TextStats()  # measured before any drop: a hidden element is visited before what it holds
    doomed = []
    walker = etree.iterwalk(body, events=("start",))
    for _, element in walker:
        if element is not body and _is_hidden(element) and stats.of(element).length < stats.of(body).length / 2:
            doomed.append(element)
            walker.skip_subtree()
    for element in doomed:
        drop(element)


def _is_hidden(element: HtmlElement) -> bool:
    style = element.get("style")
    return (
        (style is not None and _HIDDEN_STYLE.search(style) is not None)
        or element.get("hidden") is not None
        or element.get("aria-hidden") == "true"
    )


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
        while following is not None and _is_phrasing(following) and not _starts_break_run(following):
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


def _is_phrasing(element: HtmlElement) -> bool:
    if element.tag in _PHRASING:
        return True
    if element.tag in ("a", "del", "ins"):
        return all(_is_phrasing(child) for child in element)
    return False


def _match_string(element: HtmlElement) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}"


def _class_weight(element: HtmlElement, flags: Flags) -> int:
    if not flags & Flags.WEIGHT_CLASSES:
        return 0
    weight = 0
    for name in (element.get("class"), element.get("id")):
        if name:
            weight -= 25 if _NEGATIVE.search(name) else 0
            weight += 25 if _POSITIVE.search(name) else 0
    return weight


def _link_density(element: HtmlElement) -> float:
    length = len(inner_text(element))
    if not length:
        return 0.0
    linked = 0.0
    for link in element.iter("a"):
        coefficient = 0.3 if (link.get("href") or "").startswith("#") else 1.0
        linked += len(inner_text(link)) * coefficient
    return linked / length


def _is_unlikely(element: HtmlElement) -> bool:
    """Navigation, menus, footers, sidebars, banners, sharing widgets, cookie notices."""
    tag = element.tag
    if tag in ("body", "a") or tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
        return False
    if tag in _UNLIKELY_TAGS or element.get("role") in _UNLIKELY_ROLES:
        return True
    if tag == "header" and next(element.iterancestors("article", "main"), None) is None:
        return len(inner_text(element)) < 300 or _link_density(element) > 0.5  # the site's, not the text's
    names = _match_string(element)
    if _is_cookie_notice(element, names):
        return True
    if _UNLIKELY.search(names) is None or _MAYBE_CANDIDATE.search(names) is not None:
        return False
    return not _reads_like_a_section(element)


def _reads_like_a_section(element: HtmlElement) -> bool:
    """A titled run of prose: what a policy section named "social-media" or "comments" looks like."""
    if next(element.iterdescendants("h2", "h3", "h4", "h5", "h6"), None) is None:
        return False
    return len(inner_text(element)) >= 500 and _link_density(element) < 0.2


def _is_cookie_notice(element: HtmlElement, names: str) -> bool:
    # A policy's own "cookies" section also carries such names: require the banner's shape too.
    if _COOKIE.search(names) is None:
        return False
    return _NOTICE.search(names) is not None and len(inner_text(element)) < 1500


def _strip_unlikely(body: HtmlElement) -> None:
    doomed = []
    shelters: list[HtmlElement] = []  # open tables and code: names inside them are not trusted
    walker = etree.iterwalk(body, events=("start", "end"))
    for event, element in walker:
        if event == "end":
            if shelters and shelters[-1] is element:
                shelters.pop()
        elif not shelters and element is not body and _is_unlikely(element):
            doomed.append(element)
            walker.skip_subtree()
        elif element.tag in ("table", "code", "pre"):
            shelters.append(element)
    for element in doomed:
        drop(element)


def _paragraphize_divs(body: HtmlElement) -> None:
    """Divs holding only inline content become paragraphs; loose inline runs in others get wrapped."""
    for div in list(body.iter("div")):
        if div.getparent() is None:
            continue
        if _holds_one_paragraph(div) and _link_density(div) < 0.25:
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
        if _is_phrasing(child):
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
    return not any(_is_phrasing(child) for child in children)


def _remove_empty_paragraphs(div: HtmlElement) -> None:
    for candidate in div.findall("p"):
        if not has_text(candidate) and candidate.find(".//img") is None:
            div.remove(candidate)


def _ancestors(element: HtmlElement, limit: int) -> Iterator[HtmlElement]:
    for level, ancestor in enumerate(element.iterancestors()):
        if level >= limit:
            return
        yield ancestor


def _score_candidates(body: HtmlElement, flags: Flags) -> dict[HtmlElement, float]:
    scores: dict[HtmlElement, float] = {}
    stats = TextStats()
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
                scores[ancestor] = _BASE_SCORES.get(ancestor.tag, 0) + _class_weight(ancestor, flags)
            scores[ancestor] += points / (1 if level == 0 else 2 if level == 1 else level * 3)
    for candidate in scores:
        scores[candidate] *= 1 - stats.of(candidate).link_density
    return scores


def _pick_top(body: HtmlElement, scores: dict[HtmlElement, float], flags: Flags) -> HtmlElement:
    ranked = sorted(scores, key=scores.__getitem__, reverse=True)[:TOP_CANDIDATES]
    if not ranked or ranked[0] is body:
        wrapper = body.makeelement("div", {})
        wrapper.text, body.text = body.text, None
        for child in list(body):
            wrapper.append(child)
        body.append(wrapper)
        scores[wrapper] = _BASE_SCORES["div"] + _class_weight(wrapper, flags)
        return wrapper
    top = _common_ancestor_of_close_candidates(ranked[0], ranked[1:], scores, body)
    if top not in scores:
        scores[top] = _BASE_SCORES.get(top.tag, 0) + _class_weight(top, flags)
    top = _climb_while_scores_rise(top, scores, body)
    while top.getparent() is not body and len(top.getparent()) == 1:
        top = top.getparent()
    if top not in scores:
        scores[top] = _BASE_SCORES.get(top.tag, 0) + _class_weight(top, flags)
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


def _assemble(top: HtmlElement, scores: dict[HtmlElement, float]) -> HtmlElement:
    """The top candidate with those of its siblings that score close to it or read like prose."""
    article = top.makeelement("div", {})
    top_score = scores.get(top, 0.0)
    threshold = max(10.0, top_score * 0.2)
    parent = top.getparent()
    siblings = list(parent) if parent is not None else [top]
    for sibling in siblings:
        if sibling is top or _sibling_belongs(sibling, top, scores, threshold):
            sibling.tail = None
            if sibling.tag not in _KEPT_ARTICLE_TAGS:
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
    density = _link_density(sibling)
    if len(text) > 80:
        return density < 0.25
    return 0 < len(text) < 80 and density == 0 and _SENTENCE_END.search(text) is not None


def _grab_article(body: HtmlElement, flags: Flags, titles: tuple[str, str]) -> HtmlElement:
    if flags & Flags.STRIP_UNLIKELY:
        _strip_unlikely(body)
    _paragraphize_divs(body)
    scores = _score_candidates(body, flags)
    top = _pick_top(body, scores, flags)
    article = _assemble(top, scores)
    _clean_article(article, flags, titles)
    return article


def _clean_article(article: HtmlElement, flags: Flags, titles: tuple[str, str]) -> None:
    """Drop what is inside the article but not policy text (widgets, link lists, form controls...)."""
    data_tables = {table for table in article.iter("table") if is_data_table(table)}
    _clean_conditionally(article, ("form", "fieldset"), flags, data_tables)
    _remove_all(article, ("object", "embed", "footer", "link", "aside", "iframe"))
    _drop_title_headings(article, *titles)
    for child in list(article):
        for element in list(child.iterdescendants()):
            if _SHARE.search(_match_string(element)) and len(element.text_content()) < 500:
                drop(element)
    _remove_all(article, ("input", "textarea", "select", "button"))
    if flags & Flags.WEIGHT_CLASSES:
        _remove_all(article, ("h1", "h2"), lambda heading: _class_weight(heading, flags) < 0)
    _clean_conditionally(article, ("table", "ul", "div"), flags, data_tables)
    _remove_all(article, ("p",), lambda p: not has_text(p) and p.find(".//img") is None)
    _remove_all(article, ("br",), lambda br: not (br.tail or "").strip() and _next_is_paragraph(br))
    _unwrap_single_cell_tables(article)


def _next_is_paragraph(br: HtmlElement) -> bool:
    following = br.getnext()
    return following is not None and following.tag == "p"


def _remove_all(root: HtmlElement, tags: Iterable[str], condition: Callable[[HtmlElement], bool] | None = None) -> None:
    for element in list(root.iter(*tags)):
        if condition is None or condition(element):
            drop(element)


def _drop_title_headings(article: HtmlElement, title: str, article_title: str) -> None:
    """The page title is rendered apart: drop an ``h1`` (or a lone ``h2``) that repeats it."""
    h1s = list(article.iter("h1"))
    for h1 in h1s:
        if len(h1s) == 1 or _similar_to_title(inner_text(h1), title):
            drop(h1)
    h2s = list(article.iter("h2"))
    if len(h2s) == 1:
        heading = h2s[0].text_content()  # as is: a heading padded with whitespace does not match
        if article_title and abs(len(heading) - len(article_title)) / len(article_title) < 0.5:
            shorter, longer = sorted((heading, article_title), key=len)
            if shorter in longer:
                drop(h2s[0])


def _similar_to_title(heading: str, title: str) -> bool:
    title_tokens = re.split(r"\W+", title.lower())
    heading_tokens = [token for token in re.split(r"\W+", heading.lower()) if token]
    if not heading_tokens or not title:
        return False
    unknown = [token for token in heading_tokens if token not in title_tokens]
    return 1 - len(" ".join(unknown)) / len(" ".join(heading_tokens)) > 0.75


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


def _clean_conditionally(
    article: HtmlElement, tags: tuple[str, ...], flags: Flags, data_tables: set[HtmlElement]
) -> None:
    if not flags & Flags.CLEAN_CONDITIONALLY:
        return
    sheltered = {inner for table in data_tables for inner in table.iterdescendants()}
    sheltered.update(inner for code in article.iter("code") for inner in code.iterdescendants())
    # Innermost first, so that each element is measured after what is dropped inside it.
    stats = TextStats()
    for element in reversed(list(article.iter(*tags))):
        if element is article or element in sheltered or element in data_tables:
            continue
        if _looks_like_clutter(element, flags, stats.of(element)):
            drop(element)


def _looks_like_clutter(element: HtmlElement, flags: Flags, measure: Measure) -> bool:
    weight = _class_weight(element, flags)
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
        or (not is_list and length < 25 and (images == 0 or images > 2) and not in_figure)
        or (not is_list and weight < 25 and density > 0.2)
        or (weight >= 25 and density > 0.5)
        or (embeds == 1 and length < 75)
        or embeds > 1
    )


def _unwrap_single_cell_tables(article: HtmlElement) -> None:
    for table in list(article.iter("table")):
        rows = list(table.iter("tr"))
        if len(rows) != 1:
            continue
        cells = [cell for cell in rows[0] if cell.tag in ("td", "th")]
        if len(cells) != 1 or table.getparent() is None:
            continue
        cell = cells[0]
        cell.tag = "p" if all(_is_phrasing(child) for child in cell) else "div"
        cell.tail = table.tail
        table.getparent().replace(table, cell)
