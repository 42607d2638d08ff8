"""Hidden elements are dropped before scoring, unless they hold half the page (a script's doing)."""

from __future__ import annotations

from monitor.extract.pipeline import extract_document

POLICY = "We collect your name, your email address, and the pages you visit, to run and improve this site. " * 4


def page(body: str) -> bytes:
    return f"<html><head><title>Privacy</title></head><body>{body}</body></html>".encode()


def test_a_hidden_element_holding_little_of_the_page_is_dropped_whichever_way_it_is_hidden() -> None:
    for hidden in ('style="display: none"', 'style="visibility:hidden"', "hidden", 'aria-hidden="true"'):
        body = extract_document(page(f"<div><p>{POLICY}</p><p {hidden}>Secret menu text</p></div>")).body
        assert "Secret" not in body
        assert "We collect your name" in body


def test_a_hidden_wrapper_holding_the_page_is_kept_and_what_is_hidden_inside_it_still_goes() -> None:
    inner = f'<p>{POLICY}</p><div aria-hidden="true"><p>Secret menu text</p></div>'
    html = page(f'<div hidden><div style="display:none">{inner}</div></div><p>Footer</p>')
    body = extract_document(html).body
    assert "We collect your name" in body
    assert "Secret" not in body


def test_a_hidden_element_holding_half_the_page_is_kept_and_one_just_under_half_is_dropped() -> None:
    # The body's text is "aaaaa bbbb" (10 characters): "aaaaa" is half of it, "aaaa" of "aaaa bbbbb" is not.
    assert "aaaaa" in extract_document(page("<p><span hidden>aaaaa</span> bbbb</p>")).body
    assert "aaaa" not in extract_document(page("<p><span hidden>aaaa</span> bbbbb</p>")).body
