"""Which fetched captures are bot challenges, denials or error pages rather than the policy."""

from __future__ import annotations

import json

import pytest

from monitor.wayback.capture_quality import low_quality_reason
from tests.corpus import SNAPSHOTS
from tests.fake_archive.corpus import history_versions, render_history_version, snapshot_files

FILLER = b"<p>" + b"Some ordinary words. " * 20 + b"</p>"


def test_every_real_snapshot_in_the_corpus_is_usable() -> None:
    manifest = json.loads((SNAPSHOTS / "manifest.json").read_text(encoding="utf-8"))
    domains = sorted({entry["domain"] for entry in manifest if entry["has_html"]})
    pages = [s.body for domain in domains for s in snapshot_files(domain)]
    assert len(pages) >= 15
    assert [low_quality_reason(page) for page in pages] == [None] * len(pages)


def test_a_rendered_policy_history_page_is_usable() -> None:
    last = len(history_versions("bluesky-privacy-policy")) - 1
    assert low_quality_reason(render_history_version("bluesky-privacy-policy", last)) is None


def test_an_empty_body_is_low_quality() -> None:
    assert low_quality_reason(b"  \n") == "empty body"


def test_a_tiny_html_body_is_low_quality() -> None:
    assert low_quality_reason(b"<html><body>OK</body></html>") == "tiny body (28 bytes)"


def test_a_tiny_body_that_is_not_markup_is_left_to_the_extractor() -> None:
    assert low_quality_reason(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n") is None


@pytest.mark.parametrize(
    ("page", "label"),
    [
        (b"<html><head><title>Just a moment...</title></head><body>" + FILLER + b"</body></html>", "Cloudflare"),
        (b'<html><body><div id="cf-browser-verification">' + FILLER + b"</div></body></html>", "Cloudflare"),
        (b"<html><head><title>Attention Required! | Cloudflare</title></head>" + FILLER + b"</html>", "Cloudflare"),
        (
            b"<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY><H1>Access Denied</H1>You don't have permission "
            b"to access this server.<P>Reference&#32;&#35;18&#46;5c1e2c17&#46;1700000000</BODY></HTML>" + FILLER,
            "Akamai",
        ),
        (
            b"<html><body>Request unsuccessful. Incapsula incident ID: 123000270057791431-52</body></html>" + FILLER,
            "Incapsula",
        ),
        (b'<html><script src="https://geo.captcha-delivery.com/captcha/"></script>' + FILLER + b"</html>", "DataDome"),
    ],
)
def test_a_waf_challenge_or_denial_is_low_quality(page: bytes, label: str) -> None:
    reason = low_quality_reason(page)
    assert reason is not None and label in reason


def test_a_short_captcha_page_is_low_quality() -> None:
    page = b"<html><body><h1>Please verify you are a human</h1><div class='g-recaptcha'></div>" + FILLER + b"</body>"
    reason = low_quality_reason(page)
    assert reason is not None and reason.startswith("a CAPTCHA page")


def test_a_long_policy_that_mentions_captchas_and_forbidden_uses_is_usable() -> None:
    policy = b"<html><body><h1>Privacy</h1>" + FILLER * 10 + b"<p>We use reCAPTCHA. Forbidden uses: spam.</p>"
    assert low_quality_reason(policy + b"</body></html>") is None


def test_a_short_error_page_captured_with_status_200_is_low_quality() -> None:
    page = b"<html><head><title>Error</title></head><body><h1>503 Service Unavailable</h1>" + b" " * 300 + b"</body>"
    assert (low_quality_reason(page) or "").startswith("an error page")
