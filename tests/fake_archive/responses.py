"""Replies the fake archive sends, with bodies and headers copied from the recordings in
../shared/corpus/wayback/ (docs/wayback.md#recordings, #excluded-sites, #rate-limit-429)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from http import HTTPStatus

Headers = tuple[tuple[str, str], ...]

RATE_LIMIT_BODY = (
    b"<html><body><h1>429 Too Many Requests</h1>\n"
    b"You have sent too many requests in a given amount of time.\n</body></html>"
)
BLOCKED_SITE_ERROR = (
    "org.archive.util.io.RuntimeIOException: org.archive.wayback.exception.AdministrativeAccessControlException: "
    "Blocked Site Error"
)
ROBOTS_ERROR = (
    "org.archive.util.io.RuntimeIOException: org.archive.wayback.exception.RobotAccessControlException: "
    "Blocked By Robots"
)


@dataclass(frozen=True)
class Reply:
    """One HTTP answer; ``compress`` gzips the body when the client accepts gzip (FS-3, FS-20)."""

    status: int
    body: bytes = b""
    headers: Headers = ()
    reason: str | None = None
    chunked: bool = False
    compress: bool = False


def rate_limited(extra: Headers = ()) -> Reply:
    """The nginx 429 page; no ``Retry-After`` unless the caller adds one (docs/wayback.md#rate-limit-429)."""
    headers = (("Content-Type", "text/html"), ("Cache-Control", "no-cache"), ("X-ts", "429"), *extra)
    return Reply(429, RATE_LIMIT_BODY, headers, chunked=True)


def server_error(status: int, extra: Headers = ()) -> Reply:
    """An nginx-style error page such as ``504 Gateway Time-out`` (docs/wayback.md#errors)."""
    if status == 429:
        return rate_limited(extra)
    phrase = "Gateway Time-out" if status == 504 else _phrase(status)
    body = (
        f"<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    ).encode()
    return Reply(status, body, (("Content-Type", "text/html"), ("X-ts", str(status)), *extra), reason=phrase)


def blocked_cdx() -> Reply:
    """Example C: a taken-down site's CDX answer (docs/wayback.md#excluded-sites, FS-11)."""
    headers = (
        ("Content-Type", "text/plain;charset=UTF-8"),
        ("X-Archive-Wayback-Runtime-Error", BLOCKED_SITE_ERROR),
        ("X-ts", "403"),
    )
    return Reply(403, (BLOCKED_SITE_ERROR + "\n").encode(), headers, chunked=True, compress=True)


def robots_blocked_cdx() -> Reply:
    """A site excluded by robots.txt: ``403`` and the RobotAccessControlException line
    (docs/wayback.md#excluded-sites)."""
    headers = (
        ("Content-Type", "text/plain;charset=UTF-8"),
        ("X-Archive-Wayback-Runtime-Error", ROBOTS_ERROR),
        ("X-ts", "403"),
    )
    return Reply(403, (ROBOTS_ERROR + "\n").encode(), headers, chunked=True, compress=True)


def robots_blocked_playback(url: str) -> Reply:
    """Playback of a robots-excluded site: ``403`` with the runtime-error header
    (docs/wayback.md#excluded-sites, FS-19)."""
    error = '<div id="error">\n<h2>Sorry.</h2>\n<p>Page cannot be displayed due to robots.txt.</p>\n</div>\n'
    reply = _wayback_page(403, "Forbidden", error, url)
    extra = (("X-Archive-Wayback-Runtime-Error", "RobotAccessControlException: Blocked By Robots"),)
    return Reply(reply.status, reply.body, reply.headers + extra, reply.reason, reply.chunked, reply.compress)


def bad_query(message: str) -> Reply:
    headers = (("Content-Type", "text/plain;charset=UTF-8"), ("X-ts", "400"))
    return Reply(400, (message + "\n").encode(), headers)


def not_archived(url: str) -> Reply:
    """A never-archived URL: ``404 NOT FOUND`` and the "Hrm." page, no Memento-Datetime (FS-18)."""
    link = html.escape(url)
    error = (
        '<div id="error">\n<h2>Hrm.</h2>\n<p>The Wayback Machine has not archived that URL.</p>\n'
        "    <p>Click here to search for all archived pages under\n"
        f'      <a href="/web/*/{link}*">{link}</a>.\n    </p>\n</div>\n'
    )
    return _wayback_page(404, "NOT FOUND", error, url)


def excluded(url: str) -> Reply:
    """An excluded site's playback: ``200`` with the "Sorry." page, no Memento-Datetime (FS-19)."""
    error = (
        '<div id="error">\n\t      <h2>Sorry.</h2>\n'
        "\t      <p>This URL has been excluded from the Wayback Machine.</p>\n</div>\n"
    )
    return _wayback_page(200, None, error, url)


def _wayback_page(status: int, reason: str | None, error: str, url: str = "") -> Reply:
    body = (
        '<!DOCTYPE html>\n<html lang="en">\n  <head>\n    <title>Wayback Machine</title>\n  </head>\n  <body>\n'
        '    <div id="positionHome">\n<div id="searchHome">\n'
        '\t      <form name="form1" method="get" action="/web/submit">\n'
        f'\t\t<input type="text" name="url" value="{html.escape(url)}" size="40">\n\t      </form>\n\t    </div>\n'
        f"{error}    </div>\n  </body>\n</html>\n"
    ).encode()
    headers = (("Content-Type", "text/html; charset=utf-8"), ("X-ts", str(status)))
    return Reply(status, body, headers, reason=reason, chunked=True, compress=True)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
