"""Comparing two versions: section changes, word diffs and the version's class."""

from __future__ import annotations

import json
import re
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.compare import word_diff as worddiff
from monitor.compare.changes import (
    apply_change,
    change_as_dict,
    compare,
    match_sections,
    normalized_text,
    render_word_diff,
    word_diff,
)
from monitor.compare.classes import policy_words
from monitor.compare.paragraphs import paragraphs
from monitor.compare.regroups import same_text
from monitor.compare.sections import split_sections
from monitor.compare.text_regions import differences
from monitor.compare.word_diff import abbreviate, diff_sequences, fold_typography, word_changes, word_runs
from monitor.models import Section, SectionChangeKind, VersionClass, WordOp, WordOpKind
from tests.corpus import HISTORIES, history_pair

POLICY = """# Privacy Policy

We respect your privacy.

## Information we collect

We collect your name and email address when you sign up.

## How we use information

We use your information to provide the service.

### Cookies

We use cookies to remember your preferences.

## Contact

Write to privacy@example.com.
"""


def test_identical_versions_give_an_empty_change() -> None:
    assert compare(POLICY, POLICY).change.is_empty


def test_an_edited_sentence_is_one_modified_section_with_its_words() -> None:
    new = POLICY.replace("your name and email address", "your name, email address and phone number")

    change = compare(POLICY, new).change

    assert change.version_class is VersionClass.SUBSTANTIVE
    [section] = change.sections
    assert section.kind is SectionChangeKind.MODIFIED
    assert section.old_path == section.new_path == "Privacy Policy > Information we collect"
    assert render_word_diff(section.words) == (
        "We collect your [-name and-] {+name,+} email address {+and phone number+} when you sign up."
    )


def test_an_added_section_is_reported_with_its_words_inserted() -> None:
    new = POLICY.replace("## Contact", "## Children\n\nWe do not knowingly collect data from children.\n\n## Contact")

    [section] = compare(POLICY, new).change.sections

    assert section.kind is SectionChangeKind.ADDED
    assert (section.old_path, section.new_path) == (None, "Privacy Policy > Children")
    assert section.words == (WordOp(WordOpKind.INSERT, "We do not knowingly collect data from children."),)


def test_a_removed_section_is_reported_with_its_words_deleted() -> None:
    new = POLICY.replace("### Cookies\n\nWe use cookies to remember your preferences.\n\n", "")

    [section] = compare(POLICY, new).change.sections

    assert section.kind is SectionChangeKind.REMOVED
    assert (section.old_path, section.new_path) == ("Privacy Policy > How we use information > Cookies", None)
    assert section.new_text == ""


def test_a_renamed_heading_is_reported_as_renamed_with_its_edits() -> None:
    new = POLICY.replace("## Information we collect", "## What we collect").replace("sign up", "register")

    [section] = compare(POLICY, new).change.sections

    assert section.kind is SectionChangeKind.RENAMED
    assert section.old_path == "Privacy Policy > Information we collect"
    assert section.new_path == "Privacy Policy > What we collect"
    assert render_word_diff(section.words).endswith("when you [-sign up.-] {+register.+}")


def test_children_of_a_renamed_parent_are_not_reported() -> None:
    new = POLICY.replace("## How we use information", "## How we use your data")

    [section] = compare(POLICY, new).change.sections

    assert section.kind is SectionChangeKind.RENAMED
    assert section.new_path == "Privacy Policy > How we use your data"


def test_a_renumbered_heading_alone_is_not_reported() -> None:
    old = "# P\n\n## 1. Cookies\n\nWe use cookies.\n"

    change = compare(old, old.replace("1. Cookies", "2. Cookies")).change

    assert change.is_empty
    [quiet] = change.unreported
    assert (quiet.old_path, quiet.new_path) == ("P > 1. Cookies", "P > 2. Cookies")


def test_a_section_under_a_new_parent_is_reported_as_moved() -> None:
    old = "# P\n\n## A\n\nAlpha text.\n\n### X\n\nXray text.\n\n## B\n\nBravo text.\n"
    new = "# P\n\n## A\n\nAlpha text.\n\n## B\n\nBravo text.\n\n### X\n\nXray text.\n"

    [section] = compare(old, new).change.sections

    assert (section.kind, section.old_path, section.new_path) == (SectionChangeKind.MOVED, "P > A > X", "P > B > X")


def test_reordered_sections_report_only_the_one_that_moved() -> None:
    old = "# P\n\n## A\n\nAlpha text.\n\n## B\n\nBravo text.\n\n## C\n\nCharlie text.\n\n## D\n\nDelta text.\n"
    new = "# P\n\n## A\n\nAlpha text.\n\n## C\n\nCharlie text.\n\n## D\n\nDelta text.\n\n## B\n\nBravo text.\n"

    [section] = compare(old, new).change.sections

    assert (section.kind, section.old_path, section.new_path) == (SectionChangeKind.MOVED, "P > B", "P > B")
    assert section.words == ()


def test_duplicate_titles_are_paired_by_content_not_by_position() -> None:
    old = "# P\n\n## Take control\n\nManage ads.\n\n## Take control\n\nManage location.\n"
    new = "# P\n\n## Take control\n\nManage location.\n"

    [section] = compare(old, new).change.sections

    assert (section.kind, section.old_path) == (SectionChangeKind.REMOVED, "P > Take control")
    assert section.old_text == "Manage ads."


def test_long_unchanged_runs_keep_twelve_words_of_context_either_side() -> None:
    before = " ".join(f"b{k}" for k in range(30))
    after = " ".join(f"a{k}" for k in range(30))
    old = f"# P\n\n{before} old {after}\n"

    [section] = compare(old, old.replace(" old ", " new ")).change.sections

    assert [op.kind for op in section.words] == ["equal", "delete", "insert", "equal"]
    assert section.words[0].text == "… " + " ".join(f"b{k}" for k in range(18, 30))
    assert section.words[-1].text == " ".join(f"a{k}" for k in range(12)) + " …"


def test_whitespace_and_markup_changes_are_formatting_only() -> None:
    new = POLICY.replace("We respect your privacy.", "We   respect *your* privacy.  ").replace(
        "## Contact", "## **Contact**"
    )

    change = compare(POLICY, new).change

    assert change.version_class is VersionClass.FORMATTING_ONLY
    assert [section.kind for section in change.sections] == [SectionChangeKind.MODIFIED]


def test_typographic_quotes_and_dashes_alone_change_nothing() -> None:
    old = "# P\n\nWe don't sell data - ever.\n"
    new = "# P\n\nWe don’t sell data — ever.\n"

    change = compare(old, new).change

    assert change.version_class is VersionClass.FORMATTING_ONLY
    assert change.is_empty
    assert normalized_text(old) == normalized_text(new)


def test_a_real_bluesky_reformatting_is_formatting_only() -> None:
    change = compare(*history_pair("bluesky-privacy-policy", "20251023084837")).change

    assert change.version_class is VersionClass.FORMATTING_ONLY


def test_changed_link_targets_are_link_only() -> None:
    old = POLICY.replace("privacy@example.com", "[privacy@example.com](mailto:privacy@example.com)")
    new = POLICY.replace("privacy@example.com", "[privacy@example.com](https://example.com/contact)")

    change = compare(old, new).change

    assert change.version_class is VersionClass.LINK_ONLY
    assert [section.new_path for section in change.sections] == ["Privacy Policy > Contact"]


def test_a_real_facebook_pair_differing_in_link_targets_is_link_only() -> None:
    change = compare(*history_pair("facebook-privacy-policy", "20240122183021")).change

    assert change.version_class is VersionClass.LINK_ONLY
    [section] = change.sections
    assert section.kind is SectionChangeKind.MODIFIED
    assert section.new_path is not None
    assert section.new_path.endswith("> What is our legal basis?")


def test_a_changed_last_updated_date_is_date_only() -> None:
    old = POLICY.replace("We respect", "Last updated: March 3, 2024\n\nWe respect")
    new = POLICY.replace("We respect", "Last updated: 1 July 2025\n\nWe respect")

    change = compare(old, new).change

    assert change.version_class is VersionClass.DATE_ONLY
    [section] = change.sections
    assert render_word_diff(section.words) == "Last updated: [-March 3, 2024-] {+1 July 2025+} We respect your privacy."


def test_a_real_x_effective_date_change_is_date_only() -> None:
    change = compare(*history_pair("x-privacy-policy", "20240325183514")).change

    assert change.version_class is VersionClass.DATE_ONLY
    assert [section.kind for section in change.sections] == [SectionChangeKind.MODIFIED]


def test_a_date_change_with_any_other_edit_is_substantive() -> None:
    old = POLICY.replace("We respect", "Effective: March 3, 2024\n\nWe respect")
    new = old.replace("March 3", "June 9").replace("the service", "the services")

    assert compare(old, new).change.version_class is VersionClass.SUBSTANTIVE


def test_a_date_outside_a_date_phrase_is_substantive() -> None:
    old = POLICY.replace("sign up.", "sign up before March 3, 2024.")

    assert compare(old, old.replace("March 3", "June 9")).change.version_class is VersionClass.SUBSTANTIVE


def test_every_consecutive_bluesky_pair_compares_into_consistent_changes() -> None:
    folder = HISTORIES / "bluesky-privacy-policy"
    files = [version["file"] for version in json.loads((folder / "versions.json").read_text())["versions"]]

    for old_file, new_file in pairwise(files):
        change = compare((folder / old_file).read_text(), (folder / new_file).read_text()).change
        for section in change.sections:
            assert (section.old_path is None) == (section.kind is SectionChangeKind.ADDED)
            assert (section.new_path is None) == (section.kind is SectionChangeKind.REMOVED)


def test_normalized_text_collapses_whitespace_and_drops_the_reference_header() -> None:
    markdown = "> *The following text is extracted and transformed from x.*\n\n# P  \n\n\n\nWe  “keep”\tdata.   \n"

    assert normalized_text(markdown) == '# P\n\nWe "keep" data.'


def test_normalized_text_keeps_markup_and_link_targets() -> None:
    assert (
        normalized_text("**See** [our policy](https://example.com/a)") == "**See** [our policy](https://example.com/a)"
    )


def test_word_diff_treats_typographic_variants_as_equal() -> None:
    assert word_diff("we don’t sell", "we don't sell") == (WordOp(WordOpKind.EQUAL, "we don't sell"),)


def test_render_word_diff_marks_deletions_and_insertions() -> None:
    ops = word_diff("we may sell your data", "we never sell your data to anyone")

    assert render_word_diff(ops) == "we [-may-] {+never+} sell your data {+to anyone+}"


WORDS = st.lists(st.integers(0, 80).map(lambda n: f"w{n}"), max_size=400)


@given(WORDS, WORDS)
def test_word_diff_rebuilds_both_texts(old_words: list[str], new_words: list[str]) -> None:
    ops = word_diff(" ".join(old_words), " ".join(new_words))

    old_side = " ".join(op.text for op in ops if op.kind is not WordOpKind.INSERT).split()
    new_side = " ".join(op.text for op in ops if op.kind is not WordOpKind.DELETE).split()
    assert (old_side, new_side) == (old_words, new_words)


# --- identity, moves and renumbering ---------------------------------------------------------------

CLAUSES = "# Terms\n\n" + "".join(
    f"## {n}. {title}\n\n{title} text number {n} for the reader.\n\n"
    for n, title in enumerate(["Scope", "Data", "Use", "Sharing", "Retention", "Rights"], start=1)
)


def test_an_inserted_numbered_clause_is_added_without_renaming_the_clauses_after_it() -> None:
    new = CLAUSES.replace("## 3. Use", "## 3. Cookies\n\nWe use cookies.\n\n## 3. Use")
    for n, title in reversed(list(enumerate(["Use", "Sharing", "Retention", "Rights"], start=3))):
        new = new.replace(f"## {n}. {title}", f"## {n + 1}. {title}")

    change = compare(CLAUSES, new).change

    assert [(s.kind, s.new_path) for s in change.sections] == [(SectionChangeKind.ADDED, "Terms > 3. Cookies")]
    assert len(change.unreported) == 4


def test_subsections_that_move_with_their_parent_are_not_reported() -> None:
    old = "# P\n\n## A\n\nAlpha.\n\n### A1\n\nOne.\n\n### A2\n\nTwo.\n\n## B\n\nBravo.\n\n## C\n\nCharlie.\n"
    new = "# P\n\n## B\n\nBravo.\n\n## C\n\nCharlie.\n\n## A\n\nAlpha.\n\n### A1\n\nOne.\n\n### A2\n\nTwo.\n"

    [section] = compare(old, new).change.sections

    assert (section.kind, section.old_path) == (SectionChangeKind.MOVED, "P > A")


def test_sections_put_under_a_new_heading_are_not_reported_as_moved() -> None:
    new = (
        POLICY.replace("## Information we collect", "## Your data\n\n### Information we collect")
        .replace("## How we use information", "### How we use information")
        .replace("### Cookies", "#### Cookies")
    )

    change = compare(POLICY, new).change

    assert [(s.kind, s.new_path) for s in change.sections] == [(SectionChangeKind.ADDED, "Privacy Policy > Your data")]


def test_a_renamed_heading_without_text_is_matched_through_its_subsections() -> None:
    old = "# P\n\n## Your rights\n\n### Access\n\nYou may access your data.\n\n### Erasure\n\nYou may erase it.\n"

    [section] = compare(old, old.replace("## Your rights", "## Your choices")).change.sections

    assert (section.kind, section.old_path, section.new_path) == (
        SectionChangeKind.RENAMED,
        "P > Your rights",
        "P > Your choices",
    )


def test_match_sections_follows_renamed_and_moved_sections() -> None:
    old = split_sections(POLICY)
    new_markdown = POLICY.replace("## Information we collect", "## What we collect").replace(
        "## Contact\n\nWrite to privacy@example.com.\n", ""
    )
    new = split_sections("## Contact\n\nWrite to privacy@example.com.\n\n" + new_markdown)

    matched = match_sections(old, new)

    assert {old[i].path_text: new[j].path_text for i, j in matched.items()} == {
        "Privacy Policy": "Privacy Policy",
        "Privacy Policy > Information we collect": "Privacy Policy > What we collect",
        "Privacy Policy > How we use information": "Privacy Policy > How we use information",
        "Privacy Policy > How we use information > Cookies": "Privacy Policy > How we use information > Cookies",
        "Privacy Policy > Contact": "Contact",
    }


# --- splits and merges ------------------------------------------------------------------------------

LONG = """# P

## Sharing

We share your information with service providers who process it on our behalf under contracts.

We also share information with advertisers when you agree to see personalised advertising from them.

## Contact

Write to us.
"""


def test_a_heading_put_into_a_section_splits_it() -> None:
    new = LONG.replace("We also share information", "## Advertising\n\nWe also share information")

    [section] = compare(LONG, new).change.sections

    assert (section.kind, section.old_paths, section.new_paths) == (
        SectionChangeKind.SPLIT,
        ("P > Sharing",),
        ("P > Sharing", "P > Advertising"),
    )
    assert "{+## Advertising+}" in render_word_diff(section.words)


def test_a_removed_heading_merges_its_text_into_the_section_before() -> None:
    old = LONG.replace("We also share information", "## Advertising\n\nWe also share information")

    [section] = compare(old, LONG).change.sections

    assert (section.kind, section.old_paths, section.new_paths) == (
        SectionChangeKind.MERGED,
        ("P > Sharing", "P > Advertising"),
        ("P > Sharing",),
    )


def test_a_split_section_keeps_its_identity_in_the_part_with_its_title() -> None:
    new = LONG.replace("## Sharing", "## Providers").replace(
        "We also share information", "## Sharing\n\nWe also share information"
    )
    old_sections, new_sections = split_sections(LONG), split_sections(new)

    matched = match_sections(old_sections, new_sections)

    sharing = next(i for i, s in enumerate(old_sections) if s.title == "Sharing")
    assert new_sections[matched[sharing]].path == ("P", "Sharing")


# --- exact records ----------------------------------------------------------------------------------


def test_a_record_names_positions_levels_and_titles_on_both_sides() -> None:
    new = POLICY.replace("## Information we collect", "## What we collect")

    [section] = compare(POLICY, new).change.sections

    assert (section.old_index, section.new_index, section.old_level, section.new_level) == (1, 1, 2, 2)
    assert section.new_titles == ("Privacy Policy", "What we collect")


def test_applying_a_change_to_the_old_sections_gives_the_new_ones() -> None:
    new = LONG.replace("We also share information", "## Advertising\n\nWe also share information").replace(
        "## Contact", "## Questions"
    )

    assert apply_change(split_sections(LONG), compare(LONG, new).change) == split_sections(new)


def test_a_change_does_not_apply_to_other_sections() -> None:
    change = compare(POLICY, POLICY.replace("sign up", "register")).change

    with pytest.raises(ValueError, match="does not fit"):
        apply_change(split_sections(LONG), change)


def test_change_as_dict_gives_the_class_and_each_section_change_as_json() -> None:
    new = POLICY.replace("your name and email address", "your name").replace("## Contact", "## Write to us")

    value = change_as_dict(compare(POLICY, new).change)

    assert json.loads(json.dumps(value)) == value
    assert value["version_class"] == "substantive"
    assert value["sections"][0] == {
        "kind": "modified",
        "old_path": "Privacy Policy > Information we collect",
        "new_path": "Privacy Policy > Information we collect",
        "old_paths": ["Privacy Policy > Information we collect"],
        "new_paths": ["Privacy Policy > Information we collect"],
        "words": [
            {"op": "equal", "text": "We collect your name"},
            {"op": "delete", "text": "and email address"},
            {"op": "equal", "text": "when you sign up."},
        ],
    }
    assert [s["kind"] for s in value["sections"]] == ["modified", "renamed"]


# --- words and classes ------------------------------------------------------------------------------


def test_policy_words_drop_markup_and_link_targets() -> None:
    words = policy_words('## **See** [our *policy*](https://example.com/a "title") | now\n\n[x]: https://b')

    assert words == ["See", "our", "policy", "now"]


def test_a_link_whose_text_spans_blank_lines_is_still_a_link() -> None:
    old = "[\n\nWhat Products does this policy cover?\n\n](https://example.com/?h=AT1)\n"

    assert compare(old, old.replace("h=AT1", "h=AT2")).change.version_class is VersionClass.LINK_ONLY


def test_words_that_only_moved_from_one_paragraph_to_the_next_are_formatting_only() -> None:
    old = "# P\n\nWe keep logs for\n\nninety days.\n\nUnchanged paragraph.\n"
    new = "# P\n\nWe keep logs\n\nfor ninety days.\n\nUnchanged paragraph.\n"

    assert compare(old, new).change.version_class is VersionClass.FORMATTING_ONLY


# --- shortcuts that must give what the plain definitions give ---------------------------------------

TYPOGRAPHIC = st.sampled_from(["a", "b", "c", "’", "'", "…", "...", "ﬁ", "fi", "x\u200b", "\u200b", "_", "[", "]"])
SPACES = st.sampled_from([" ", "  ", "\n", "\t", "\u00a0", "\n\n", " \u2009"])


@st.composite
def edited_texts(draw: st.DrawFn) -> tuple[str, str]:
    """A text of odd words and spaces, and a copy with a few words inserted, removed or replaced."""
    words = draw(st.lists(TYPOGRAPHIC, max_size=40))
    edited = list(words)
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(edited)))
        if edited and draw(st.booleans()):
            del edited[min(at, len(edited) - 1)]
        else:
            edited.insert(at, draw(TYPOGRAPHIC))
    return _spaced(words, draw), _spaced(edited, draw)


def _spaced(words: list[str], draw: st.DrawFn) -> str:
    return "".join(word + draw(SPACES) for word in words)


@given(edited_texts(), st.integers(1, 13))
def test_word_changes_are_the_abbreviated_word_diff(texts: tuple[str, str], context: int) -> None:
    old, new = texts

    assert word_changes(old, new, context) == abbreviate(word_diff(old, new), context)


@given(edited_texts())
def test_same_text_folds_typography_and_whitespace_as_defined(texts: tuple[str, str]) -> None:
    old, new = texts
    expected = " ".join(fold_typography(old).split()) == " ".join(fold_typography(new).split())

    assert same_text(Section(("A",), 1, old), Section(("A",), 1, new)) is expected


@given(edited_texts())
def test_differences_cover_every_place_where_two_texts_differ(texts: tuple[str, str]) -> None:
    old, new = texts
    at_old = at_new = 0
    for region in differences(old, new):  # in order, and the texts agree between the regions
        assert at_old <= region.old_start <= region.old_end and at_new <= region.new_start <= region.new_end
        assert old[at_old : region.old_start] == new[at_new : region.new_start]
        at_old, at_new = region.old_end, region.new_end
    assert old[at_old:] == new[at_new:]


ITEMS = st.lists(st.integers(0, 12).map(str), max_size=30)


@given(ITEMS, st.lists(st.tuples(st.integers(0, 29), st.integers(0, 40)), max_size=5))
def test_items_replaced_in_place_diff_as_the_general_path_does(items: list[str], edits: list[tuple[int, int]]) -> None:
    edited = list(items)
    for at, value in edits:
        if edited:
            edited[at % len(edited)] = f"new{value}" if value > 12 else str(value)
    general: list[tuple[str, int, int, int, int]] = []
    worddiff._diff(items, 0, len(items), edited, 0, len(edited), general)

    assert diff_sequences(items, edited) == worddiff._merge(general)


@given(st.text(alphabet="ab_é1 .\u00a0", max_size=20))
def test_word_runs_are_the_word_characters(text: str) -> None:
    assert word_runs(text) == re.findall(r"\w+", text)


@given(st.lists(st.sampled_from(["a", "[", "]", "\\[", "\\]", "\n\n", "\n", " ", "b"]), max_size=40))
def test_paragraphs_group_pieces_while_brackets_are_open(pieces: list[str]) -> None:
    text = "".join(pieces)
    expected: list[str] = []
    depth, group = 0, []
    for piece in text.split("\n\n"):
        change = piece.count("[") - piece.count("]")
        if change and "\\" in piece:
            change += piece.count("\\]") - piece.count("\\[")
        group.append(piece)
        if change or depth:
            depth = max(0, depth + change)
            if depth:
                continue
        expected.append("\n\n".join(group))
        group = []
    if group:
        expected.append("\n\n".join(group))

    assert paragraphs(text) == tuple(expected)
