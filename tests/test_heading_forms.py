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


# --- headings written with anchor links ----------------------------------------------------------------------

PINTEREST = HISTORIES / "pinterest-privacy-policy"
SPOTIFY = HISTORIES / "spotify-privacy-policy"

LEGAL_BASIS = """# Datenschutzerklärung

Einleitung.

[](#1-verantwortlicher)1\\. Verantwortlicher

Verantwortlich ist die Beispiel GmbH.

[](#2-rechtsgrundlage)2\\. Rechtsgrundlage

Wir verarbeiten Daten auf Grundlage von Art. 6 DSGVO, soweit Sie eingewilligt haben oder ein Vertrag besteht.

[](#cookies)**Cookies.** Wir setzen Cookies nur mit Ihrer Einwilligung ein, außer sie sind technisch notwendig.
"""


def test_titles_are_the_words_of_anchor_linked_headings() -> None:
    markdown = (SPOTIFY / "20230629063611.md").read_text()
    titles = [s.title for s in split_sections(markdown)]

    assert "Tailored advertising controls" in titles  # #### [](#tailored-advertising-controls)**Tailored ...**
    assert "1. About this Policy" in titles  # [](#1-about-this-policy)**1\. About this Policy**, underlined
    assert [s.title for s in split_sections("## Cookies [#](#cookies)\n\nText.\n## [¶](#ads) Ads\n")] == [
        "Cookies",
        "Ads",
    ]


def test_clauses_and_lead_ins_after_an_anchor_link_are_headings() -> None:
    paths = [s.path for s in split_sections(LEGAL_BASIS)]

    assert paths == [
        ("Datenschutzerklärung",),
        ("Datenschutzerklärung", "1. Verantwortlicher"),
        ("Datenschutzerklärung", "2. Rechtsgrundlage"),
        ("Datenschutzerklärung", "2. Rechtsgrundlage", "Cookies"),
    ]


def test_a_numbered_clause_with_an_escaped_number_is_a_heading() -> None:
    """Pinterest's clauses lost their heading markup in 2023-01 and kept their escaped numbers."""
    sections = split_sections((PINTEREST / "20230126003245.md").read_text())

    clause = next(s for s in sections if s.title == "2. We also get technical information when you use Pinterest")
    assert clause.text.startswith("When you use a website, mobile application")


LEGAL_BASIS_MOVED = """# Datenschutzerklärung

Einleitung.

[](#1-rechtsgrundlagen)1\\. Rechtsgrundlagen der Verarbeitung

Wir verarbeiten Daten auf Grundlage von Art. 6 DSGVO, soweit Sie eingewilligt haben oder ein Vertrag besteht.

[](#2-verantwortlicher)2\\. Verantwortlicher

Verantwortlich ist die Beispiel GmbH.

[](#cookies)**Cookies.** Wir setzen Cookies nur mit Ihrer Einwilligung ein, außer sie sind technisch notwendig.
"""


def test_anchor_linked_clauses_moved_and_renamed_are_moved_and_renamed() -> None:
    change = compare(LEGAL_BASIS, LEGAL_BASIS_MOVED).change

    assert [(r.kind, r.old_path, r.new_path) for r in change.sections] == [
        (
            SectionChangeKind.RENAMED,
            "Datenschutzerklärung > 2. Rechtsgrundlage",
            "Datenschutzerklärung > 1. Rechtsgrundlagen der Verarbeitung",
        ),
        (
            SectionChangeKind.MOVED,
            "Datenschutzerklärung > 1. Verantwortlicher",
            "Datenschutzerklärung > 2. Verantwortlicher",
        ),
        (
            SectionChangeKind.MOVED,  # the lead-in follows the last clause
            "Datenschutzerklärung > 2. Rechtsgrundlage > Cookies",
            "Datenschutzerklärung > 2. Verantwortlicher > Cookies",
        ),
    ]
    assert apply_change(split_sections(LEGAL_BASIS), change) == split_sections(LEGAL_BASIS_MOVED)


# --- a policy shown twice ----------------------------------------------------------------------------------


def test_a_policy_no_longer_shown_twice_is_one_copy_removed() -> None:
    """X (2024-10) showed its new policy (Bastrop address) above the one in force (San Francisco); a month later
    only the new one: its sections are the same sections, unmoved, and the other copy is gone as a whole."""
    old, new = (X / "20241017003653.md").read_text(), (X / "20241116003849.md").read_text()

    change = compare(old, new).change

    assert apply_change(split_sections(old), change) == split_sections(new)
    others = [r for r in change.sections if r.kind is not SectionChangeKind.REMOVED]
    assert [(r.kind, r.old_path, r.new_path) for r in others] == [
        (SectionChangeKind.MODIFIED, "X Privacy Policy", "X Privacy Policy")  # the notice became the date
    ]
    assert all((r.old_path or "").startswith("X Privacy Policy (2)") for r in change.sections if r not in others)
    assert not any("10. How To Contact X" in (r.new_path or "") for r in change.sections)


def test_an_address_changed_as_the_new_policy_is_shown_above_the_old_is_one_modified_contact_section() -> None:
    """X (2024-10): the new policy, with X Corp.'s Bastrop address, above the old one (San Francisco)."""
    old, new = (X / "20240725003545.md").read_text(), (X / "20241017003653.md").read_text()

    change = compare(old, new).change

    contact = [r for r in change.sections if r.old_path == "X Privacy Policy > 10. How To Contact X"]
    assert [(r.kind, r.new_path) for r in contact] == [
        (SectionChangeKind.MODIFIED, "X Privacy Policy > 10. How To Contact X")
    ]
    assert "Bastrop" in contact[0].new_text and "Market Street" in contact[0].old_text
    assert not any(r.kind is SectionChangeKind.RENAMED for r in change.sections)


def _spotify_2023() -> str:
    return (SPOTIFY / "20230629063611.md").read_text()


def test_a_real_anchor_linked_clause_moved_below_the_next_is_moved() -> None:
    """Spotify's clauses are written ``[](#1-about-this-policy)**1\\. About this Policy**``."""
    old = _spotify_2023()
    first, second = old.index("[](#1-about-this-policy)"), old.index("[](#2-your-personal-data")
    third = old.index("[**3\\. Personal data")
    new = old[:first] + old[second:third] + old[first:second] + old[third:]

    change = compare(old, new).change

    assert [(r.kind, r.old_path, r.new_path) for r in change.sections] == [
        (SectionChangeKind.MOVED, "1. About this Policy", "1. About this Policy")
    ]


def test_a_real_anchor_linked_heading_renamed_is_renamed() -> None:
    old = _spotify_2023()
    new = old.replace("**Tailored advertising controls**", "**Controls for tailored advertising**")

    (record,) = compare(old, new).change.sections

    assert record.kind is SectionChangeKind.RENAMED
    assert (record.old_path or "").endswith("> Tailored advertising controls")
    assert (record.new_path or "").endswith("> Controls for tailored advertising")
