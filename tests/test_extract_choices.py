"""What the extractor chooses on today's pages, and says it chose: the document of a legal hub, a grid's
cells, a text a page really repeats, the prose a column of blocks adds (and the lines it does not)."""

from __future__ import annotations

from pathlib import Path

from monitor.extract.pipeline import extract_document

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "modern_web"
PROSE = "We collect your name, your email address and the pages you visit, to run and improve this service. " * 3
LEGAL_HUB = (FIXTURES / "legal_several_documents.html").read_bytes()


def page(body: str, title: str = "Privacy | Acme") -> bytes:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>".encode()


def test_a_legal_hub_records_that_the_privacy_policy_was_kept() -> None:
    assert extract_document(LEGAL_HUB).kept_documents == ("Privacy Policy",)


def test_the_fragment_of_the_policy_url_chooses_the_document_of_a_legal_hub() -> None:
    document = extract_document(LEGAL_HUB, url="https://acme.example/legal#terms")
    assert document.kept_documents == ("Terms of Service",)
    assert "Terms of Service" in document.body and "## Privacy Policy" not in document.body


def test_a_policy_whose_sections_are_named_like_documents_stays_whole() -> None:
    sections = "".join(
        f"<h2>{name}</h2><p>{PROSE}</p>"
        for name in ("Cookie Policy", "Changes to this Policy", "Children's Privacy Notice", "Contact")
    )
    document = extract_document(page(f"<main><div>{sections}</div></main>"))
    assert document.kept_documents == ()
    assert document.body.count("## ") == 4


def test_a_grid_of_cells_whose_columns_the_page_does_not_say_keeps_every_cell_in_reading_order() -> None:
    cells = "".join(f'<div class="cell">Processor {n}, hosting in region {n}</div>' for n in range(6))
    document = extract_document(page(f'<article><p>{PROSE}</p><div class="partners-grid">{cells}</div></article>'))
    positions = [document.body.find(f"Processor {n}, hosting") for n in range(6)]
    assert -1 not in positions and positions == sorted(positions)


def test_a_grid_whose_first_row_is_named_apart_is_a_table() -> None:
    head = "".join(f'<div class="grid-head">{name}</div>' for name in ("Data", "Kept for"))
    rows = "".join(f'<div class="grid-cell">{text}</div>' for text in ("Invoices", "Ten years", "Logs", "Thirty days"))
    document = extract_document(page(f'<article><p>{PROSE}</p><div class="w-layout-grid">{head}{rows}</div></article>'))
    assert "Data | Kept for\n---|---\nInvoices | Ten years\nLogs | Thirty days" in document.body


def test_a_paragraph_the_page_really_repeats_is_kept_twice() -> None:
    repeated = "To reach our privacy team, write to privacy@acme.example or to 1 Main Street, Springfield."
    sections = f"<h2>Europe</h2><p>{PROSE}</p><p>{repeated}</p><h2>United States</h2><p>{PROSE}</p><p>{repeated}</p>"
    document = extract_document(page(f"<article>{sections}</article>"))
    assert document.body.count(repeated) == 2


def test_a_copyright_line_beside_the_policy_is_not_climbed_to() -> None:
    policy = "".join(f"<p>{PROSE}</p>" for _ in range(6))
    bottom = '<div class="base"><p>Copyright 2024 Acme Inc.</p><p>Made in Springfield.</p></div>'
    layout = f'<div class="shell"><div class="wrap"><div class="inner">{policy}</div></div>{bottom}</div>'
    assert "Copyright" not in extract_document(page(layout)).body


def test_section_headers_named_header_stay_when_they_are_only_a_heading() -> None:
    blocks = "".join(
        f'<div class="notion-header-block"><h2>{n}. Part</h2></div><div class="notion-text-block">{PROSE}</div>'
        for n in range(1, 4)
    )
    body = extract_document(page(f'<div class="notion-page-content">{blocks}</div>')).body
    assert [f"## {n}. Part" in body for n in range(1, 4)] == [True] * 3


def test_a_page_header_outside_main_with_the_title_and_intro_opens_the_policy() -> None:
    intro = "This policy explains how Acme uses your personal information when you plan, book and take a trip with us."
    intro_paragraph = f'<p class="intro">{intro} It applies to our website, our apps and our phone lines.</p>'
    header = f'<header class="page-header"><h1>Privacy Policy</h1>{intro_paragraph}</header>'
    sections = "".join(f"<h2>{n}. Part</h2><p>{PROSE}</p>" for n in range(1, 4))
    site_header = '<header class="site-header"><a href="/">Acme</a></header>'
    html = page(f'{site_header}{header}<div class="page"><section>{sections}</section></div>')
    body = extract_document(html).body
    assert body.index(intro) < body.index("## 1. Part")


def test_the_date_line_under_a_title_heading_a_level_up_stays() -> None:
    date = '<div class="field--last-reviewed"><div>Last reviewed</div><div>20 January 2025</div></div>'
    body_field = "".join(f"<h2>{n}. Part</h2><p>{PROSE}</p>" for n in range(1, 4))
    content = f'<div class="node"><div class="content">{date}<div class="field--body">{body_field}</div></div></div>'
    title = '<div class="title-block"><h1>Privacy | Acme</h1></div>'
    html = page(f'<main>{title}<div class="main-block">{content}</div></main>')
    assert "Last reviewed" in extract_document(html).body


def test_a_hidden_menu_drawer_a_hamburger_button_opens_stays_hidden() -> None:
    blurb = "<p>New patients are welcome at all six of our clinics; call us to register.</p>"
    drawer = f'<div id="drawer" hidden><nav><a href="/a">Clinics</a></nav>{blurb}</div>'
    button = '<button aria-controls="drawer" aria-expanded="false">Menu</button>'
    html = page(f"{button}{drawer}<main><p>{PROSE}</p><p>{PROSE}</p></main>")
    assert "New patients" not in extract_document(html).body
