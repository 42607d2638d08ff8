"""Splitting a version's Markdown into sections."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.compare.paragraphs import cut_paragraphs, paragraphs_after
from monitor.compare.sections import PREAMBLE, parse_sections, section_starts, split_sections
from monitor.compare.text_regions import differences
from monitor.models import Section

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
SNAPSHOTS = CORPUS / "snapshots"
SEEDS = CORPUS / "seeds"
HISTORIES = CORPUS / "histories"


def by_path(sections: tuple[Section, ...]) -> dict[tuple[str, ...], Section]:
    return {section.path: section for section in sections}


def test_text_before_the_first_heading_is_the_preamble() -> None:
    sections = split_sections("We respect your privacy.\n\n# Privacy Policy\n\nBody.\n")

    assert sections[0] == Section((PREAMBLE,), 0, "We respect your privacy.")
    assert sections[1].path == ("Privacy Policy",)


def test_an_empty_preamble_is_omitted() -> None:
    sections = split_sections("\n   \n# Privacy Policy\n\nBody.\n")

    assert [section.path for section in sections] == [("Privacy Policy",)]


def test_the_reference_header_line_is_not_policy_text() -> None:
    sections = split_sections((SEEDS / "000_8c5950695e72b2ff.txt").read_text())

    assert sections[0].path == ("Privacy Policy - SOSTEC",)
    assert all("The following text is extracted" not in section.text for section in sections)


def test_atx_headings_nest_into_paths_from_the_title_down() -> None:
    markdown = "# Privacy Policy\n\nIntro.\n\n## How we use information\n\nUse.\n\n### Cookies\n\nCrumbs.\n"

    sections = split_sections(markdown)

    assert [(section.path, section.level) for section in sections] == [
        (("Privacy Policy",), 1),
        (("Privacy Policy", "How we use information"), 2),
        (("Privacy Policy", "How we use information", "Cookies"), 3),
    ]


def test_a_heading_closes_deeper_sections_before_it() -> None:
    markdown = "# P\n\n## A\n\n### A1\n\nx\n\n## B\n\ny\n"

    assert split_sections(markdown)[-1].path == ("P", "B")


def test_section_text_excludes_its_heading_and_its_subsections() -> None:
    markdown = "# P\n\n## A\n\nOwn text.\n\n### A1\n\nChild text.\n"

    assert by_path(split_sections(markdown))[("P", "A")].text == "Own text."


def test_setext_headings_are_levels_one_and_two() -> None:
    markdown = "Privacy Policy\n==============\n\nIntro.\n\nCookies\n-------\n\nCrumbs.\n"

    sections = split_sections(markdown)

    assert [(section.path, section.level, section.text) for section in sections] == [
        (("Privacy Policy",), 1, "Intro."),
        (("Privacy Policy", "Cookies"), 2, "Crumbs."),
    ]


def test_a_rule_after_a_blank_line_is_not_a_setext_underline() -> None:
    sections = split_sections("# P\n\nText.\n\n---\n\nMore.\n")

    assert [section.path for section in sections] == [("P",)]


def test_setext_headings_structure_a_real_facebook_policy() -> None:
    sections = split_sections((HISTORIES / "facebook-privacy-policy" / "20260822003050.md").read_text())

    paths = by_path(sections)
    assert ("What information do we collect?",) in paths
    assert paths[("What information do we collect?", "Highlights")].level == 2


def test_a_bold_paragraph_alone_on_a_line_starts_a_section() -> None:
    sections = split_sections((SNAPSHOTS / "001games.com" / "20151220210337.md").read_text())

    section = by_path(sections)[("Privacy Policy", "WHY DO WE COLLECT PERSONAL INFORMATION?")]
    assert section.level == 2
    assert section.text


def test_a_bold_lead_in_keeps_the_rest_of_its_paragraph_as_text() -> None:
    sections = split_sections((SNAPSHOTS / "adwerty.com" / "20161118222544.md").read_text())

    cookies = by_path(sections)[("Legal", "Cookies")]
    assert cookies.text.startswith('Third parties may be placing or reading "cookies"')


def test_a_bold_run_left_open_stops_at_the_heading_below_it() -> None:
    sections = split_sections("Intro\n\n**Ads\n## Sharing\n**Ads.** We show ads.\n\n**Data.** We sell none.\n")
    assert [s.path for s in sections] == [("Preamble",), ("Sharing",), ("Sharing", "Ads"), ("Sharing", "Data")]


def test_bold_lead_in_list_item_starts_a_section() -> None:
    sections = split_sections((SNAPSHOTS / "00extreme.com" / "20120617142727.md").read_text())

    overview = by_path(sections)[("Privacy Policy", "Overview")]
    assert overview.level == 2
    assert overview.text.startswith("Thank you for visiting www.00extreme.com")


def test_bold_lead_ins_sit_one_level_below_their_heading_as_siblings() -> None:
    sections = split_sections((SEEDS / "002_b2ea077fa90cf908.txt").read_text())

    parent = ("Privacy Policy", "What Information/Data Do We Collect")
    paths = by_path(sections)
    assert paths[(*parent, "Your contact information")].level == 3
    assert paths[(*parent, "Your payment information")].level == 3


def test_a_bold_run_inside_a_sentence_is_not_a_heading() -> None:
    sections = split_sections("# P\n\n**Please note** that we keep logs.\n")

    assert [section.path for section in sections] == [("P",)]


def test_a_long_bold_paragraph_is_not_a_heading() -> None:
    markdown = "# P\n\n**By using this Site you agree to accept every one of the terms provided in this Policy.**\n"

    assert [section.path for section in split_sections(markdown)] == [("P",)]


def test_a_bold_link_is_not_a_heading() -> None:
    markdown = "# P\n\n**Overview**\n\n**[Learn what we collect](#chapter1)**\n\n**Details**\n\nWe collect data.\n"

    assert [section.path for section in split_sections(markdown)] == [("P",), ("P", "Overview"), ("P", "Details")]


def test_consecutive_bold_lines_are_each_a_heading() -> None:
    markdown = "# P\n\n**1. Jurisdictions**\n**A. Europe**\n\nGDPR applies.\n"

    assert [section.path for section in split_sections(markdown)][1:] == [("P", "1. Jurisdictions"), ("P", "A. Europe")]


def test_a_numbered_clause_alone_between_blank_lines_is_a_heading() -> None:
    sections = split_sections((HISTORIES / "parler-privacy-policy" / "20220827003217.md").read_text())

    clause = by_path(sections)[("1. Information We Collect",)]
    assert clause.text.startswith("“Personal Information” is information that identifies")


def test_numbered_clause_headings_carry_their_lead_ins() -> None:
    markdown = "# P\n\nIntro.\n\n1. Sharing\n\nWe share.\n\n**Vendors.** Vendors help.\n\n**Courts.** Courts ask.\n"

    paths = by_path(split_sections(markdown))
    assert paths[("P", "1. Sharing")].level == 2
    assert paths[("P", "1. Sharing", "Vendors")].level == 3


def test_items_of_a_numbered_list_are_not_headings() -> None:
    markdown = "# P\n\nWe collect:\n\n1. Your name\n\n2. Your email\n\n3. Your address\n"

    assert [section.path for section in split_sections(markdown)] == [("P",)]


def test_an_atx_heading_inside_a_list_item_is_a_heading() -> None:
    sections = split_sections((SEEDS / "001_74c963b10c912e1e.txt").read_text())

    assert by_path(sections)[("Privacy policy | Softorino Inc", "What we collect")].level == 3


def test_escaped_numbering_in_a_heading_is_kept_as_plain_text() -> None:
    sections = split_sections((SEEDS / "004_4ed3a03c2775a696.txt").read_text())

    assert ("Privacy Policy - Faasoft", "1. What Information and How do we Collect?") in by_path(sections)


def test_duplicate_sibling_titles_get_distinct_paths() -> None:
    markdown = "# P\n\n## Take control\n\nOne.\n\n## Take control\n\nTwo.\n\n### Cookies\n\nThree.\n"

    assert [section.path for section in split_sections(markdown)] == [
        ("P",),
        ("P", "Take control"),
        ("P", "Take control (2)"),
        ("P", "Take control (2)", "Cookies"),
    ]


def test_the_same_title_under_different_parents_is_not_a_duplicate() -> None:
    markdown = "# A\n\n## Highlights\n\nx\n\n# B\n\n## Highlights\n\ny\n"

    assert ("B", "Highlights") in by_path(split_sections(markdown))


def test_titles_lose_markup_links_and_trailing_colons_and_periods() -> None:
    markdown = "# P\n\n## **Your [rights](https://example.com/rights) and _choices_**:\n\nText.\n"

    assert split_sections(markdown)[1].path == ("P", "Your rights and choices")


def test_titles_fold_typographic_quotes() -> None:
    sections = split_sections("# Children’s Privacy\n\nText.\n")

    assert sections[0].path == ("Children's Privacy",)


def test_a_last_updated_date_heading_stays_in_the_text() -> None:
    sections = split_sections((HISTORIES / "bluesky-privacy-policy" / "20240314123133.md").read_text())

    root = sections[0]
    assert root.path == ("Bluesky App Privacy Policy",)
    assert root.text.splitlines()[0].split() == ["####", "Last", "Updated:", "February", "5,", "2024"]
    assert ("Bluesky App Privacy Policy", "Overview") in by_path(sections)


def test_headings_inside_code_fences_are_ignored() -> None:
    markdown = "# P\n\n```\n# not a heading\n**nor this**\n```\n"

    sections = split_sections(markdown)

    assert [section.path for section in sections] == [("P",)]
    assert "# not a heading" in sections[0].text


@pytest.mark.parametrize("path", sorted([*SNAPSHOTS.glob("*/*.md"), *SEEDS.glob("*.txt")]), ids=lambda p: p.stem)
def test_every_snapshot_and_seed_splits_into_titled_sections(path: Path) -> None:
    sections = split_sections(path.read_text())

    assert sections
    assert all(section.path and all(section.path) for section in sections)
    assert len({section.path for section in sections}) == len(sections)


def test_section_starts_give_the_line_each_heading_starts_on() -> None:
    markdown = "Intro.\n\nPrivacy\n=======\n\n## Cookies\n\n**Ads.** We show ads.\n\nNote:\n\n**Tags.** We use tags.\n"

    assert section_starts(parse_sections(markdown)) == (0, 2, 5, 7, 11)


def test_windows_line_endings_split_like_unix_ones() -> None:
    markdown = "# P\n\nIntro.\n\nCookies\n-------\n\n**Ads.** We show ads.\n"

    assert split_sections(markdown.replace("\n", "\r\n")) == split_sections(markdown)


# --- parsing a version after the one it follows --------------------------------------------------------

LINES = st.sampled_from(
    [
        "",
        "",
        "Some text of a paragraph.",
        "More text, [a link](https://example.org/?a=1&h=x) inside.",
        "Privacy",
        "=======",
        "Cookies",
        "-------",
        "## Sharing",
        "# Terms",
        "**Ads.** We show ads.",
        "**Note:** a remark.",
        "**Contact us**",
        "**Ads",
        "**Example Inc.**  ",
        "**Privacy Team**\\",
        "**Example Inc.  ",
        "* **Partners.** We work with partners.",
        "* an item",
        "1. Definitions",
        "[](#2-basis)2\\. Legal basis",
        "[](#ads)**Ads.** We show ads.",
        "2) a numbered item",
        "```",
        "> *The following text is extracted from the page",
        "[",
        "](https://example.org/)",
        "Last updated: May 1, 2024",
    ]
)


@st.composite
def edited_documents(draw: st.DrawFn) -> tuple[str, str]:
    """A document of heading-ish and text lines, and a copy edited at a few scattered places."""
    lines = draw(st.lists(LINES, min_size=1, max_size=60))
    edited = list(lines)
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(edited)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "reword"]))
        if action == "insert" or not edited:
            edited.insert(at, draw(LINES))
        elif action == "delete":
            del edited[min(at, len(edited) - 1)]
        elif action == "replace":
            edited[min(at, len(edited) - 1)] = draw(LINES)
        else:
            edited[min(at, len(edited) - 1)] += " changed"
    return "\n".join(lines), "\n".join(edited)


@settings(max_examples=300, deadline=None)
@given(edited_documents())
def test_a_version_edited_in_several_places_parses_after_the_old_one_as_alone(texts: tuple[str, str]) -> None:
    old, new = texts
    parsed_old, paragraphs_old = parse_sections(old), cut_paragraphs(old)
    parsed_new = parse_sections(new, previous=parsed_old)
    regions = differences(old, new)
    after_old = (parsed_new.sections, paragraphs_after(paragraphs_old, old, new, regions), section_starts(parsed_new))

    alone = parse_sections(new)
    assert after_old == (alone.sections, cut_paragraphs(new), section_starts(alone))
