from __future__ import annotations

import json

from monitor.cdx import parse_cdx, repair_timestamp
from tests.corpus import WAYBACK

HEADER = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]


def row(ts: str, digest: str = "AAAA", original: str = "http://example.org/privacy") -> list[str]:
    return ["org,example)/privacy", ts, original, "text/html", "200", digest, "1234"]


def test_json_rows_become_captures_oldest_first() -> None:
    body = json.dumps([HEADER, row("20150101000000", "A"), row("20160101000000", "B")]).encode()
    page = parse_cdx(body)
    assert [c.timestamp for c in page.captures] == ["20150101000000", "20160101000000"]
    assert page.captures[0].status == 200 and page.captures[0].digest == "A"


def test_json_resume_key_is_read_after_the_empty_row() -> None:
    body = json.dumps([HEADER, row("20150101000000"), [], ["opaque-key"]]).encode()
    page = parse_cdx(body)
    assert page.resume_key == "opaque-key"
    assert len(page.captures) == 1


def test_an_empty_body_means_no_captures() -> None:
    assert parse_cdx(b"").captures == []
    assert parse_cdx(b"[]").captures == []


def test_identical_adjacent_rows_are_folded() -> None:
    body = json.dumps([HEADER, row("20150101000000"), row("20150101000000"), row("20150101000000")]).encode()
    assert len(parse_cdx(body).captures) == 1


def test_real_malformed_lines_are_skipped_and_counted() -> None:
    page = parse_cdx((WAYBACK / "malformed_cdx.txt").read_bytes())
    assert page.skipped >= 1
    assert all(not c.original_url.startswith(("http://mailto:", "mailto:")) for c in page.captures)


def test_real_lines_with_dash_length_are_kept() -> None:
    page = parse_cdx((WAYBACK / "zero_length_cdx.txt").read_bytes())
    assert page.captures and any(c.length is None for c in page.captures)


def test_real_timestamps_with_inserted_zeros_are_repaired() -> None:
    page = parse_cdx((WAYBACK / "bad_timestamp_cdx.txt").read_bytes())
    assert page.captures
    assert all(c.timestamp[4:6] != "00" and c.timestamp[6:8] != "00" for c in page.captures)


def test_month_00_timestamp_drops_the_insertion_and_pads_seconds() -> None:
    assert repair_timestamp("20000012170449") == "20001217044900"


def test_a_row_with_a_bad_timestamp_does_not_abort_the_page() -> None:
    body = json.dumps([HEADER, row("2015"), row("20160101000000")]).encode()
    page = parse_cdx(body)
    assert [c.timestamp for c in page.captures] == ["20160101000000"]
    assert page.skipped == 1


def test_default_ports_are_dropped_from_original_urls() -> None:
    body = json.dumps([HEADER, row("20150101000000", original="http://www.example.org:80/privacy")]).encode()
    assert parse_cdx(body).captures[0].original_url == "http://www.example.org/privacy"


def test_text_format_with_extra_fields_is_read() -> None:
    line = "org,example)/privacy 20150101000000 http://example.org/privacy text/html 200 AAAA 12 extra fields\n"
    assert len(parse_cdx(line.encode()).captures) == 1
