"""A bold lead-in is a heading only where the policy uses lead-ins as headings: body text after it, a sibling
of the same form (under the same parent, or at the same level where it opens its parent's text)."""

from __future__ import annotations

from monitor.compare.changes import apply_change, compare
from monitor.compare.sections import parse_sections, split_sections
from monitor.models import SectionChangeKind
from tests.corpus import HISTORIES

SPOTIFY = HISTORIES / "spotify-privacy-policy"
THREADS = HISTORIES / "threads-privacy-policy"
X = HISTORIES / "x-privacy-policy"


def paths(markdown: str) -> list[tuple[str, ...]]:
    return [section.path for section in split_sections(markdown)]


def test_a_lone_bold_lead_in_inside_a_section_is_its_text() -> None:
    markdown = "# Contact\n\nWrite to us.\n\n**Note:** we answer within a month.\n\nOr call us.\n"

    sections = split_sections(markdown)

    assert [s.path for s in sections] == [("Contact",)]
    assert sections[0].text == "Write to us.\n\n**Note:** we answer within a month.\n\nOr call us."


def test_a_lone_bold_line_inside_a_section_is_its_text() -> None:
    markdown = "# Contact\n\nWrite to us at:\n\n**privacy@example.org**\n\nWe answer within a month.\n"

    assert paths(markdown) == [("Contact",)]


def test_bold_lead_ins_with_siblings_of_their_form_are_headings() -> None:
    markdown = "# Use\n\nWe use data:\n\n**Ads.** We show ads.\n\n**Safety.** We fight spam.\n"

    assert paths(markdown) == [("Use",), ("Use", "Ads"), ("Use", "Safety")]


def test_a_lead_in_of_another_form_than_its_siblings_is_text() -> None:
    markdown = "# Use\n\n**Ads**\n\nWe show ads.\n\n**Safety**\n\nWe fight spam.\n\n**Note:** we never sell data.\n"

    sections = split_sections(markdown)

    assert [s.path for s in sections] == [("Use",), ("Use", "Ads"), ("Use", "Safety")]
    assert sections[-1].text == "We fight spam.\n\n**Note:** we never sell data."


def test_a_bold_line_without_body_text_is_text() -> None:
    markdown = "# Use\n\n**Ads.** We show ads.\n\n**Safety.** We fight spam.\n\n## Contact\n\n**Write to us**\n"

    assert paths(markdown) == [("Use",), ("Use", "Ads"), ("Use", "Safety"), ("Use", "Contact")]


def test_a_lone_lead_in_opening_its_section_is_a_heading_where_others_at_its_level_are() -> None:
    markdown = (
        "# P\n\n## Use\n\n**Ads.** We show ads.\n\n**Safety.** We fight spam.\n\n"
        "## Share\n\n**Vendors.** Vendors help.\n\n## Keep\n\nWe keep data.\n\n**Logs.** Logs go after a year.\n"
    )

    assert paths(markdown) == [
        ("P",),
        ("P", "Use"),
        ("P", "Use", "Ads"),
        ("P", "Use", "Safety"),
        ("P", "Share"),
        ("P", "Share", "Vendors"),
        ("P", "Keep"),
    ]


def test_a_lead_in_led_by_an_anchor_link_needs_no_sibling() -> None:
    markdown = "# Use\n\nWe use data.\n\n[](#ads)**Ads.** We show ads.\n"

    assert paths(markdown) == [("Use",), ("Use", "Ads")]


def test_a_lead_in_gaining_a_sibling_becomes_a_heading_after_the_old_version_as_alone() -> None:
    old = "# Use\n\nWe use data.\n\n**Ads.** We show ads.\n\n## Keep\n\nWe keep data.\n"
    new = old.replace("## Keep", "**Safety.** We fight spam.\n\n## Keep")

    parsed = parse_sections(new, previous=parse_sections(old))

    assert parsed.sections == split_sections(new)
    assert [s.path for s in parsed.sections] == [("Use",), ("Use", "Ads"), ("Use", "Safety"), ("Use", "Keep")]
    change = compare(old, new).change
    assert apply_change(split_sections(old), change) == split_sections(new)


def only_records(old: str, new: str) -> list[tuple[SectionChangeKind, str | None]]:
    """The records of a real pair but the modified ones, checked to rebuild the new version."""
    change = compare(old, new).change
    assert apply_change(split_sections(old), change) == split_sections(new)
    return [(r.kind, r.new_path or r.old_path) for r in change.sections if r.kind is not SectionChangeKind.MODIFIED]


def test_a_bold_lead_in_added_after_a_table_is_text_of_its_section() -> None:
    """Spotify (2026-04) added "**Courts and Authorities:** We may process..." after the table of recipients."""
    old, new = (SPOTIFY / "20251023084950.md").read_text(), (SPOTIFY / "20260414005554.md").read_text()

    change = compare(old, new).change

    assert all("Courts and Authorities" not in (r.new_path or "") for r in change.sections)
    disclose = [r for r in change.sections if "Courts and Authorities:**" in r.new_text]
    disclosing = "Spotify Privacy Policy > 5. Disclosing your personal data"
    assert [(r.kind, r.new_path) for r in disclose] == [
        (SectionChangeKind.MODIFIED, f"{disclosing} > Information we may disclose")
    ]


def test_a_bold_lead_in_added_to_a_list_is_no_new_section() -> None:
    """Threads (2026-01) added "**Threads in Accounts Centre:** You can choose..." to how it uses information."""
    old, new = (THREADS / "20251225005805.md").read_text(), (THREADS / "20260122005336.md").read_text()

    records = only_records(old, new)

    assert all(kind is not SectionChangeKind.ADDED and kind is not SectionChangeKind.SPLIT for kind, _ in records)


def test_x_effective_date_stays_in_the_contact_section() -> None:
    sections = split_sections((X / "20251023085023.md").read_text())
    contact = next(s for s in sections if s.title == "10. How To Contact X")

    assert "**Effective:** July 28, 2025" in contact.text


FACEBOOK = HISTORIES / "facebook-privacy-policy"


def test_a_bold_lead_in_moved_as_it_was_under_a_new_heading_is_moved() -> None:
    """Facebook (2026-01) put its legal bases under new headings ("Legitimate interests"): the lead-ins
    "**Why and how we process your information:**" whose short text is the same moved with it, though their
    words are common in the policy."""
    old, new = (FACEBOOK / "20251217003045.md").read_text(), (FACEBOOK / "20260115003046.md").read_text()
    text = "Develop and improve [AI at Meta]"

    change = compare(old, new).change

    records = [r for r in change.sections if text in r.old_text or text in r.new_text]
    assert len(records) == 2
    assert all(r.kind is SectionChangeKind.MOVED and r.old_text == r.new_text for r in records)
    assert all((r.new_path or "").startswith("Legal basis information > Legitimate interests > ") for r in records)


BLUESKY = HISTORIES / "bluesky-privacy-policy"


def test_a_bold_lead_in_moved_and_reworded_keeps_its_identity_by_its_title() -> None:
    """Bluesky (2025-08) rewrote its policy: "**Your Posts and Public Profile.**" moved under "11. How We Share
    your Personal Data", its words rewritten (fewer than the similarity threshold asks for), its title kept."""
    old, new = (BLUESKY / "20250625003014.md").read_text(), (BLUESKY / "20250815003030.md").read_text()

    change = compare(old, new).change

    records = [r for r in change.sections if "Your Posts and Public Profile" in f"{r.old_path} {r.new_path}"]
    # Modified, not moved: the headings above it, removed and added, say where it went.
    assert [(r.kind, r.old_path, r.new_path) for r in records] == [
        (
            SectionChangeKind.MODIFIED,
            "Bluesky App Privacy Policy > Your Posts and Public Profile",
            "Privacy Policy > 11. How We Share your Personal Data > Your Posts and Public Profile",
        )
    ]
    assert apply_change(split_sections(old), change) == split_sections(new)
