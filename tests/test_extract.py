"""monitor.extract.pipeline against real Princeton-Leuven pairs from the shared corpus, and its refusals."""

from __future__ import annotations

import codecs
import json
import random
import re
from functools import cache
from pathlib import Path

import pytest
from lxml import html as lxml_html

from monitor.errors import NotExtractable
from monitor.extract.content_signals import inner_text
from monitor.extract.deep_nesting import flatten_deep_nesting
from monitor.extract.guards import MAX_ELEMENTS, MAX_HTML_BYTES
from monitor.extract.pipeline import extract_document
from monitor.extract.reference_format import render_reference
from monitor.extract.text_measures import TextStats
from monitor.models import Document

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
SNAPSHOTS = CORPUS / "snapshots"
_CAPTURE_COMMENT = re.compile(rb"\A\s*<!--.*?-->\s*", re.S)
_WORDS = re.compile(r"[^\W_]+")
_LINK_TARGET = re.compile(r"\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)")
POLICY = "We collect your name, your email address, and the pages you visit, to run and improve this site. " * 4


@cache
def manifest() -> dict[tuple[str, str], str]:
    entries = json.loads((SNAPSHOTS / "manifest.json").read_text(encoding="utf-8"))
    return {(entry["domain"], entry["timestamp"]): entry["original_url"] for entry in entries}


def snapshot_html(site: str, timestamp: str) -> bytes:
    """A capture as served: the corpus's leading note about the capture is not part of the page."""
    return _CAPTURE_COMMENT.sub(b"", (SNAPSHOTS / site / f"{timestamp}.html").read_bytes(), count=1)


def reference(site: str, timestamp: str) -> str:
    return (SNAPSHOTS / site / f"{timestamp}.md").read_text(encoding="utf-8")


@cache
def extracted(site: str, timestamp: str) -> Document:
    return extract_document(snapshot_html(site, timestamp))


def words(markdown: str) -> list[str]:
    return _WORDS.findall(_LINK_TARGET.sub("]", markdown).lower())


def page(body: str, *, title: str = "Privacy", head: str = "") -> bytes:
    return f"<html><head>{head}<title>{title}</title></head><body>{body}</body></html>".encode()


@pytest.mark.parametrize(
    ("site", "timestamp"),
    [("00extreme.com", "20120617142727"), ("smallmailbox.com", "20110627154744"), ("kite.com", "20161231231542")],
)
def test_the_header_line_equals_the_references_first_line(site: str, timestamp: str) -> None:
    rendered = render_reference(
        extracted(site, timestamp), site=site, timestamp=timestamp, original_url=manifest()[(site, timestamp)]
    )
    assert rendered.splitlines()[0] == reference(site, timestamp).splitlines()[0]


def test_the_reference_format_is_header_blank_title_blank_body() -> None:
    document = Document(title="Privacy Policy", body="Some text.")
    rendered = render_reference(
        document, site="example.com", timestamp="20200102030405", original_url="https://example.com/p?a=1"
    )
    lines = rendered.split("\n")
    assert lines[0].startswith("> *The following text is extracted and transformed from the example.com privacy")
    assert "archived on 2020-01-02." in lines[0]
    assert "(https://web.archive.org/web/20200102030405id_/https%3A//example.com/p%3Fa%3D1)" in lines[0]
    assert lines[1:] == ["", "# Privacy Policy", "", "Some text.", ""]


def test_the_title_is_the_title_element_with_whitespace_collapsed() -> None:
    assert extracted("smallmailbox.com", "20110627154744").title == "Legal Agreement"


def test_the_title_falls_back_to_the_first_h1() -> None:
    document = extract_document(f"<html><body><h1>Our  Privacy\nPolicy</h1><p>{POLICY}</p></body></html>".encode())
    assert document.title == "Our Privacy Policy"


def test_the_body_has_the_words_of_the_reference_in_order() -> None:
    ours = extracted("psiphon3.net", "20171202103116").markdown
    theirs = reference("psiphon3.net", "20171202103116").split("\n", 2)[2]
    assert words(ours) == words(theirs)


def test_the_headings_of_a_page_are_those_of_the_reference() -> None:
    ours = [line for line in extracted("kite.com", "20161231231542").body.splitlines() if line.startswith("#")]
    theirs = [line for line in reference("kite.com", "20161231231542").splitlines()[3:] if line.startswith("#")]
    assert ours == theirs
    assert ours[0] == "### What information does Kite access on my computer?"


def test_a_heading_that_repeats_the_title_is_not_repeated_in_the_body() -> None:
    body = extracted("adwaremedic.com", "20150613051519").body
    assert "Privacy policy" not in body
    assert body.splitlines()[2] == "## This site"


def test_navigation_footer_and_script_text_are_absent() -> None:
    body = extracted("001games.com", "20151220210337").body
    for boilerplate in ("HOT TAGS", "Hot Games", "Subway Surfers", "Copyright", "GoogleAnalyticsObject", "W3Counter"):
        assert boilerplate not in body
    assert "THIRD PARTY ADVERTISING" in body


def test_header_menus_and_footer_navigation_are_absent() -> None:
    body = extracted("kittypets.com", "20161025053327").body
    for boilerplate in ("Choosing The Best Pet", "Search", "Terms of Use", "Back to top", "epmads"):
        assert boilerplate not in body
    assert "Information Collection and Use." in body


def test_bold_lead_ins_are_rendered_as_bold_paragraphs() -> None:
    assert "\n**WHY DO WE COLLECT PERSONAL INFORMATION?**\n" in extracted("001games.com", "20151220210337").body


def test_lists_are_indented_two_spaces_with_stars_and_numbers() -> None:
    body = extracted("kite.com", "20161231231542").body
    assert "\n  1. Kite reads all files named *.py in enabled directories (and any subdirectories).\n" in body
    assert "\n  * Contents of Python files in enabled directories.\n" in body


def test_links_are_inline_and_self_titled_links_are_autolinks() -> None:
    body = extracted("psiphon3.net", "20171202103116").body
    assert "[Google Analytics Terms of Use](http://www.google.ca/analytics/terms/us.html)" in body
    assert "  * <http://www.mopub.com/legal/privacy/>" in body


def test_a_line_break_inside_a_paragraph_is_a_markdown_hard_break() -> None:
    body = extracted("siluhd.com", "20160324095900").body
    assert "customized advertising.  \nIn addition, we may partner" in body


def test_a_data_table_is_rendered_as_a_markdown_table() -> None:
    rows = (
        "<tr><th>Data</th><th>Use</th></tr><tr><td>Email</td><td>Login</td></tr><tr><td>IP</td><td>Security</td></tr>"
    )
    table = f"<table>{rows}</table>"
    body = extract_document(page(f"<div><p>{POLICY}</p>{table}<p>{POLICY}</p></div>")).body
    assert "Data | Use\n---|---\nEmail | Login\nIP | Security" in body


def test_a_cookie_banner_is_dropped_but_a_cookies_section_is_kept() -> None:
    banner = '<div class="cookie-notice">We use cookies. <a href="/privacy">Learn more</a><button>OK</button></div>'
    section = f'<div id="cookies"><h2>Cookies</h2><p>Cookies are small files. {POLICY}</p></div>'
    body = extract_document(page(f"{banner}<div class='content'><p>{POLICY}</p>{section}</div>")).body
    assert "We use cookies." not in body
    assert "## Cookies\n\nCookies are small files." in body


def test_the_charset_of_the_content_type_header_wins_over_meta() -> None:
    html = page("<p>Caf\u00e9 cr\u00e8me.</p>", head='<meta charset="utf-8">').decode().encode("cp1252")
    document = extract_document(html, content_type="text/html; charset=windows-1252")
    assert document.body == "Caf\u00e9 cr\u00e8me."


def test_the_charset_of_a_meta_element_wins_over_detection() -> None:
    head = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
    html = page("<p>Na\u00efve r\u00e9sum\u00e9 \u00bd.</p>", head=head).decode().encode("cp1252")
    assert extract_document(html).body == "Na\u00efve r\u00e9sum\u00e9 \u00bd."


def test_a_byte_order_mark_wins_over_the_content_type_header() -> None:
    html = codecs.BOM_UTF16_LE + page("<p>Caf\u00e9 cr\u00e8me.</p>").decode().encode("utf-16-le")
    assert extract_document(html, content_type="text/html; charset=windows-1252").body == "Caf\u00e9 cr\u00e8me."


def test_an_undeclared_charset_is_detected() -> None:
    text = "Nous prot\u00e9geons vos donn\u00e9es personnelles : elles ne sont jamais vendues \u00e0 des tiers. " * 3
    html = page(f"<p>{text}</p>").decode().encode("cp1252")
    assert extract_document(html).body == text.strip()


def test_utf8_bytes_under_a_legacy_meta_charset_are_read_as_utf8() -> None:
    # adwhirl.com declares iso-8859-1, but the corpus holds its bytes as UTF-8.
    assert "such individual\u2019s activities" in extracted("adwhirl.com", "20100213095635").body


def test_select_makes_its_matches_the_content_in_document_order() -> None:
    html = page(f'<div id="a"><p>First.</p></div><div id="b"><p>Second.</p></div><div id="c"><p>{POLICY}</p></div>')
    assert extract_document(html, select=["#b", "#a"]).body == "First.\n\nSecond."


def test_remove_drops_its_matches_before_detection() -> None:
    html = page(f'<div><p>{POLICY}</p><p class="promo">Buy our app now.</p><p>{POLICY}</p></div>')
    assert "Buy our app" in extract_document(html).body
    assert "Buy our app" not in extract_document(html, remove=[".promo"]).body


def test_select_matching_nothing_is_not_extractable() -> None:
    with pytest.raises(NotExtractable):
        extract_document(page(f"<p>{POLICY}</p>"), select=["#policy"])


def test_an_invalid_selector_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="selector"):
        extract_document(page(f"<p>{POLICY}</p>"), remove=["##"])


@pytest.mark.parametrize("html", [b"", b"  \r\n\t "], ids=["nothing", "whitespace"])
def test_empty_input_is_not_extractable(html: bytes) -> None:
    with pytest.raises(NotExtractable) as error:
        extract_document(html)
    assert error.value.reason == "empty"


def test_pdf_bytes_are_not_html() -> None:
    with pytest.raises(NotExtractable) as error:
        extract_document(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    assert error.value.reason.startswith("not html")


def test_binary_bytes_are_not_html() -> None:
    with pytest.raises(NotExtractable) as error:
        extract_document(bytes(range(256)) * 40)
    assert error.value.reason.startswith("not html")


@pytest.mark.parametrize(
    "html",
    [
        b"<html><head><script>var a = 1;</script><style>p {}</style></head>"
        b"<body><script>track()</script><noscript><img src=x></noscript></body></html>",
        b"<html><head><title>Only a title</title></head></html>",
    ],
    ids=["only-scripts", "no-body"],
)
def test_a_page_without_text_is_not_extractable(html: bytes) -> None:
    with pytest.raises(NotExtractable) as error:
        extract_document(html)
    assert error.value.reason == "no text"


def test_a_policy_inside_ten_thousand_nested_divs_is_extracted_with_its_structure() -> None:
    policy = f"<h2>Cookies</h2><p>{POLICY}</p><ul><li>Analytics</li><li>Login</li></ul>"
    html = page("<div>" * 10_000 + policy + "</div>" * 10_000)
    assert extract_document(html).body == f"## Cookies\n\n{POLICY.strip()}\n\n  * Analytics\n  * Login"


@pytest.mark.parametrize("tag", ["b", "blockquote"])
def test_ten_thousand_nested_tags_that_carry_structure_are_refused_as_too_deep(tag: str) -> None:
    html = page(f"<{tag}>" * 10_000 + POLICY + f"</{tag}>" * 10_000)
    with pytest.raises(NotExtractable) as error:
        extract_document(html)
    assert error.value.reason == "nesting too deep"


def test_flattening_drops_only_the_tags_of_containers_past_the_depth_limit() -> None:
    html = "<div><div><div><h2>T</h2><p>a</p></div></div></div><p>b</p>"
    assert flatten_deep_nesting(html, 1) == "<div><h2>T</h2><p>a</p></div><p>b</p>"


def test_nesting_within_the_limit_is_extracted() -> None:
    html = b"<html><body>" + b"<div><span>" * 200 + POLICY.encode() + b"</span></div>" * 200 + b"</body></html>"
    assert extract_document(html).body == POLICY.strip()


def test_an_html_bomb_of_a_million_empty_elements_is_refused_as_too_many_elements() -> None:
    html = b"<html><body>" + b"<span></span>" * 1_000_000 + b"</body></html>"
    with pytest.raises(NotExtractable) as error:
        extract_document(html)
    assert error.value.reason == "too many elements"


def test_start_tags_inside_a_script_do_not_count_as_elements() -> None:
    script = "<script>var s = '" + "<a>" * (MAX_ELEMENTS + 1) + "';</script>"
    assert extract_document(page(script + f"<p>{POLICY}</p>")).body == POLICY.strip()


def test_twenty_megabytes_of_paragraphs_are_extracted_whole() -> None:
    paragraph = "We keep your data safe. " * 21 + "\n"  # 505 bytes
    html = page(f"<p>{paragraph}</p>" * 40_000)
    assert len(html) > 20_000_000
    body = extract_document(html).body
    assert body.count("\n\n") == 40_000 - 1
    assert len(words(body)) == 40_000 * 21 * 5


def test_input_over_the_byte_limit_is_too_large() -> None:
    html = b"<html><body><p>" + b"a" * (25 * 1024 * 1024) + b"</p></body></html>"
    assert len(html) > MAX_HTML_BYTES
    with pytest.raises(NotExtractable) as error:
        extract_document(html)
    assert error.value.reason == "too large"


def test_a_frameset_without_alternative_content_is_not_extractable() -> None:
    html = (
        b'<html><head><title>F</title></head><frameset cols="30%,70%">'
        b'<frame src="m.html"><frame src="p.html"></frameset></html>'
    )
    with pytest.raises(NotExtractable) as error:
        extract_document(html)
    assert error.value.reason == "frames"


def test_a_frameset_with_noframes_content_yields_that_content() -> None:
    html = (
        b'<html><head><title>Policy</title></head><frameset cols="30%,70%"><frame src="m.html">'
        b"<noframes><body><p>We collect <b>nothing</b> about you.</p></body></noframes></frameset></html>"
    )
    assert extract_document(html).body == "We collect **nothing** about you."


def test_an_abbreviation_with_a_title_is_defined_after_the_text() -> None:
    html = page(f'<div><p>{POLICY}</p><p>We log your <abbr title="Internet Protocol">IP</abbr> address.</p></div>')
    assert extract_document(html).body.endswith("We log your IP address.\n  *[IP]: Internet Protocol")


def test_a_small_element_named_share_in_any_case_is_dropped_but_shared_is_not() -> None:
    widget = '<div class="Share-Bar"><a href="/x">Tweet this</a> <a href="/y">Post it</a></div>'
    sections = f'{widget}<p>{POLICY}</p><h4 id="Shared_Data">Shared data</h4><p>{POLICY}</p>'
    body = extract_document(page(f"<div>{sections}</div>")).body
    assert "Tweet this" not in body
    assert "#### Shared data" in body


def test_a_heading_whose_id_is_its_own_slug_stays_whatever_words_the_slug_holds() -> None:
    sections = f'<h4 id="How_We_Share_Information">How we share information</h4><p>{POLICY}</p>'
    body = extract_document(page(f"<div><p>{POLICY}</p>{sections}</div>")).body
    assert "#### How we share information" in body


def test_text_measures_equal_those_of_the_normalized_text_of_every_element() -> None:
    chunks = ["word", "a,b", " ", "\n", "\u00a0", "\u200b", "caf\u00e9", "x y", "", "\uff0c"]
    rng = random.Random(7)

    def fragment(depth: int) -> str:
        if depth > 3 or rng.random() < 0.3:
            return "".join(rng.choice(chunks) for _ in range(rng.randint(0, 3)))
        tag = rng.choice(["div", "p", "span", "a", "b", "li"])
        inner = "".join(fragment(depth + 1) for _ in range(rng.randint(0, 3)))
        return f'<{tag} href="#x">{inner}</{tag}>{rng.choice(chunks)}'

    for _ in range(200):
        root = lxml_html.document_fromstring(f"<html><body>{fragment(0)}{fragment(0)}</body></html>")
        stats = TextStats()
        for element in root.iter():
            text = inner_text(element)
            commas = text.count(",") + text.count("\uff0c")
            assert (stats.of(element).length, stats.of(element).commas) == (len(text), commas)
