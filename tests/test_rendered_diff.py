"""What a reader sees of a section change is rendered text: links as links (or their text), lists as lists,
bold as bold, no Markdown syntax as changed words. Real section texts of Bluesky's policy, edited here."""

from __future__ import annotations

import re
from functools import cache

from monitor.alerts.diff_render import diff_text
from monitor.alerts.email_render import ChangeNotice, render_html, render_text, section_heading
from monitor.alerts.section_diff import section_diff
from monitor.compare.changes import compare
from monitor.compare.sections import parse_sections
from monitor.models import Change, SectionChange, SectionChangeKind, VersionClass
from tests.corpus import HISTORIES

BLUESKY = HISTORIES / "bluesky-privacy-policy" / "20250815003030.md"
RIGHTS = "Privacy Policy > 13. Your Privacy Choices and Rights > Your Privacy Rights"  # a list of linked authorities
INTRODUCTION = "Privacy Policy > 1. Introduction"  # bold terms and links in one paragraph
MARKUP_AS_WORD = re.compile(r"(\{\+|\[-)[\s#*>•●\-]+(\+\}|-\])")


@cache
def section(path: str) -> str:
    return next(s.text for s in parse_sections(BLUESKY.read_text()).sections if s.path_text == path)


def modified(
    old: str, new: str, kind: SectionChangeKind = SectionChangeKind.MODIFIED, new_path: str = "A"
) -> SectionChange:
    return SectionChange(kind, "A", new_path, old, new)


def notice(*sections: SectionChange) -> ChangeNotice:
    change = Change(VersionClass.SUBSTANTIVE, sections)
    return ChangeNotice(
        "Bluesky", "https://bsky.social/about/support/privacy-policy", "20250625003014", "20250815003030", change
    )


def edited_rights() -> SectionChange:
    old = section(RIGHTS)
    return modified(old, old.replace("Swiss Federal Data Protection", "Swiss Federal Data Privacy"))


def test_an_emails_html_shows_the_sections_links_as_links_and_its_list_as_a_list() -> None:
    html = render_html(notice(edited_rights()))
    assert '<a href="https://www.edoeb.admin.ch/edoeb/en/home/the-fdpic/contact.html">' in html
    assert "<ul" in html and "<li>" in html


def test_an_emails_html_shows_bold_as_bold() -> None:
    old = section(INTRODUCTION)
    html = render_html(notice(modified(old, old.replace("respects your privacy", "values your privacy"))))
    assert "<strong>" in html and "**" not in html


def test_the_text_part_shows_link_text_and_no_markdown_link_syntax() -> None:
    text = render_text(notice(edited_rights()))
    assert "Swiss Federal Data [-Protection-]{+Privacy+} and Information Commissioner (FDPIC)" in text
    assert "](http" not in text and "](" not in text


def test_a_removed_link_whose_text_stays_is_no_word_change() -> None:
    old = section(INTRODUCTION)
    new = old.replace(
        "[Community Guidelines](https://bsky.social/about/support/community-guidelines)", "Community Guidelines"
    )
    text = render_text(notice(modified(old, new)))
    assert "(text unchanged)" in text and "{+" not in text and "[-" not in text
    assert "Link removed: “Community Guidelines” (https://bsky.social/about/support/community-guidelines)" in text


def test_a_changed_bullet_or_heading_mark_is_no_word_change() -> None:
    old = "#### Sharing\n\n● We share data with partners.\n● We sell nothing."
    new = "## Sharing\n\n* We share data with partners.\n* We sell nothing."
    assert "(text unchanged)" in render_text(notice(modified(old, new)))


def test_no_markup_is_ever_shown_as_a_changed_word() -> None:
    old = section(RIGHTS)
    new = old.replace("* [", "1. [").replace("**", "").replace("We will process", "We process")
    text = render_text(notice(modified(old, new)))
    assert "[-will-]" in text and MARKUP_AS_WORD.search(text) is None


def test_context_never_starts_inside_a_link() -> None:
    old = section(INTRODUCTION)
    new = old.replace("community-guidelines), and [Copyright", "community-guidelines), or [Copyright")
    shown = diff_text(section_diff(old, new, context=2, limit=4000))
    assert shown.startswith("… Community Guidelines, [-and-]{+or+} Copyright Policy")


def test_a_renamed_section_whose_text_changed_shows_the_rename_and_the_diff() -> None:
    old = section(INTRODUCTION)
    renamed = modified(old, old.replace("respects your privacy", "values your privacy"), SectionChangeKind.RENAMED, "B")
    text = render_text(notice(renamed))
    assert "== renamed and changed: A → B ==" in text
    assert "[-respects-]{+values+} your privacy" in text


def test_a_renamed_section_says_text_unchanged_only_when_its_words_are() -> None:
    old = section(INTRODUCTION)
    renamed = modified(old, old.replace("**we**", "we"), SectionChangeKind.RENAMED, "B")
    assert section_heading(renamed) == "renamed: A → B"
    assert "(text unchanged)" in render_text(notice(renamed))


def test_archived_script_and_javascript_links_are_escaped_or_dropped() -> None:
    old = "Contact us at [our form](https://bsky.social/form)."
    new = "Contact us at [our form](javascript:alert(1)) <script>alert(2)</script> [x](JaVaScRiPt:alert(3))."
    html = render_html(notice(modified(old, new)))
    assert "<script" not in html and "javascript:" not in html.lower().replace("link added: javascript:", "")
    assert 'href="javascript' not in html.lower()


def test_a_real_rename_with_new_words_shows_both_in_the_email() -> None:
    folder = HISTORIES / "bluesky-privacy-policy"
    change = compare((folder / "20250625003014.md").read_text(), (folder / "20250815003030.md").read_text()).change
    third_parties = next(s for s in change.sections if s.new_path and s.new_path.endswith("Third Parties, generally"))
    text = render_text(notice(third_parties))
    assert "renamed and changed:" in text and "{+or you may live in a jurisdiction" in text
