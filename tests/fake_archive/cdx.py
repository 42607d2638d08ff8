"""The CDX query engine behind ``GET /cdx/search/cdx`` (docs/wayback.md#cdx-query, FS-1..FS-10)."""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote_plus, unquote_plus

from tests.fake_archive.store import CDX_FIELDS, FakeCapture
from tests.fake_archive.urlkey import bare_host, host_key, urlkey

SERVER_MAX_LIMIT = 150_000  # the 2013 doc's configured cap (docs/wayback.md#cdx-query)
ROBOTS_ERROR_LINE = (
    "org.archive.util.io.RuntimeIOException: org.archive.wayback.exception.RobotAccessControlException: "
    "Blocked By Robots"
)

Row = dict[str, str]


class CdxError(Exception):
    """A query the server refuses with ``400``."""


@dataclass(frozen=True)
class RowFilter:
    """``filter=[!]field:regex`` (full match) or ``filter=~[!]field:substring``."""

    field: str
    pattern: str
    negate: bool
    contains: bool

    def accepts(self, row: Row) -> bool:
        value = row[self.field]
        hit = self.pattern in value if self.contains else re.fullmatch(self.pattern, value) is not None
        return hit != self.negate


@dataclass(frozen=True)
class ResumePoint:
    """Where a resume key says the next page starts."""

    urlkey: str
    timestamp: str
    inclusive: bool  # style (a) keys hold the last timestamp plus one, so they start *at* the key

    def admits(self, capture: FakeCapture) -> bool:
        here, there = (capture.urlkey, capture.timestamp), (self.urlkey, self.timestamp)
        return here >= there if self.inclusive else here > there


@dataclass(frozen=True)
class CdxQuery:
    """A parsed CDX query string."""

    url: str
    match_type: str
    from_ts: str
    to_ts: str
    limit: int | None
    offset: int
    filters: tuple[RowFilter, ...]
    collapses: tuple[tuple[str, int | None], ...]
    fields: tuple[str, ...]
    json: bool
    show_resume_key: bool
    resume: ResumePoint | None
    gzip: bool

    @classmethod
    def parse(cls, params: dict[str, list[str]]) -> CdxQuery:
        """Validate and parse the query parameters; raise ``CdxError`` for a 400."""
        one = {name: values[-1] for name, values in params.items()}
        url = one.get("url", "").strip()
        if not url:
            raise CdxError('The "url" parameter is required')
        if "page" in one or "showNumPages" in one:
            raise CdxError("Pagination is not supported for this query")  # FS-12: we have no zipnum index
        url, match_type = _match_type(url, one.get("matchType", "exact"))
        return cls(
            url=url,
            match_type=match_type,
            from_ts=_bound(one.get("from", ""), "0"),
            to_ts=_bound(one.get("to", ""), "9"),
            limit=_int(one["limit"], "limit") if one.get("limit") else None,
            offset=max(_int(one.get("offset", "0"), "offset"), 0),
            filters=tuple(_row_filter(value) for value in params.get("filter", [])),
            collapses=tuple(_collapse(value) for value in params.get("collapse", [])),
            fields=_fields(one.get("fl", "")),
            json=one.get("output", "").lower() == "json",
            show_resume_key=one.get("showResumeKey", "").lower() == "true",
            resume=decode_resume_key(one["resumeKey"]) if one.get("resumeKey") else None,
            gzip=one.get("gzip", "true").lower() != "false",
        )

    def key_matcher(self) -> Callable[[str], bool]:
        """A predicate over URL keys for this query's ``matchType``."""
        if self.match_type == "exact":
            wanted = urlkey(self.url)
            return lambda key: key == wanted
        if self.match_type == "prefix":
            stem = urlkey(self.url)
            return lambda key: key.startswith(stem)
        host = host_key(self.url)
        if self.match_type == "host":
            return lambda key: key.startswith(host + ")")
        return lambda key: key.startswith(host + ")") or key.startswith(host + ",")


@dataclass(frozen=True)
class CdxOptions:
    """The instance switches that shape a CDX answer."""

    duplicate_rows: bool = False
    malformed_rows: bool = False
    resume_key_style: str = "a"
    trailing_empty_page: bool = False
    text_content_type: str = "text/plain;charset=UTF-8"


@dataclass(frozen=True)
class CdxAnswer:
    body: bytes
    content_type: str


def answer(query: CdxQuery, captures: Sequence[FakeCapture], options: CdxOptions) -> CdxAnswer:
    """Run ``query`` over ``captures`` (sorted by urlkey, timestamp) and format the body."""
    selected = [c for c in captures if query.from_ts <= c.timestamp <= query.to_ts]
    if query.resume is not None:
        selected = [c for c in selected if query.resume.admits(c)]
    if options.duplicate_rows:
        selected = [c for c in selected for _ in range(_copies(c))]
    rows = [row for row in (c.cdx_fields() for c in selected) if all(f.accepts(row) for f in query.filters)]
    rows = _collapse_rows(rows, query.collapses)[query.offset :]
    page, key = _paginate(rows, query, options)
    extra = _malformed_rows(query, page) if options.malformed_rows and page and query.resume is None else []
    if query.json:
        return CdxAnswer(_json_body(query.fields, page, extra, key), "application/json")
    return CdxAnswer(_text_body(query.fields, page, extra, key), options.text_content_type)


def encode_resume_key(row: Row, style: str) -> str:
    """Style (a) 2020-23 or (b) 2026 (FS-5)."""
    ts = row["timestamp"]
    if style == "b":
        packed = zlib.compress(f"{row['urlkey']} {ts}".encode())
        return base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")
    return quote_plus(f"{row['urlkey']} {ts[:-1]}{chr(ord(ts[-1]) + 1)}")


def decode_resume_key(raw: str) -> ResumePoint:
    """Accept a key single- or double-percent-encoded, in either style (docs/wayback.md#resume-keys)."""
    text = raw if " " in raw else unquote_plus(raw)
    if " " in text:
        key, _, ts = text.rpartition(" ")
        return ResumePoint(key, ts, inclusive=True)
    try:
        key, _, ts = zlib.decompress(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))).decode().rpartition(" ")
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError) as exc:
        raise CdxError(f"Bad resumeKey {raw!r}") from exc
    return ResumePoint(key, ts, inclusive=False)


def _paginate(rows: list[Row], query: CdxQuery, options: CdxOptions) -> tuple[list[Row], str | None]:
    """Apply ``limit``; name a resume key when the page is cut (FS-5) or merely full (FS-6 switch)."""
    limit = query.limit if query.limit is not None else SERVER_MAX_LIMIT
    if limit < 0:
        return rows[limit:], None
    page = rows[:limit]
    if not query.show_resume_key or not page or len(rows) < limit:
        return page, None
    last = (page[-1]["urlkey"], page[-1]["timestamp"])
    more = any((row["urlkey"], row["timestamp"]) > last for row in rows[limit:])
    if more or (options.trailing_empty_page and len(page) == limit):
        return page, encode_resume_key(page[-1], options.resume_key_style)
    return page, None


def _collapse_rows(rows: list[Row], collapses: tuple[tuple[str, int | None], ...]) -> list[Row]:
    """``collapse=field[:N]``: drop a row whose field prefix equals the previous row's; adjacent only."""
    for name, width in collapses:
        kept: list[Row] = []
        for row in rows:
            if not kept or kept[-1][name][:width] != row[name][:width]:
                kept.append(row)
        rows = kept
    return rows


def _copies(capture: FakeCapture) -> int:
    """2 or 3, fixed per capture so that paging is repeatable (FS-4)."""
    return 2 + (sum(capture.digest.encode()) + int(capture.timestamp)) % 2


def _malformed_rows(query: CdxQuery, page: list[Row]) -> list[str]:
    """Real malformed lines (../shared/corpus/wayback/*_cdx.txt) rewritten for the queried URL (FS-10)."""
    first = page[0]
    key, original, host = first["urlkey"], first["original"], bare_host(first["original"])
    surt_host = key.split(")", 1)[0]
    lines = [
        f"{key} 20000012170449 {original} text/html 200 RT4WYWDBYOFDEIJ2ZI2HD5UMT7UH7LRC 6566",
        f"{key} 20000800241623 {original} text/html 200 PAJWSPCRQMVBTYWV4NPJPNDQHKWJC3OO 6177",
        " ".join([*(first[name] for name in CDX_FIELDS[:-1]), "-"]),
        f"{surt_host})/ 20200418140810 http://mailto:privacy@{host}/ unk 301 3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ 324",
        f'{surt_host})/"data:image/jpeg;base64,/9j/4aaqskzjrgabagaazabkaad 20200418174447 '
        f"https://{host}/%22data:image/jpeg;base64,/9j/4AAQSkZJRgABAgAAZABkAAD text/html 404 "
        "6FGR5HLVBLYQ6VTX44EDCY5EXGHDEJIS 15471",
        f"{key} {first['timestamp']} some/not/even/url/thing text/html 200 X2TRC5YOLWHW7YKTFSLAEELR3IZAQUSB 20887",
        " ".join([*(first[name] for name in CDX_FIELDS), "-", "extra"]),
    ]
    return lines if query.json else [*lines, ROBOTS_ERROR_LINE]


def _text_body(fields: tuple[str, ...], page: list[Row], extra: list[str], key: str | None) -> bytes:
    lines = [" ".join(row[name] for name in fields) for row in page]
    lines[1:1] = extra  # after the first real row, where a parser cannot mistake them for a header
    text = "".join(line + "\n" for line in lines)
    return (text + (f"\n{key}\n" if key else "")).encode()


def _json_body(fields: tuple[str, ...], page: list[Row], extra: list[str], key: str | None) -> bytes:
    if not page:
        return b"[]\n"
    rows: list[list[str]] = [list(fields), *([row[name] for name in fields] for row in page)]
    rows[2:2] = [_project(line.split(" "), fields) for line in extra]
    if key:
        rows += [[], [key]]
    return ("[" + ",\n".join(json.dumps(row) for row in rows) + "]\n").encode()


def _project(values: list[str], fields: tuple[str, ...]) -> list[str]:
    by_name = dict(zip(CDX_FIELDS, values, strict=False))
    return [by_name.get(name, "") for name in fields] + values[len(CDX_FIELDS) :]


def _match_type(url: str, given: str) -> tuple[str, str]:
    """Apply the ``/*`` and ``*.`` shorthands (docs/wayback.md#cdx-query)."""
    if url.endswith("*"):
        return url[:-1], "prefix"
    if url.startswith("*."):
        return url[2:], "domain"
    if given not in ("exact", "prefix", "host", "domain"):
        raise CdxError(f"Unknown matchType {given!r}")
    return url, given


def _bound(value: str, pad: str) -> str:
    """A 1-14 digit bound padded to 14 digits; ``from`` pads low, ``to`` pads high."""
    if not value:
        return pad * 14
    if not re.fullmatch(r"\d{1,14}", value):
        raise CdxError(f"Bad timestamp bound {value!r}")
    return value.ljust(14, pad)


def _int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise CdxError(f"Bad {name} {value!r}") from exc


def _row_filter(value: str) -> RowFilter:
    contains = value.startswith("~")
    body = value[1:] if contains else value
    negate = body.startswith("!")
    name, sep, pattern = (body[1:] if negate else body).partition(":")
    if not sep or name not in CDX_FIELDS:
        raise CdxError(f"Bad filter {value!r}")
    if not contains:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise CdxError(f"Bad filter regex {pattern!r}") from exc
    return RowFilter(name, pattern, negate, contains)


def _collapse(value: str) -> tuple[str, int | None]:
    name, _, width = value.partition(":")
    if name not in CDX_FIELDS:
        raise CdxError(f"Bad collapse {value!r}")
    return name, _int(width, "collapse") if width else None


def _fields(value: str) -> tuple[str, ...]:
    if not value:
        return CDX_FIELDS
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = [name for name in names if name not in CDX_FIELDS]
    if unknown:
        raise CdxError(f"Unknown fl field(s) {unknown}")
    return names
