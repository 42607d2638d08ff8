"""Bold text that is or is not a heading, and headings written with anchor links, on real policy histories."""

from __future__ import annotations

import re

from monitor.compare.changes import apply_change, compare
from monitor.compare.sections import parse_sections, split_sections
from monitor.models import SectionChangeKind
from tests.corpus import HISTORIES

X = HISTORIES / "x-privacy-policy"
PARLER = HISTORIES / "parler-privacy-policy"


def bold_block(markdown: str, first_words: str) -> str:
    """The paragraph of a version that starts with ``**`` and these words."""
    match = re.search(rf"^\*\*{re.escape(first_words)}.*?(?=\n\n)", markdown, re.M | re.S)
    assert match is not None, first_words
    return match.group(0)


def bold_per_line(block: str) -> str:
    """A bold block as an HTML-to-Markdown renderer writes ``<strong>a<br>b</strong>``: each line bold alone,
    ending with a hard line break."""
    lines = [line.strip(" *") for line in block.split("\n")]
    return "  \n".join(f"**{line}**" for line in lines)


def test_a_bold_phrase_split_by_a_line_break_is_one_paragraph() -> None:
    markdown = "# Contact\n\nWrite to us:\n\n**Example Inc.**  \n**Privacy Team**\n\nWe answer within a month.\n"

    sections = split_sections(markdown)

    assert [s.path for s in sections] == [("Contact",)]
    assert "**Example Inc.**  \n**Privacy Team**" in sections[0].text


def test_a_bold_run_over_hard_line_breaks_is_not_a_title() -> None:
    markdown = "# Contact\n\n**Example Inc.\\\nPrivacy Team**\n\nWe answer within a month.\n"

    assert [s.path for s in split_sections(markdown)] == [("Contact",)]


def test_x_address_blocks_stay_in_the_contact_section() -> None:
    markdown = (X / "20251023085023.md").read_text()
    per_line = markdown
    for first in ("X Corp.", "X Internet Unlimited Company", "X Switzerland GmbH"):
        per_line = per_line.replace(block := bold_block(markdown, first), bold_per_line(block))
    assert per_line != markdown

    for text in (markdown, per_line):
        contact = next(s for s in split_sections(text) if s.title == "10. How To Contact X")
        assert "Bastrop, TX 78602**" in contact.text
        assert "3018 Bern, SWITZERLAND**" in contact.text


def test_a_changed_address_in_a_bold_block_is_one_modified_section() -> None:
    """X Corp. moved from San Francisco to Bastrop (2024-10): in X's block, and written bold line by line."""
    old = (X / "20240725003545.md").read_text()
    new_block = bold_block((X / "20241017003653.md").read_text(), "X Corp.")
    old_block = bold_block(old, "X Corp.")
    for render in (str, bold_per_line):
        before = old.replace(old_block, render(old_block))
        after = old.replace(old_block, render(new_block))

        change = compare(before, after).change

        assert [(r.kind, r.new_path) for r in change.sections] == [
            (SectionChangeKind.MODIFIED, "X Privacy Policy > 10. How To Contact X")
        ]
        assert apply_change(split_sections(before), change) == split_sections(after)
        assert parse_sections(after, previous=parse_sections(before)).sections == split_sections(after)


def test_bold_lead_ins_before_a_hard_line_break_stay_headings() -> None:
    """Parler's notice opens its paragraphs with bold titles ending in a line break, body text below."""
    sections = split_sections((PARLER / "20250215003442.md").read_text())

    titles = [s.title for s in sections]
    assert "Parler's Disclaimer and Notice" in titles
    assert "Blockchain-Integrated Apps and Services" in titles
    notice = next(s for s in sections if s.title == "Parler's Disclaimer and Notice")
    assert notice.text.startswith("Updated: October 23, 2024")
