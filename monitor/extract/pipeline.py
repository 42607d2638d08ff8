"""HTML as served → policy text (title and Markdown body), and the reference format of a version.

The steps: refuse what is not a page (empty, too large, binary or PDF bytes); decode (BOM, the
Content-Type header, ``<meta>``, then detection); parse with lxml (wrappers nested deeper than browsers
allow are flattened by ``monitor.extract.deep_nesting``; element bombs are refused); take the title; drop scripts,
styles, embedded objects and hidden elements; find the main content (``monitor.extract.main_content``, or the
caller's CSS selectors); render it as Markdown (``monitor.extract.markdown``) the way the
Princeton-Leuven references do.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence

import soupsieve
from bs4 import BeautifulSoup, Tag
from bs4.dammit import EncodingDetector
from charset_normalizer import from_bytes
from lxml import etree
from lxml.html import HtmlComment, HtmlElement

from monitor.errors import NotExtractable
from monitor.extract.deep_nesting import flatten_deep_nesting
from monitor.extract.main_content import drop, find_main_content, inner_text, prepare_body
from monitor.extract.markdown import collapse_whitespace, render_markdown
from monitor.models import Document

EXTRACTOR_VERSION = "2"
MAX_HTML_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 512  # browsers' HTML parsers stop nesting at this depth too; beyond it lies only abuse
FLATTENED_DEPTH = 256  # deeper wrappers lose their tags (not their text); room is left for implied ones
MAX_ELEMENTS = 100_000  # long policy pages have a few thousand; 10^5 already take about 2 s to extract
# lxml.html picks each element's class in Python (forms, inputs...); one class for all, chosen in C,
# makes walking a big tree about a third faster.
_ELEMENT_CLASSES = etree.ElementDefaultClassLookup(element=HtmlElement, comment=HtmlComment)
_DEEPER_THAN_LIMIT = "boolean(" + "/*" * (MAX_DEPTH + 1) + ")"  # linear in C, unlike a Python walk

_JUNK_TAGS = (
    "script", "style", "noscript", "template", "iframe", "frame", "object", "embed", "applet",
    "svg", "canvas", "link", "meta", "base", "map", "audio", "video", "noframes",
)  # fmt: skip
_BINARY_SIGNATURES = (
    b"%PDF", b"%!PS", b"\x89PNG", b"GIF87a", b"GIF89a", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b",
    b"\xd0\xcf\x11\xe0", b"\x7fELF", b"RIFF", b"OggS", b"ID3", b"wOFF", b"{\\rtf",
)  # fmt: skip
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MARKUP = re.compile(rb"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.S | re.I)
_MULTIBYTE_CHAR = re.compile(r"[^\x00-\x7f\ufffd]")
_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?([^"';,\s]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Labels as browsers read them (WHATWG Encoding): Latin-1 and ASCII labels mean windows-1252, etc.
_LABEL_ALIASES = {
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
    "l1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252", "x-user-defined": "cp1252",
    "iso-8859-9": "cp1254", "latin5": "cp1254", "iso-8859-11": "cp874", "tis-620": "cp874",
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "big5": "big5hkscs",
    "shift_jis": "cp932", "sjis": "cp932", "x-sjis": "cp932", "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949", "utf8": "utf-8", "unicode": "utf-16",
}  # fmt: skip
_BINARY_CONTROL_RATIO = 0.05
_DETECTION_SAMPLE = 256 * 1024


def extract_document(
    html: bytes,
    *,
    content_type: str | None = None,
    select: Sequence[str] = (),
    remove: Sequence[str] = (),
) -> Document:
    """The title and main content (as Markdown) of an HTML page given as the bytes served.

    ``select``: CSS selectors whose matches, in document order, are the content (no detection);
    ``remove``: CSS selectors whose matches are dropped first. Raises ``NotExtractable`` for empty,
    oversized, binary or non-HTML input, framesets without alternative content, nesting too deep to
    flatten, more than ``MAX_ELEMENTS`` elements, selectors matching nothing, and pages without text;
    ``ValueError`` for invalid selectors.
    """
    _check_bytes(html, content_type)
    text = decode_html(html, content_type)
    if not text.strip():
        raise NotExtractable("empty")
    root = _parse(text)
    title = page_title(root)
    if select or remove:
        root = _parse(_apply_selectors(text, select, remove))
    body = _content_root(root)
    for element in list(body.iter(*_JUNK_TAGS)):
        drop(element)
    prepare_body(body)
    article = _without_title_heading(body, title) if select else find_main_content(body, title)
    markdown = render_markdown(article)
    if not re.search(r"\w", markdown):
        raise NotExtractable("no text")
    return Document(title=title, body=markdown)


def _check_bytes(data: bytes, content_type: str | None) -> None:
    if len(data) > MAX_HTML_BYTES:
        raise NotExtractable("too large")
    if not data.strip():
        raise NotExtractable("empty")
    head = data[:1024].lstrip()
    if head.startswith(b"%PDF"):
        raise NotExtractable("not html: pdf")
    if head.startswith(_BINARY_SIGNATURES):
        raise NotExtractable("not html: binary")
    if not _is_wide_text(data, content_type) and _looks_binary(data[:8192]):
        raise NotExtractable("not html: binary")


def _is_wide_text(data: bytes, content_type: str | None) -> bool:
    """UTF-16 or UTF-32, whose ASCII characters come with NUL bytes."""
    charset = _bom_encoding(data) or _declared_charset(content_type) or ""
    return charset.startswith(("utf-16", "utf-32"))


def _looks_binary(sample: bytes) -> bool:
    # A stray NUL deep in a page happens; NULs up front or in numbers, or many control bytes, do not.
    return (
        b"\x00" in sample[:1024]
        or sample.count(b"\x00") > len(sample) / 1000
        or len(_CONTROL_BYTES.findall(sample)) > len(sample) * _BINARY_CONTROL_RATIO
    )


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """The page as text: charset from a BOM, the Content-Type header, ``<meta>``, else detection.

    Mislabelled pages are common, and legacy text that happens to be valid UTF-8 is not: a declared
    legacy charset yields to UTF-8 when the non-ASCII bytes are all valid UTF-8, and a declared UTF-8
    yields to detection when none of them are.
    """
    encoding = _bom_encoding(data) or _declared_charset(content_type) or _meta_charset(data)
    if encoding is not None and not encoding.startswith("utf") and not data.isascii() and _is_utf8(data):
        encoding = "utf-8"
    if encoding == "utf-8" and not _is_utf8(data) and _no_utf8_sequences(data):
        encoding = None  # declared UTF-8, but not a single valid multi-byte character: a legacy charset
    if encoding is None:
        encoding = _detected_charset(data)
    text = data.decode(encoding, errors="replace")
    if len(_CONTROL_CHARS.findall(text[:8192])) > min(len(text), 8192) * _BINARY_CONTROL_RATIO:
        raise NotExtractable("not html: binary")
    return _CONTROL_CHARS.sub("", text.removeprefix("\ufeff"))


def _bom_encoding(data: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def _normalized_charset(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _LABEL_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _declared_charset(content_type: str | None) -> str | None:
    match = _CHARSET_PARAM.search(content_type or "")
    return _normalized_charset(match.group(1)) if match else None


def _meta_charset(data: bytes) -> str | None:
    encoding = _normalized_charset(EncodingDetector.find_declared_encoding(data, is_html=True))
    if encoding is not None and encoding.startswith(("utf-16", "utf-32")):
        return "utf-8"  # a page readable enough to find its <meta> is not UTF-16
    return encoding


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _no_utf8_sequences(data: bytes) -> bool:
    return _MULTIBYTE_CHAR.search(data.decode("utf-8", errors="replace")) is None


def _detected_charset(data: bytes) -> str:
    """UTF-8 when valid, else charset-normalizer's guess from the text (markup would dilute it).

    windows-1252, by far the most common legacy charset of the web, wins ties: on short Western text
    several single-byte charsets decode without a flaw, and the first of them is an arbitrary pick.
    """
    if data.isascii() or _is_utf8(data):
        return "utf-8"
    text = _MARKUP.sub(b" ", data[:_DETECTION_SAMPLE])
    results = from_bytes(text if not text.isascii() else data[:_DETECTION_SAMPLE])
    best = results.best()
    if best is None:
        return "cp1252"
    tied = {_normalized_charset(match.encoding) for match in results if match.chaos <= best.chaos + 0.01}
    if "cp1252" in tied:
        return "cp1252"
    return _normalized_charset(best.encoding) or "cp1252"


def _parse(text: str) -> HtmlElement:
    """The page as an lxml tree; nesting deeper than ``MAX_DEPTH`` is flattened first."""
    root, too_deep = _parse_once(text)
    if too_deep:
        root, too_deep = _parse_once(flatten_deep_nesting(text, FLATTENED_DEPTH))
        if too_deep:
            raise NotExtractable("nesting too deep")
    if _estimated_elements(text) > MAX_ELEMENTS and root.xpath("count(//*)") > MAX_ELEMENTS:
        raise NotExtractable("too many elements")
    return root


def _parse_once(text: str) -> tuple[HtmlElement, bool]:
    """The tree, and whether it is deeper than ``MAX_DEPTH`` (libxml2 gives up past 2048 levels)."""
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True)
    parser.set_element_class_lookup(_ELEMENT_CLASSES)
    try:
        root = etree.fromstring(text.encode("utf-8", errors="replace"), parser=parser)
    except etree.LxmlError as error:
        raise NotExtractable("no text") from error
    if root is None:
        raise NotExtractable("no text")
    gave_up = any("depth" in entry.message.lower() for entry in parser.error_log)
    return root, gave_up or bool(root.xpath(_DEEPER_THAN_LIMIT))


def _estimated_elements(text: str) -> int:
    # An upper bound (start tags in scripts count too), cheap enough to spare most pages an exact count.
    return text.count("<") - text.count("</") - text.count("<!")


def page_title(root: HtmlElement) -> str:
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
        body = _parse(f"<html><body>{alternative}</body></html>").find("body")
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
