"""A small SURT-like URL canonicaliser (docs/wayback.md#cdx-query, FS-2).

Our own, because the `surt` package is AGPL. It folds what the archive folds: scheme, case, a leading
``www\\d*.``, the default port, a trailing slash and the order of query arguments.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

_WWW = re.compile(r"^www\d*\.")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_ENCODED_SCHEME = re.compile(r"^https?%3a", re.IGNORECASE)


def with_scheme(url: str) -> str:
    """``url`` with ``http://`` added when it has no scheme, as the archive assumes."""
    url = url.strip()
    return url if _SCHEME.match(url) else f"http://{url}"


def decode_original(url: str) -> str:
    """Undo the ``http%3A//…`` form that playback URLs may use (docs/wayback.md#raw-mode)."""
    return unquote(url) if _ENCODED_SCHEME.match(url) else url


def host_key(url: str) -> str:
    """The reversed, comma-joined host (plus any non-default port), e.g. ``com,example``."""
    parts = urlsplit(with_scheme(url))
    host = _WWW.sub("", (parts.hostname or "").lower().rstrip("."))
    key = ",".join(reversed(host.split("."))) if host else ""
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        key += f":{port}"
    return key


def bare_host(url: str) -> str:
    """The lower-cased host without ``www\\d*.``."""
    return _WWW.sub("", (urlsplit(with_scheme(url)).hostname or "").lower().rstrip("."))


def urlkey(url: str) -> str:
    """The SURT-like key: ``surt("http://www.Archive.org:80/goo/?b&a=2&a=1") == "org,archive)/goo?a=1&a=2&b"``."""
    parts = urlsplit(with_scheme(url))
    path = parts.path.rstrip("/") or "/"
    query = "&".join(sorted(parts.query.split("&"))) if parts.query else ""
    return f"{host_key(url)}){path}{'?' + query if query else ''}".lower()
