"""Hidden elements are dropped before scoring, but disclosure panels and a page hidden until its script runs."""

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


def test_a_copy_in_another_language_hidden_beside_the_visible_one_is_dropped() -> None:
    german = POLICY.replace("We collect", "Wir erheben")
    html = page(
        f'<main><div lang="en"><p>{POLICY}</p></div><div lang="de" style="display:none"><p>{german}</p></div></main>'
    )
    body = extract_document(html).body
    assert "We collect your name" in body
    assert "Wir erheben" not in body


def test_a_page_hidden_until_its_script_runs_is_kept_when_little_else_shows() -> None:
    html = page(f'<p>Menu</p><div id="app" style="display:none"><p>{POLICY}</p><p>{POLICY}</p></div>')
    assert "We collect your name" in extract_document(html).body


def test_an_accordion_panel_hidden_after_its_toggle_is_kept_with_the_toggle_label() -> None:
    items = "".join(
        f'<div class="accordion-item"><button class="accordion-header">{n}. Section</button>'
        f'<div class="accordion-panel" hidden><p>{n}: {POLICY}</p></div></div>'
        for n in range(1, 4)
    )
    body = extract_document(page(f"<main>{items}</main>")).body
    assert [f"**{n}. Section**" in body for n in range(1, 4)] == [True] * 3
    assert [f"{n}: We collect your name" in body for n in range(1, 4)] == [True] * 3


def test_a_panel_a_toggle_names_by_aria_controls_is_kept_wherever_it_sits() -> None:
    html = page(
        f'<main><p>{POLICY}</p><p><button aria-expanded="false" aria-controls="more">Read more</button></p>'
        f'<p>Between.</p><div id="more" hidden><p>Also, {POLICY}</p></div></main>'
    )
    assert "Also, We collect your name" in extract_document(html).body


def test_a_tab_panel_hidden_with_the_policy_in_another_language_is_dropped() -> None:
    german = POLICY.replace("We collect", "Wir erheben")
    buttons = "".join(f'<button role="tab" aria-controls="{lang}">{lang}</button>' for lang in ("en", "de"))
    tabs = f'<div role="tablist">{buttons}</div>'
    panels = (
        f'<div role="tabpanel" id="en"><p>{POLICY}</p></div><div role="tabpanel" id="de" hidden><p>{german}</p></div>'
    )
    body = extract_document(page(f"<main>{tabs}{panels}</main>")).body
    assert "We collect your name" in body
    assert "Wir erheben" not in body
