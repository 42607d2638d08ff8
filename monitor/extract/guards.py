"""The guards against hostile pages: what is refused before and while parsing.

Before decoding: empty or oversized input, PDF and other binary signatures, bytes full of NULs and control
codes. While parsing: nesting deeper than browsers allow (flattened by ``monitor.extract.deep_nesting``
first, refused when that is not enough) and element bombs. Each refusal is a ``NotExtractable``.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlComment, HtmlElement

from monitor.errors import NotExtractable
from monitor.extract.decode import BINARY_CONTROL_RATIO, bom_encoding, declared_charset
from monitor.extract.deep_nesting import flatten_deep_nesting

MAX_HTML_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 512  # browsers' HTML parsers stop nesting at this depth too; beyond it lies only abuse
FLATTENED_DEPTH = 256  # deeper wrappers lose their tags (not their text); room is left for implied ones
MAX_ELEMENTS = 100_000  # long policy pages have a few thousand; 10^5 already take about 2 s to extract
# lxml.html picks each element's class in Python (forms, inputs...); one class for all, chosen in C,
# makes walking a big tree about a third faster.
_ELEMENT_CLASSES = etree.ElementDefaultClassLookup(element=HtmlElement, comment=HtmlComment)
_DEEPER_THAN_LIMIT = "boolean(" + "/*" * (MAX_DEPTH + 1) + ")"  # linear in C, unlike a Python walk

_BINARY_SIGNATURES = (
    b"%PDF", b"%!PS", b"\x89PNG", b"GIF87a", b"GIF89a", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b",
    b"\xd0\xcf\x11\xe0", b"\x7fELF", b"RIFF", b"OggS", b"ID3", b"wOFF", b"{\\rtf",
)  # fmt: skip
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def check_bytes(data: bytes, content_type: str | None) -> None:
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
    charset = bom_encoding(data) or declared_charset(content_type) or ""
    return charset.startswith(("utf-16", "utf-32"))


def _looks_binary(sample: bytes) -> bool:
    # A stray NUL deep in a page happens; NULs up front or in numbers, or many control bytes, do not.
    return (
        b"\x00" in sample[:1024]
        or sample.count(b"\x00") > len(sample) / 1000
        or len(_CONTROL_BYTES.findall(sample)) > len(sample) * BINARY_CONTROL_RATIO
    )


def parse_page(text: str) -> HtmlElement:
    """The page as an lxml tree; nesting deeper than ``MAX_DEPTH`` is flattened first."""
    root, too_deep = _parse_once(text)
    if too_deep:
        root, too_deep = _parse_once(flatten_deep_nesting(text, FLATTENED_DEPTH))
        if too_deep:
            raise NotExtractable("nesting too deep")
    # Both counts must exceed the limit; libxml2 counts the tree's elements faster than the text's tags are.
    if root.xpath("count(//*)") > MAX_ELEMENTS and _estimated_elements(text) > MAX_ELEMENTS:
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
    # The start tags written, scripts' included: a page past the limit only by elements the parser implied passes.
    return text.count("<") - text.count("</") - text.count("<!")
