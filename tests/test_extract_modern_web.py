"""monitor.extract.pipeline on the structures of today's web, as small invented pages in tests/fixtures/modern_web.

Each fixture reproduces one failure class (see its README): a policy split over sibling blocks, several documents
on one page, tables beside the rich text, responsive copies, hidden elements, a page that is mostly a cookie
banner, the page's own ``<h1>`` and nested heading levels.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from lxml import html as lxml_html

from monitor.extract.pipeline import extract_document
from monitor.models import Document

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "modern_web"
_GFM_SEPARATOR = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$")


@cache
def extracted(name: str) -> Document:
    return extract_document((FIXTURES / f"{name}.html").read_bytes())


def body(name: str) -> str:
    """The Markdown body with whitespace collapsed, so that texts are found across line breaks."""
    return " ".join(extracted(name).body.split())


@cache
def page_texts(name: str, xpath: str) -> tuple[str, ...]:
    """The texts, whitespace collapsed, of the fixture's elements matching ``xpath``, in document order."""
    root = lxml_html.fromstring((FIXTURES / f"{name}.html").read_bytes())
    return tuple(" ".join(element.text_content().split()) for element in root.xpath(xpath))


def missing_in_order(text: str, expected: tuple[str, ...] | list[str]) -> list[str]:
    """The expected texts not found in ``text`` after the one before them: ``[]`` when all are there, in order."""
    missing = []
    start = 0
    for item in expected:
        at = text.find(item, start)
        if at < 0:
            missing.append(item)
        else:
            start = at + len(item)
    return missing


def heading_lines(name: str) -> list[str]:
    return [line for line in extracted(name).body.splitlines() if line.startswith("#")]


def table_blocks(markdown: str) -> list[list[str]]:
    """The GFM tables of ``markdown`` (a row line, a ``---`` separator line, then row lines) as lists of lines."""
    lines = markdown.splitlines()
    tables = []
    for index in range(1, len(lines)):
        if _GFM_SEPARATOR.match(lines[index]) and "|" in lines[index - 1]:
            block = [lines[index - 1], lines[index]]
            for line in lines[index + 1 :]:
                if "|" not in line:
                    break
                block.append(line)
            tables.append(block)
    return tables


# 1. A policy split over many sibling blocks.


def test_a_policy_split_over_sibling_blocks_keeps_every_paragraph_and_heading_in_order() -> None:
    expected = page_texts("nextjs_sibling_blocks", "//main//h2 | //main//div[contains(@class, 'prose')]//p")
    assert len(expected) == 25
    assert missing_in_order(body("nextjs_sibling_blocks"), expected) == []


def test_headings_in_their_own_sibling_blocks_are_markdown_headings() -> None:
    expected = [f"## {text}" for text in page_texts("nextjs_sibling_blocks", "//main//h2")]
    assert heading_lines("nextjs_sibling_blocks")[-len(expected) :] == expected


def test_a_policy_in_two_page_sections_keeps_the_shorter_first_section() -> None:
    first = page_texts("squarespace_two_sections", "//section[@data-section-id='6512a']//*[self::h3 or self::p]")
    assert len(first) == 7
    assert missing_in_order(body("squarespace_two_sections"), first) == []


def test_a_policy_in_two_page_sections_keeps_the_second_section() -> None:
    second = page_texts("squarespace_two_sections", "//section[@data-section-id='6512b']//*[self::h3 or self::p]")
    assert len(second) == 18
    assert missing_in_order(body("squarespace_two_sections"), second) == []


def test_a_policy_in_two_page_sections_keeps_them_in_page_order() -> None:
    sections = page_texts("squarespace_two_sections", "//section[starts-with(@data-section-id, '6512')]//h3")
    assert len(sections) == 10
    assert missing_in_order(body("squarespace_two_sections"), sections) == []


def test_an_image_banner_between_the_policy_sections_is_absent() -> None:
    assert "Every mug is thrown, glazed, and fired in our studio" not in body("squarespace_two_sections")


def test_a_newsletter_signup_after_the_policy_is_absent() -> None:
    signup = page_texts(
        "squarespace_two_sections", "//div[contains(@class, 'newsletter-form-wrapper')]/*[self::h2 or self::p]"
    )
    assert len(signup) == 3
    assert [text for text in signup if text in body("squarespace_two_sections")] == []


def test_a_column_of_small_components_keeps_every_paragraph_and_heading_in_order() -> None:
    column = "//div[contains(@class, 'cmp-container')]"
    expected = page_texts("aem_component_column", f"{column}//div[@class='cmp-text']/p | {column}//h2")
    assert len(expected) == 25
    assert missing_in_order(body("aem_component_column"), expected) == []


# 2. Several documents on one page.


def test_a_legal_page_yields_its_privacy_policy() -> None:
    privacy = page_texts("legal_several_documents", "//h2[@id='privacy']/following-sibling::*")
    assert len(privacy) == 15
    assert missing_in_order(body("legal_several_documents"), privacy) == []


@pytest.mark.parametrize("anchor", ["terms", "api-terms", "dmca"])
def test_a_legal_page_leaves_out_its_other_documents(anchor: str) -> None:
    following = f"//h2[@id='{anchor}']/following-sibling::p[preceding-sibling::h2[1][@id='{anchor}']]"
    other_document = page_texts("legal_several_documents", following)
    assert len(other_document) >= 3
    assert [text for text in other_document if text in body("legal_several_documents")] == []


# 3. Tables outside the rich-text block.


def test_a_table_in_scroll_wrappers_after_the_rich_text_is_a_markdown_table() -> None:
    tables = table_blocks(extracted("table_beside_rich_text").body)
    assert len(tables) == 1
    assert all(word in tables[0][0] for word in ("Purpose", "Data", "Legal basis"))


def test_a_table_after_the_rich_text_keeps_every_cell_in_its_row() -> None:
    tables = table_blocks(extracted("table_beside_rich_text").body)
    cells = [page_texts("table_beside_rich_text", f"//tbody/tr[{index}]/td") for index in range(1, 6)]
    assert len(tables) == 1
    table_rows = tables[0][2:]
    assert len(table_rows) == len(cells) == 5
    assert [missing_in_order(line, row) for line, row in zip(table_rows, cells, strict=True)] == [[]] * 5


def test_the_rich_text_after_a_table_block_is_kept() -> None:
    after = page_texts("table_beside_rich_text", "(//div[contains(@class, 'rich-text')])[2]/*")
    assert len(after) == 10
    assert missing_in_order(body("table_beside_rich_text"), after) == []


def test_a_grid_of_div_cells_beside_the_rich_text_keeps_every_cell_in_reading_order() -> None:
    cells = page_texts("webflow_grid", "//div[contains(@class, 'w-layout-grid retention-grid')]/div")
    assert len(cells) == 12
    assert missing_in_order(body("webflow_grid"), cells) == []


def test_the_rich_text_around_a_grid_of_div_cells_is_kept() -> None:
    prose = page_texts("webflow_grid", "//div[contains(@class, 'w-richtext')]/*")
    assert len(prose) == 19
    assert missing_in_order(body("webflow_grid"), prose) == []


# 4. Responsive variants.


def test_breakpoint_variants_yield_each_paragraph_exactly_once() -> None:
    paragraphs = page_texts("framer_ssr_variants", "//div[contains(@class, 'hidden-72rtr7')]//p")
    assert len(paragraphs) == 10
    counts = {text: body("framer_ssr_variants").count(text) for text in paragraphs}
    assert {text: count for text, count in counts.items() if count != 1} == {}


def test_breakpoint_variants_yield_each_heading_exactly_once() -> None:
    headings = [
        f"## {text}" for text in page_texts("framer_ssr_variants", "//div[contains(@class, 'hidden-72rtr7')]//h2")
    ]
    assert [line for line in heading_lines("framer_ssr_variants") if line.startswith("## ")] == headings


def test_desktop_and_mobile_copies_of_a_section_yield_it_exactly_once() -> None:
    paragraphs = page_texts("tailwind_desktop_mobile", "//div[@class='md:hidden']//p")
    assert len(paragraphs) == 2
    assert [body("tailwind_desktop_mobile").count(text) for text in paragraphs] == [1, 1]


def test_desktop_and_mobile_copies_of_a_section_leave_the_rest_of_the_policy_in_place() -> None:
    expected = page_texts("tailwind_desktop_mobile", "//main/h2 | //main/p")
    assert len(expected) == 16
    assert missing_in_order(body("tailwind_desktop_mobile"), expected) == []


def test_two_duplicate_main_elements_yield_each_paragraph_exactly_once() -> None:
    paragraphs = page_texts("nextjs_two_mains", "(//main)[1]//p")
    assert len(paragraphs) == 11
    counts = {text: body("nextjs_two_mains").count(text) for text in paragraphs}
    assert {text: count for text, count in counts.items() if count != 1} == {}


# 5. Hidden means hidden.


@pytest.mark.parametrize(
    "hidden_text",
    [
        pytest.param("birthday vouchers by post", id="hidden-attribute"),
        pytest.param("second data centre in the northern region", id="display-none"),
        pytest.param("recordings of support calls", id="visibility-hidden"),
        pytest.param("share your first name with the friend you invite", id="aria-hidden"),
    ],
)
def test_a_hidden_element_inside_the_policy_is_absent(hidden_text: str) -> None:
    assert hidden_text in (FIXTURES / "hidden_elements.html").read_text(encoding="utf-8")
    assert hidden_text not in body("hidden_elements")


def test_an_overflow_hidden_utility_class_does_not_hide_its_text() -> None:
    assert "our payment processor receives your card number directly" in body("hidden_elements")


def test_the_visible_policy_around_hidden_elements_is_kept() -> None:
    expected = page_texts("hidden_elements", "//h2 | //p[contains(@class, 'leading-7')]")
    assert len(expected) == 16
    assert missing_in_order(body("hidden_elements"), expected) == []


# 6. A page that is mostly a cookie banner.


def test_the_intro_before_the_first_numbered_heading_is_kept() -> None:
    assert "Quillmate is a writing assistant for teams." in body("cookie_banner_heavy")


def test_the_policy_beside_a_large_cookie_banner_is_kept() -> None:
    policy = page_texts("cookie_banner_heavy", "//div[@class='entry-content']/*")
    assert len(policy) == 9
    assert missing_in_order(body("cookie_banner_heavy"), policy) == []


@pytest.mark.parametrize(
    "banner_text",
    [
        "We value your privacy",
        "Customise Consent Preferences",
        "Necessary cookies are required to enable the basic features",
        "Advertisement cookies are used to provide visitors",
        "Remembers the consent choices you made in this banner",
    ],
)
def test_a_large_cookie_banner_is_absent(banner_text: str) -> None:
    assert banner_text not in body("cookie_banner_heavy")


# 7. The page's own H1.


def test_the_pages_own_h1_is_a_heading_of_the_body() -> None:
    assert extracted("own_h1").title == "Privacy | Acme"
    assert "# Acme Privacy Notice" in extracted("own_h1").body.splitlines()


def test_an_h1_equal_to_the_title_is_not_repeated_in_the_body() -> None:
    document = extracted("h1_equals_title")
    assert document.title == "Acme Privacy Notice"
    assert not document.body.startswith("# Acme Privacy Notice")


# 8. Heading levels follow the page.


def test_heading_levels_follow_the_page() -> None:
    assert [line for line in heading_lines("heading_levels") if line.startswith("##")] == [
        "## 1. Information we collect",
        "### 1.1 Information you give us",
        "### 1.2 Information collected automatically",
        "## 2. How we use information",
        "### 2.1 Providing the service",
        "### 2.2 Marketing",
        "#### Opting out of marketing",
        "## 3. Sharing with third parties",
        "### 3.1 Service providers",
        "### 3.2 Legal requests",
        "## 4. Contact us",
    ]
