"""The fake Wayback Machine behaves as docs/wayback.md#fake-archive says the real one does.

The ``fake_archive`` fixture comes from tests/fixtures_archive.py through conftest.py.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.client
import json
import time
from urllib.parse import quote, urlsplit

import pytest
import requests
from bs4 import BeautifulSoup

from tests.fake_archive import FakeArchive, FakeCapture
from tests.fake_archive.corpus import CORPUS, history_versions

URL = "https://www.example.com/privacy"
EMPTY_DIGEST = "3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"


def cdx(archive: FakeArchive, **params: str | int | list[str]) -> requests.Response:
    return requests.get(archive.cdx_url, params=params, timeout=5)


def fetch(
    archive: FakeArchive,
    url: str,
    timestamp: str,
    mode: str = "id_",
    *,
    headers: dict[str, str] | None = None,
    stream: bool = False,
) -> requests.Response:
    target = archive.playback_url(url, timestamp, mode)
    return requests.get(target, allow_redirects=False, timeout=5, headers=headers, stream=stream)


def text_rows(response: requests.Response) -> list[list[str]]:
    return [line.split(" ") for line in response.text.split("\n\n")[0].splitlines() if line]


def text_resume_key(response: requests.Response) -> str | None:
    _, blank, key = response.text.partition("\n\n")
    return key.strip() if blank else None


def add_months(archive: FakeArchive, count: int, url: str = URL) -> list[FakeCapture]:
    return [archive.add_capture(url, f"2020{month:02d}01120000", f"v{month}".encode()) for month in range(1, count + 1)]


# -- CDX -------------------------------------------------------------------------------------------


def test_cdx_text_rows_have_seven_fields_sorted_by_timestamp(fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200301000000", b"b")
    fake_archive.add_capture(URL, "20200101000000", b"a")
    response = cdx(fake_archive, url=URL)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain;charset=UTF-8"
    assert response.text.endswith("\n")
    rows = text_rows(response)
    assert [len(row) for row in rows] == [7, 7]
    assert [row[1] for row in rows] == ["20200101000000", "20200301000000"]
    assert rows[0] == ["com,example)/privacy", "20200101000000", URL, "text/html", "200", rows[0][5], "1"]


def test_cdx_matches_surt_equivalent_urls_and_keeps_each_original(fake_archive: FakeArchive) -> None:
    fake_archive.add_capture("http://www.example.com:80/privacy/", "20200101000000", b"a")
    fake_archive.add_capture("https://example.com/privacy", "20200201000000", b"b")
    fake_archive.add_capture("https://www2.EXAMPLE.com/privacy?b=2&a=1", "20200301000000", b"c")
    rows = text_rows(cdx(fake_archive, url="EXAMPLE.com/privacy"))
    assert [row[2] for row in rows] == ["http://www.example.com:80/privacy/", "https://example.com/privacy"]
    query_rows = text_rows(cdx(fake_archive, url="http://example.com/privacy?a=1&b=2"))
    assert [row[0] for row in query_rows] == ["com,example)/privacy?a=1&b=2"]


def test_cdx_unknown_url_answers_200_with_an_empty_body(fake_archive: FakeArchive) -> None:
    response = cdx(fake_archive, url="never.example.org/")
    assert response.status_code == 200
    assert response.content == b""


def test_cdx_without_url_answers_400(fake_archive: FakeArchive) -> None:
    assert cdx(fake_archive, limit=5).status_code == 400


def test_cdx_json_output_has_a_header_row_then_rows_of_strings(fake_archive: FakeArchive) -> None:
    capture = fake_archive.add_capture(URL, "20200101000000", b"body")
    rows = cdx(fake_archive, url=URL, output="json").json()
    assert rows[0] == ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
    assert rows[1] == ["com,example)/privacy", "20200101000000", URL, "text/html", "200", capture.digest, "4"]


def test_cdx_json_empty_result_is_an_empty_list(fake_archive: FakeArchive) -> None:
    assert cdx(fake_archive, url="never.example.org/", output="json").json() == []


def test_cdx_fl_selects_and_orders_fields(fake_archive: FakeArchive) -> None:
    capture = fake_archive.add_capture(URL, "20200101000000", b"body")
    assert cdx(fake_archive, url=URL, fl="digest,timestamp").text == f"{capture.digest} 20200101000000\n"


def test_cdx_from_and_to_are_inclusive_and_padded(fake_archive: FakeArchive) -> None:
    for timestamp in ("20191231235959", "20200101000000", "20200630120000", "20201231235959", "20210101000000"):
        fake_archive.add_capture(URL, timestamp, timestamp.encode())
    rows = text_rows(cdx(fake_archive, url=URL, **{"from": "2020", "to": "2020"}))
    assert [row[1] for row in rows] == ["20200101000000", "20200630120000", "20201231235959"]
    exact = text_rows(cdx(fake_archive, url=URL, **{"from": "20200630120000", "to": "20200630120000"}))
    assert [row[1] for row in exact] == ["20200630120000"]


def test_cdx_filter_with_negation_drops_error_statuses(fake_archive: FakeArchive) -> None:
    for timestamp, status in (("20200101000000", 200), ("20200201000000", 404), ("20200301000000", 301)):
        fake_archive.add_capture(URL, timestamp, b"", status=status)
    rows = text_rows(cdx(fake_archive, url=URL, filter="!statuscode:[45].."))
    assert [row[4] for row in rows] == ["200", "301"]


def test_cdx_filters_combine_and_must_match_the_whole_field(fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", b"a")
    fake_archive.add_capture(URL, "20200201000000", b"b", mimetype="application/pdf")
    assert cdx(fake_archive, url=URL, filter="statuscode:2").text == ""
    rows = text_rows(cdx(fake_archive, url=URL, filter=["statuscode:200", "mimetype:text/.*"]))
    assert [row[1] for row in rows] == ["20200101000000"]


def test_cdx_collapse_digest_drops_adjacent_repeats_only(fake_archive: FakeArchive) -> None:
    for month, body in ((1, b"A"), (2, b"A"), (3, b"B"), (4, b"A")):
        fake_archive.add_capture(URL, f"2020{month:02d}01000000", body)
    rows = text_rows(cdx(fake_archive, url=URL, collapse="digest"))
    assert [row[1][:6] for row in rows] == ["202001", "202003", "202004"]


def test_cdx_collapse_on_a_timestamp_prefix_keeps_the_first_of_each_day(fake_archive: FakeArchive) -> None:
    for timestamp in ("20200101010000", "20200101020000", "20200102010000"):
        fake_archive.add_capture(URL, timestamp, timestamp.encode())
    rows = text_rows(cdx(fake_archive, url=URL, collapse="timestamp:8"))
    assert [row[1] for row in rows] == ["20200101010000", "20200102010000"]


def test_cdx_negative_limit_returns_the_last_rows(fake_archive: FakeArchive) -> None:
    add_months(fake_archive, 5)
    rows = text_rows(cdx(fake_archive, url=URL, limit=-2))
    assert [row[1][:6] for row in rows] == ["202004", "202005"]


def test_cdx_prefix_match_with_star_shorthand_lists_urls_in_key_order(fake_archive: FakeArchive) -> None:
    fake_archive.add_capture("https://example.com/terms", "20200101000000", b"t")
    fake_archive.add_capture("https://example.com/privacy", "20200201000000", b"p")
    fake_archive.add_capture("https://other.example.org/privacy", "20200101000000", b"o")
    rows = text_rows(cdx(fake_archive, url="example.com/*"))
    assert [row[0] for row in rows] == ["com,example)/privacy", "com,example)/terms"]


def test_cdx_limit_and_resume_key_page_through_everything_without_repeats(fake_archive: FakeArchive) -> None:
    fake_archive.duplicate_rows = True
    add_months(fake_archive, 7)
    seen: list[list[str]] = []
    key: str | None = None
    for _ in range(10):
        params: dict[str, str | int] = {"url": URL, "limit": 4, "showResumeKey": "true"}
        response = cdx(fake_archive, **params, **({"resumeKey": key} if key else {}))
        page = [row[1] for row in text_rows(response)]
        assert len(page) <= 4
        seen.append(sorted(set(page)))
        key = text_resume_key(response)
        if key is None:
            break
    flat = [timestamp for page in seen for timestamp in page]
    assert flat == [f"2020{month:02d}01120000" for month in range(1, 8)]


def test_cdx_resume_key_has_the_2020_style_and_works_single_or_double_encoded(fake_archive: FakeArchive) -> None:
    add_months(fake_archive, 3)
    first = cdx(fake_archive, url=URL, limit=1, showResumeKey="true")
    key = text_resume_key(first)
    assert key == "com%2Cexample%29%2Fprivacy+20200101120001"
    double = cdx(fake_archive, url=URL, limit=1, showResumeKey="true", resumeKey=key)
    single = requests.get(f"{fake_archive.cdx_url}?url={quote(URL)}&limit=1&showResumeKey=true&resumeKey={key}")
    assert text_rows(double) == text_rows(single)
    assert [row[1] for row in text_rows(double)] == ["20200201120000"]


def test_cdx_resume_key_in_the_2026_style_is_zlib_base64(fake_archive: FakeArchive) -> None:
    fake_archive.resume_key_style = "b"
    add_months(fake_archive, 3)
    key = text_resume_key(cdx(fake_archive, url=URL, limit=2, showResumeKey="true"))
    assert key is not None
    assert key.startswith("eJ")
    rest = cdx(fake_archive, url=URL, limit=2, showResumeKey="true", resumeKey=key)
    assert [row[1] for row in text_rows(rest)] == ["20200301120000"]
    assert text_resume_key(rest) is None


def test_cdx_json_resume_key_follows_an_empty_row(fake_archive: FakeArchive) -> None:
    add_months(fake_archive, 3)
    rows = cdx(fake_archive, url=URL, output="json", limit=2, showResumeKey="true").json()
    assert len(rows) == 5
    assert rows[-2] == []
    rest = cdx(fake_archive, url=URL, output="json", limit=2, showResumeKey="true", resumeKey=rows[-1][0]).json()
    assert [row[1] for row in rest[1:]] == ["20200301120000"]


def test_cdx_trailing_empty_page_switch_names_a_key_for_an_exactly_full_page(fake_archive: FakeArchive) -> None:
    fake_archive.trailing_empty_page = True
    add_months(fake_archive, 2)
    key = text_resume_key(cdx(fake_archive, url=URL, limit=2, showResumeKey="true"))
    assert key is not None
    assert cdx(fake_archive, url=URL, limit=2, showResumeKey="true", resumeKey=key).content == b""


def test_cdx_duplicate_rows_repeat_adjacently_and_count_toward_limit(fake_archive: FakeArchive) -> None:
    fake_archive.duplicate_rows = True
    add_months(fake_archive, 3)
    rows = text_rows(cdx(fake_archive, url=URL, limit=5))
    assert len(rows) == 5
    assert rows[0] == rows[1]


def test_cdx_response_is_gzipped_when_the_client_accepts_it(fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", b"a")
    response = requests.get(fake_archive.cdx_url, params={"url": URL}, stream=True, timeout=5)
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.raw.read(decode_content=False)).startswith(b"com,example)/privacy ")
    plain = requests.get(fake_archive.cdx_url, params={"url": URL}, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers


def test_cdx_malformed_rows_switch_adds_the_real_kinds_of_broken_lines(fake_archive: FakeArchive) -> None:
    fake_archive.malformed_rows = True
    fake_archive.add_capture(URL, "20200101000000", b"a")
    text = cdx(fake_archive, url=URL).text
    assert " 20000012170449 " in text
    assert "http://mailto:" in text
    assert '"data:image/jpeg;base64,' in text
    assert "RobotAccessControlException" in text
    assert any(line.endswith(" -") and len(line.split(" ")) == 7 for line in text.splitlines())


def test_cdx_blocked_site_answers_403_blocked_site_error(fake_archive: FakeArchive) -> None:
    fake_archive.blocked.add("nationalpost.com")
    fake_archive.add_capture("https://nationalpost.com/health", "20191001000000", b"x")
    response = cdx(fake_archive, url="https://nationalpost.com/health")
    assert response.status_code == 403
    assert "AdministrativeAccessControlException" in response.headers["X-Archive-Wayback-Runtime-Error"]
    assert response.content.endswith(b"Blocked Site Error\n")
    assert len(response.content) == 127


def test_capture_digest_is_base32_sha1_of_the_body(fake_archive: FakeArchive) -> None:
    capture = fake_archive.add_capture(URL, "20200101000000", b"<p>hello</p>")
    assert capture.digest == base64.b32encode(hashlib.sha1(b"<p>hello</p>").digest()).decode()
    assert fake_archive.add_capture(URL, "20200102000000", b"", status=302, location="/x").digest == EMPTY_DIGEST


def test_capture_added_while_running_is_visible_at_once(fake_archive: FakeArchive) -> None:
    assert cdx(fake_archive, url=URL).text == ""
    fake_archive.add_capture(URL, "20200101000000", b"new")
    assert len(text_rows(cdx(fake_archive, url=URL))) == 1
    assert fetch(fake_archive, URL, "20200101000000").content == b"new"


# -- playback --------------------------------------------------------------------------------------


def test_playback_exact_capture_returns_body_with_memento_headers(fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(
        URL, "20200101120000", b"<p>v1</p>", headers=[("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]
    )
    response = fetch(fake_archive, URL, "20200101120000")
    assert response.status_code == 200
    assert response.content == b"<p>v1</p>"
    assert response.headers["Memento-Datetime"] == "Wed, 01 Jan 2020 12:00:00 GMT"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert f'<{URL}>; rel="original"' in response.headers["Link"]
    assert "X-Archive-Src" in response.headers
    assert response.headers["X-Archive-Orig-Set-Cookie"] == "a=1, b=2"


def test_playback_without_content_type_omits_the_header(fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101120000", b"raw", content_type=None)
    assert "Content-Type" not in fetch(fake_archive, URL, "20200101120000").headers


def test_playback_accepts_a_percent_encoded_original_url(fake_archive: FakeArchive) -> None:
    fake_archive.add_capture("http://www.example.com/privacy.html", "20200101120000", b"ok")
    response = fetch(fake_archive, "http%3A//www.example.com/privacy.html", "20200101120000")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_playback_surt_equivalent_request_names_the_real_original(fake_archive: FakeArchive) -> None:
    fake_archive.add_capture("https://www.fws.gov/birds/", "20171124151315", b"birds")
    response = fetch(fake_archive, "http://fws.gov/birds", "20171124151315")
    assert response.status_code == 200
    assert response.headers["Link"].startswith('<https://www.fws.gov/birds/>; rel="original"')


def test_playback_inexact_timestamp_redirects_to_the_nearest_capture(fake_archive: FakeArchive) -> None:
    fake_archive.add_capture("http://www.example.com/privacy", "20171124151315", b"a")
    fake_archive.add_capture("http://www.example.com/privacy", "20180601000000", b"b")
    response = fetch(fake_archive, URL, "20171124000000")
    assert response.status_code == 302
    assert response.reason == "FOUND"
    assert (
        response.headers["Location"] == f"{fake_archive.base_url}/web/20171124151315id_/http://www.example.com/privacy"
    )
    assert response.headers["X-Archive-Redirect-Reason"] == "found capture at 20171124151315"
    assert response.headers["Content-Length"] == "0"
    assert "Memento-Datetime" not in response.headers
    assert "Link" not in response.headers


def test_playback_redirect_keeps_view_mode(fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101120000", b"a")
    response = fetch(fake_archive, URL, "2020", mode="")
    assert response.headers["Location"] == f"{fake_archive.base_url}/web/20200101120000/{URL}"


def test_playback_unplayable_capture_redirects_to_the_nearest_playable_one(fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", b"a")
    fake_archive.add_capture(URL, "20200110000000", b"b", playable=False)
    fake_archive.add_capture(URL, "20200301000000", b"c")
    assert "20200110000000" in cdx(fake_archive, url=URL).text
    response = fetch(fake_archive, URL, "20200110000000")
    assert response.status_code == 302
    assert response.headers["X-Archive-Redirect-Reason"] == "found capture at 20200101000000"


def test_playback_never_archived_url_answers_404_hrm_page(fake_archive: FakeArchive) -> None:
    response = fetch(fake_archive, "https://this-is-not-real-url.whatever/", "20170929002712")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "The Wayback Machine has not archived that URL." in response.text
    assert "Memento-Datetime" not in response.headers


def test_playback_archived_301_rewrites_location_into_wayback_space(fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(
        "https://www.epa.gov/climatechange",
        "20200201023757",
        b"<html>301</html>",
        status=301,
        content_type="text/html; charset=iso-8859-1",
        location="/sites/cc.html",
    )
    response = fetch(fake_archive, "https://www.epa.gov/climatechange", "20200201023757")
    assert response.status_code == 301
    assert response.headers["Location"] == (
        f"{fake_archive.base_url}/web/20200201023757id_/https://www.epa.gov/sites/cc.html"
    )
    assert response.headers["Memento-Datetime"] == "Sat, 01 Feb 2020 02:37:57 GMT"
    assert response.content == b"<html>301</html>"


def test_playback_archived_redirect_location_can_be_path_only(fake_archive: FakeArchive) -> None:
    fake_archive.redirect_location_form = "path"
    fake_archive.add_capture(URL, "20200101000000", b"", status=302, location="https://example.com/new")
    assert fetch(fake_archive, URL, "20200101000000").headers["Location"] == (
        "/web/20200101000000id_/https://example.com/new"
    )


def test_playback_archived_429_is_a_memento_not_a_live_limit(fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", b"slow down", status=429, headers={"Retry-After": "6"})
    response = fetch(fake_archive, URL, "20200101000000")
    assert response.status_code == 429
    assert "Memento-Datetime" in response.headers
    assert response.headers["X-Archive-Orig-Retry-After"] == "6"
    assert "Retry-After" not in response.headers


def test_playback_is_gzipped_when_the_client_accepts_it(fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", b"<p>zipped</p>")
    response = fetch(fake_archive, URL, "20200101000000", stream=True)
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.raw.read(decode_content=False)) == b"<p>zipped</p>"


def test_playback_of_an_excluded_site_answers_200_without_memento_datetime(fake_archive: FakeArchive) -> None:
    fake_archive.blocked.add("nationalpost.com")
    fake_archive.add_capture("https://nationalpost.com/health/", "20170929002712", b"x")
    response = fetch(fake_archive, "https://nationalpost.com/health/", "20170929002712")
    assert response.status_code == 200
    assert "This URL has been excluded from the Wayback Machine." in response.text
    assert "Memento-Datetime" not in response.headers


# -- corpus ----------------------------------------------------------------------------------------


def test_history_page_holds_the_policy_inside_main_and_boilerplate_outside(fake_archive: FakeArchive) -> None:
    url = "https://bsky.social/about/support/privacy-policy"
    captures = fake_archive.add_history("bluesky-privacy-policy", url, count=2, start=1)
    versions = history_versions("bluesky-privacy-policy")
    assert [c.timestamp for c in captures] == [versions[1].timestamp, versions[2].timestamp]
    soup = BeautifulSoup(fetch(fake_archive, url, captures[0].timestamp).content, "html.parser")
    main = soup.find("main")
    assert main is not None
    assert soup.title is not None and soup.title.string == "Bluesky App Privacy Policy"
    assert "microblogging app" in main.get_text()
    assert main.find("h1") is not None
    assert "Help" not in main.get_text()
    nav, footer = soup.find("nav"), soup.find("footer")
    assert nav is not None and nav.find_parent("main") is None
    assert footer is not None and footer.find_parent("main") is None
    assert "Terms" in footer.get_text()


def test_render_history_version_matches_what_add_history_serves(fake_archive: FakeArchive) -> None:
    captures = fake_archive.add_history("bereal-privacy-policy", "https://bere.al/en/privacy", count=1)
    assert captures[0].body == fake_archive.render_history_version("bereal-privacy-policy", 0)


def test_snapshot_site_serves_each_capture_without_the_dataset_comment(fake_archive: FakeArchive) -> None:
    captures = fake_archive.add_snapshot_site("silicondust.com")
    assert [c.url for c in captures] == [
        "http://www.silicondust.com/wiki/privacy",
        "http://www.silicondust.com/privacy",
    ]
    body = fetch(fake_archive, captures[1].url, captures[1].timestamp).content
    raw = (CORPUS / "snapshots" / "silicondust.com" / f"{captures[1].timestamp}.html").read_bytes()
    assert body.startswith(b"<!DOCTYPE")
    assert raw.endswith(body)


# -- faults, limits, observability -----------------------------------------------------------------


def test_injected_429_has_the_nginx_body_and_no_retry_after(fake_archive: FakeArchive) -> None:
    fake_archive.inject(429)
    response = cdx(fake_archive, url=URL)
    assert response.status_code == 429
    assert "You have sent too many requests" in response.text
    assert response.headers["Content-Type"] == "text/html"
    assert "Retry-After" not in response.headers
    assert cdx(fake_archive, url=URL).status_code == 200


def test_injected_429_may_carry_the_given_retry_after(fake_archive: FakeArchive) -> None:
    fake_archive.inject(429, headers={"Retry-After": "10"})
    assert cdx(fake_archive, url=URL).headers["Retry-After"] == "10"


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_injected_server_error_answers_an_html_page_then_recovers(fake_archive: FakeArchive, status: int) -> None:
    fake_archive.inject(status, count=2)
    assert [cdx(fake_archive, url=URL).status_code for _ in range(3)] == [status, status, 200]


def test_injected_504_reads_gateway_time_out(fake_archive: FakeArchive) -> None:
    fake_archive.inject(504)
    assert "<h1>504 Gateway Time-out</h1>" in cdx(fake_archive, url=URL).text


def test_injected_reset_closes_the_connection_without_a_response(fake_archive: FakeArchive) -> None:
    fake_archive.inject("reset")
    with pytest.raises(requests.ConnectionError):
        cdx(fake_archive, url=URL)
    assert fake_archive.requests[-1].status is None
    assert fake_archive.requests[-1].fault == "reset"


def test_injected_truncate_breaks_the_body_mid_stream(fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", b"x" * 5000)
    fake_archive.inject("truncate", path_prefix="/web/")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        fetch(fake_archive, URL, "20200101000000", headers={"Accept-Encoding": "identity"})


def test_injected_slow_delays_then_answers_normally(fake_archive: FakeArchive) -> None:
    fake_archive.inject("slow:0.3")
    started = time.monotonic()
    response = cdx(fake_archive, url=URL)
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3


def test_fault_hits_only_requests_under_its_path_prefix(fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", b"a")
    fake_archive.inject(503, path_prefix="/web/")
    assert cdx(fake_archive, url=URL).status_code == 200
    assert fetch(fake_archive, URL, "20200101000000").status_code == 503
    assert fetch(fake_archive, URL, "20200101000000").status_code == 200


def test_clear_faults_drops_pending_faults(fake_archive: FakeArchive) -> None:
    fake_archive.inject(503, count=5)
    fake_archive.clear_faults()
    assert cdx(fake_archive, url=URL).status_code == 200


def test_request_log_records_user_agent_encoding_query_and_connection(fake_archive: FakeArchive) -> None:
    with requests.Session() as session:
        session.headers["User-Agent"] = "policy-monitor/0.1 (+mailto:test@example.org)"
        for _ in range(2):
            session.get(fake_archive.cdx_url, params={"url": URL, "filter": ["a:1", "b:2"]}, timeout=5)
    first, second = fake_archive.requests
    assert first.user_agent == "policy-monitor/0.1 (+mailto:test@example.org)"
    assert first.accept_encoding == "gzip, deflate"
    assert first.path == "/cdx/search/cdx"
    assert first.query["filter"] == ["a:1", "b:2"]
    assert first.client_port == second.client_port  # one keep-alive connection
    assert first.time <= second.time


def test_cdx_rate_limit_answers_429_past_the_window_allowance(fake_archive: FakeArchive) -> None:
    fake_archive.limit_cdx(per_minute=120, window=1.0)  # 2 per second
    statuses = [cdx(fake_archive, url=URL).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert "Retry-After" not in cdx(fake_archive, url=URL).headers
    fake_archive.add_capture(URL, "20200101000000", b"a")
    assert fetch(fake_archive, URL, "20200101000000").status_code == 200  # playback is another pool


def test_firewall_refuses_a_client_that_keeps_ignoring_429s(fake_archive: FakeArchive) -> None:
    fake_archive.limit_cdx(per_minute=60, window=1.0)
    fake_archive.enable_firewall(after=0.2, duration=30.0)
    deadline = time.monotonic() + 2.0
    with pytest.raises(requests.ConnectionError):
        while time.monotonic() < deadline:
            cdx(fake_archive, url=URL)
            time.sleep(0.02)
    assert len(fake_archive.firewall_blocks) == 1
    assert fake_archive.firewall_blocks[0].client == "127.0.0.1"


def test_stop_frees_the_port() -> None:
    archive = FakeArchive().start()
    url = archive.cdx_url
    archive.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(url, params={"url": URL}, timeout=2)


def test_json_body_is_valid_json_with_a_resume_key_row(fake_archive: FakeArchive) -> None:
    add_months(fake_archive, 2)
    body = cdx(fake_archive, url=URL, output="json", limit=1, showResumeKey="true").content
    assert json.loads(body)[-1] == ["com%2Cexample%29%2Fprivacy+20200101120001"]


# -- firewall refusals, robots, encoding and digest quirks, replays, extras (FS-11, -19, -20, -21, -23, -27) ---


def test_a_firewall_block_refuses_connections_then_the_archive_listens_again(fake_archive: FakeArchive) -> None:
    fake_archive.block_now(0.3)
    with pytest.raises(requests.ConnectionError) as refused:
        cdx(fake_archive, url=URL)
    assert "Connection refused" in str(refused.value)
    time.sleep(0.4)
    assert cdx(fake_archive, url=URL).status_code == 200


def test_a_robots_excluded_site_answers_403_to_cdx_and_playback(fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", b"a")
    fake_archive.robots_blocked.add("example.com")
    listing = cdx(fake_archive, url=URL)
    page = fetch(fake_archive, URL, "20200101000000")
    assert (listing.status_code, page.status_code) == (403, 403)
    assert "RobotAccessControlException" in listing.text
    assert page.headers["X-Archive-Wayback-Runtime-Error"] == "RobotAccessControlException: Blocked By Robots"


def test_the_doubled_content_encoding_switch_sends_an_empty_twin_header(fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", b"<html>a</html>")
    fake_archive.doubled_content_encoding = True
    # Read with http.client: importing `wayback` patches urllib3 to merge the pair (its "HACK" block).
    connection = http.client.HTTPConnection(urlsplit(fake_archive.base_url).netloc, timeout=5)
    connection.request("GET", f"/web/20200101000000id_/{URL}", headers={"Accept-Encoding": "gzip"})
    assert connection.getresponse().msg.get_all("Content-Encoding") == ["", "gzip"]
    connection.close()


def test_a_chunked_digest_does_not_match_the_served_body(fake_archive: FakeArchive) -> None:
    capture = fake_archive.add_capture(URL, "20200101000000", b"<html>a</html>", chunked_digest=True)
    body = fetch(fake_archive, URL, "20200101000000").content
    assert base64.b32encode(hashlib.sha1(body).digest()).decode() != capture.digest


def test_served_as_sets_the_memento_datetime(fake_archive: FakeArchive) -> None:
    fake_archive.add_capture(URL, "20200101000000", b"a", served_as="20200101000009")
    assert fetch(fake_archive, URL, "20200101000000").headers["Memento-Datetime"] == "Wed, 01 Jan 2020 00:00:09 GMT"


def test_a_replayed_exchange_answers_as_recorded_with_its_location_moved_here(fake_archive: FakeArchive) -> None:
    first = fake_archive.replay("test_get_memento_follows_historical_redirects")[0]
    response = requests.get(fake_archive.base_url + first.target, allow_redirects=False, timeout=5)
    assert (response.status_code, response.reason) == (302, "FOUND")
    assert response.headers["Location"].startswith(fake_archive.base_url + "/web/20200201023757id_/")


def test_the_timemap_lists_every_memento_in_link_format(fake_archive: FakeArchive) -> None:
    add_months(fake_archive, 3)
    response = requests.get(f"{fake_archive.base_url}/web/timemap/link/{URL}", timeout=5)
    assert response.headers["Content-Type"] == "application/link-format"
    assert response.text.count('memento"; datetime=') == 3


def test_the_availability_api_names_the_closest_capture(fake_archive: FakeArchive) -> None:
    add_months(fake_archive, 3)
    answer = requests.get(f"{fake_archive.base_url}/wayback/available", params={"url": URL, "timestamp": "20200215"})
    assert answer.json()["archived_snapshots"]["closest"]["timestamp"] in ("20200201120000", "20200301120000")


def test_the_availability_api_can_answer_429_always(fake_archive: FakeArchive) -> None:
    fake_archive.availability_always_429 = True
    assert requests.get(f"{fake_archive.base_url}/wayback/available", params={"url": URL}).status_code == 429
