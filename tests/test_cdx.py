from __future__ import annotations

import json
from datetime import UTC, datetime

from monitor.wayback.cdx import parse_cdx, repair_timestamp, resolve_revisits
from tests.corpus import WAYBACK
from tests.fake_archive.cassette import load

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


def test_revisit_rows_are_kept_with_no_status() -> None:
    body = json.dumps(
        [HEADER, row("20150101000000", "A"), [*row("20160101000000", "A")[:3], "warc/revisit", "-", "A", "9"]]
    )
    revisit = parse_cdx(body.encode()).captures[-1]
    assert (revisit.status, revisit.mimetype, revisit.is_revisit) == (None, "warc/revisit", True)


def test_a_revisit_is_resolved_to_the_latest_earlier_capture_with_its_digest() -> None:
    rows = [row("20150101000000", "A"), row("20150601000000", "B")]
    rows.append(["org,example)/privacy", "20160101000000", "http://example.org/privacy", "warc/revisit", "-", "A", "9"])
    resolved = resolve_revisits(parse_cdx(json.dumps([HEADER, *rows]).encode()).captures)
    assert (resolved[-1].status, resolved[-1].mimetype, resolved[-1].timestamp) == (200, "text/html", "20160101000000")


def test_a_revisit_listed_before_its_original_takes_the_later_rows_status() -> None:
    rows = [["org,example)/privacy", "20150101000000", "http://example.org/privacy", "warc/revisit", "-", "A", "9"]]
    rows.append(row("20160101000000", "A"))
    resolved = resolve_revisits(parse_cdx(json.dumps([HEADER, *rows]).encode()).captures)
    assert (resolved[0].status, resolved[0].timestamp) == (200, "20150101000000")


def test_a_revisit_of_something_older_than_the_listing_stays_unresolved() -> None:
    rows = [["org,example)/privacy", "20160101000000", "http://example.org/privacy", "warc/revisit", "-", "A", "9"]]
    resolved = resolve_revisits(parse_cdx(json.dumps([HEADER, *rows]).encode()).captures)
    assert resolved[0].is_revisit


def test_a_mailto_original_and_a_path_without_a_host_are_skipped() -> None:
    page = parse_cdx((WAYBACK / "malformed_cdx.txt").read_bytes())
    originals = {c.original_url for c in page.captures}
    assert originals == {"https://www.epa.gov/"} and page.skipped == 3  # mailto:, data: and a bare path


def test_recorded_duplicate_lines_are_folded_into_one_capture() -> None:
    (exchange,) = load("test_search")
    assert [c.timestamp for c in parse_cdx(exchange.body).captures] == ["19961231235847"]


def test_recorded_revisit_rows_are_resolved_to_the_200_rows_with_their_digest() -> None:
    (exchange,) = load("test_search_does_not_repeat_results")
    captures = resolve_revisits(parse_cdx(exchange.body).captures)
    assert [c.status for c in captures[:4]] == [301, 200, 301, 200]
    assert not any(c.is_revisit for c in captures)


def test_recorded_text_pages_name_their_resume_key_until_the_last() -> None:
    pages = [parse_cdx(exchange.body) for exchange in load("test_search_with_date")]
    assert [p.resume_key for p in pages] == ["com%2Cdw%29%2F+20191218145126", "com%2Cdw%29%2F+20200220202228", None]
    assert [len(p.captures) > 0 for p in pages] == [True, True, True]


def test_the_recorded_2026_page_names_its_base64_resume_key() -> None:
    page = parse_cdx(load("tutorial")[0].body)
    assert page.resume_key == "eJxLzy_TyUssTtTUVzAyMDAxsDQwNTA3NTe0BABfMwZl"
    assert page.captures[-1].timestamp == "20040905075719"


def test_the_recorded_trailing_empty_page_has_no_captures_and_no_key() -> None:
    page = parse_cdx(load("test_search_multipage")[-1].body)
    assert (page.captures, page.resume_key) == ([], None)


def test_a_non_json_error_body_in_json_mode_is_counted_not_raised() -> None:
    page = parse_cdx(b"[garbage")
    assert (page.captures, page.skipped) == ([], 1)


def test_a_row_dated_in_the_future_is_malformed() -> None:
    body = json.dumps([HEADER, row("20150101000000"), row("99991231235959")]).encode()

    page = parse_cdx(body, now=datetime(2026, 12, 7, tzinfo=UTC))

    assert [c.timestamp for c in page.captures] == ["20150101000000"]
    assert page.skipped == 1


def test_a_row_dated_within_a_day_of_now_is_kept() -> None:
    body = json.dumps([HEADER, row("20261207230000")]).encode()

    assert len(parse_cdx(body, now=datetime(2026, 12, 7, 12, tzinfo=UTC)).captures) == 1


def test_a_timestamp_of_non_ascii_digits_is_malformed() -> None:
    body = json.dumps([HEADER, row("٢٠١٥٠١٠١٠٠٠٠٠٠")]).encode()

    assert parse_cdx(body).skipped == 1
