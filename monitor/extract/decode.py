"""Bytes as served → text: the charset from a BOM, the Content-Type header, ``<meta>``, else detection."""

from __future__ import annotations

import codecs
import re

from bs4.dammit import EncodingDetector
from charset_normalizer import from_bytes

from monitor.errors import NotExtractable

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])  # those of _CONTROL_CHARS
# Encodings in which a control character can only come from the same byte (others make them of other bytes,
# EBCDIC for one, or of byte pairs, UTF-16 for one).
_CONTROLS_ONLY_AS_ASCII = frozenset({"utf-8", "utf-8-sig", "cp1252"})
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
BINARY_CONTROL_RATIO = 0.05  # more control characters than this: not text
_DETECTION_SAMPLE = 256 * 1024


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """The page as text: charset from a BOM, the Content-Type header, ``<meta>``, else detection.

    Mislabelled pages are common, and legacy text that happens to be valid UTF-8 is not: a declared
    legacy charset yields to UTF-8 when the non-ASCII bytes are all valid UTF-8, and a declared UTF-8
    yields to detection when none of them are.
    """
    encoding = bom_encoding(data) or declared_charset(content_type) or _meta_charset(data)
    if encoding is not None and not encoding.startswith("utf") and not data.isascii() and _is_utf8(data):
        encoding = "utf-8"
    if encoding == "utf-8" and not _is_utf8(data) and _no_utf8_sequences(data):
        encoding = None  # declared UTF-8, but not a single valid multi-byte character: a legacy charset
    if encoding is None:
        encoding = _detected_charset(data)
    text = data.decode(encoding, errors="replace")
    if len(_CONTROL_CHARS.findall(text[:8192])) > min(len(text), 8192) * BINARY_CONTROL_RATIO:
        raise NotExtractable("not html: binary")
    text = text.removeprefix("\ufeff")
    if encoding in _CONTROLS_ONLY_AS_ASCII and len(data.translate(None, _CONTROL_BYTES)) == len(data):
        return text  # no control byte, hence no control character: the bytes are checked much faster
    return _CONTROL_CHARS.sub("", text)


def bom_encoding(data: bytes) -> str | None:
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


def declared_charset(content_type: str | None) -> str | None:
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
