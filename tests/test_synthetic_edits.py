"""Known edits applied to real versions are reported exactly: the right kinds, the right paths, nothing else.

A version is cut into blocks, one per section (``section_starts``); edits move, rename, cut and insert blocks
or lines; the expected records name blocks, so their paths are read from the edited version's sections. The
edits are chosen so that the expected report is unambiguous: a moved section jumps over at least two
siblings, titles involved in moves and deletions are unique, split and merged texts are long enough to tell.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from monitor.compare.changes import apply_change, compare
from monitor.compare.classes import link_free_words, policy_words
from monitor.compare.paragraphs import cut_paragraphs, paragraphs_after
from monitor.compare.sections import ParsedText, parse_sections, section_starts, split_sections
from monitor.compare.text_regions import differences
from monitor.models import Section, SectionChangeKind, VersionClass
from tests.corpus import HISTORIES, SNAPSHOTS

DOCUMENTS = [
    HISTORIES / "bluesky-privacy-policy" / "20240314123133.md",
    HISTORIES / "bluesky-privacy-policy" / "20260109003033.md",
    HISTORIES / "bereal-privacy-policy" / "20260707123020.md",
    HISTORIES / "x-privacy-policy" / "20260716011318.md",
    SNAPSHOTS / "001games.com" / "20151220210337.md",
    SNAPSHOTS / "adwerty.com" / "20161118222544.md",
    SNAPSHOTS / "00extreme.com" / "20120617142727.md",
]
MIN_WORDS = 8  # a text this long is told apart by its words
_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_PLAIN_WORD = re.compile(r"^[A-Za-z]{4,}[.,;:]?$")
_FENCE = re.compile(r"^ {0,3}(`{3}|~{3})")

Expected = tuple[SectionChangeKind, tuple[str, ...], tuple[str, ...]]


@dataclass(eq=False)
class Block:
    """The lines of one section: its heading line(s), then its own text."""

    origin: int | None  # the section's index in the original version; None for an inserted one
    lines: list[str]
    kind: str  # "atx", "setext" (editable headings), "preamble" or "other" (lead-ins, clauses)
    level: int
    heading_lines: int
    heading_at: int = 0  # the line of the block its heading starts on

    @property
    def body_start(self) -> int:
        return self.heading_at + self.heading_lines


@dataclass
class Plan:
    """Blocks being edited and the records the edits should produce, naming blocks."""

    head: list[str]
    blocks: list[Block]
    old: tuple[Section, ...]
    original: list[Block] = field(default_factory=list)  # the blocks before any edit, in order
    expected: list[tuple[SectionChangeKind, tuple[Block, ...], tuple[Block, ...]]] = field(default_factory=list)
    locked: set[int] = field(default_factory=set)  # ids of blocks an edit touched or leans on
    nonce: int = 0

    def fresh(self, stem: str) -> str:
        self.nonce += 1
        return f"{stem}{self.nonce}"

    def markdown(self) -> str:
        return "\n".join([*self.head, *(line for block in self.blocks for line in block.lines)])

    def subtree(self, index: int) -> list[int]:
        """Positions of a block and of the blocks of its subsections (which follow it)."""
        end = index + 1
        while end < len(self.blocks) and self.blocks[end].level > self.blocks[index].level:
            end += 1
        return list(range(index, end))

    def free(self, index: int) -> bool:
        return id(self.blocks[index]) not in self.locked

    def lock(self, *indices: int) -> None:
        self.locked.update(id(self.blocks[k]) for k in indices if 0 <= k < len(self.blocks))


@cache
def original(path: Path) -> tuple[str, tuple[Section, ...], tuple[int, ...]]:
    markdown = path.read_text()
    parsed = parse_sections(markdown)
    return markdown, parsed.sections, section_starts(parsed)


def plan_for(path: Path) -> Plan:
    markdown, sections, starts = original(path)
    lines = markdown.split("\n")
    bounds = [*starts, len(lines)]
    blocks = [_block(k, section, lines[bounds[k] : bounds[k + 1]]) for k, section in enumerate(sections)]
    return Plan(head=lines[: starts[0]], blocks=blocks, old=sections, original=list(blocks))


def _block(origin: int, section: Section, lines: list[str]) -> Block:
    first = lines[0]
    if section.level == 0:
        return Block(origin, lines, "preamble", 0, 0)
    if re.match(r"^ {0,3}#", first):
        return Block(origin, lines, "atx", section.level, 1)
    if not re.match(r"^\s*(?:[*+_-]|\d)", first):
        underline = next((k for k, line in enumerate(lines[:6]) if _UNDERLINE.match(line)), None)
        if underline:
            return Block(origin, lines, "setext", section.level, underline + 1)
    return Block(origin, lines, "other", section.level, 1)


def _is_heading(block: Block) -> bool:
    return block.kind in ("atx", "setext") and block.origin is not None


def _unique_titles(plan: Plan, indices: list[int]) -> bool:
    """Whether the titles of these blocks occur once in the version and carry no duplicate suffix."""
    titles = [section.title for section in plan.old]
    for k in indices:
        origin = plan.blocks[k].origin
        if origin is None or titles.count(plan.old[origin].title) != 1 or plan.old[origin].title.endswith(")"):
            return False
    return True


def _words(block: Block) -> int:
    return len(link_free_words("\n".join(block.lines[block.body_start :])))


def _new_block(level: int, title: str, body: list[str]) -> Block:
    return Block(None, ["", "#" * level + " " + title, "", *body], "atx", level, heading_lines=1, heading_at=1)


def _editable(plan: Plan, k: int) -> bool:
    """A free heading block of the original version with a unique title."""
    return plan.free(k) and _is_heading(plan.blocks[k]) and _unique_titles(plan, [k])


# --- edits: each returns False when it finds nothing to edit -------------------------------------------


def edit_sentence(plan: Plan, draw: st.DrawFn) -> bool:
    """One plain word of a section's text replaced by a new one."""
    candidates = [k for k, b in enumerate(plan.blocks) if _editable(plan, k) or (b.kind == "preamble" and plan.free(k))]
    for k in draw(st.permutations(candidates)):
        block = plan.blocks[k]
        for line_number in range(block.body_start, len(block.lines)):
            line = block.lines[line_number]
            tokens = line.split(" ")
            for position, token in enumerate(tokens):
                if not _PLAIN_WORD.match(token):
                    continue
                edited = " ".join([*tokens[:position], plan.fresh("zqedit"), *tokens[position + 1 :]])
                if policy_words(edited) != policy_words(line):  # the word is text, not part of a link target
                    block.lines[line_number] = edited
                    plan.expected.append((SectionChangeKind.MODIFIED, (block,), (block,)))
                    plan.lock(k)
                    return True
    return False


def rename_heading(plan: Plan, draw: st.DrawFn) -> bool:
    candidates = [k for k, b in enumerate(plan.blocks) if _editable(plan, k) and _words(b) >= MIN_WORDS]
    if not candidates:
        return False
    k = draw(st.sampled_from(candidates))
    block = plan.blocks[k]
    block.lines[: block.heading_lines] = ["#" * block.level + " " + plan.fresh("Zqx renamed heading ")]
    block.heading_lines, block.kind = 1, "atx"
    plan.expected.append((SectionChangeKind.RENAMED, (block,), (block,)))
    plan.lock(k)
    return True


def move_section(plan: Plan, draw: st.DrawFn) -> bool:
    """A section and its subsections cut and put before another heading of its level or above (or at the end)."""
    candidates = [
        k
        for k, b in enumerate(plan.blocks)
        if _is_heading(b)
        and _words(b) >= MIN_WORDS
        and all(plan.free(j) for j in plan.subtree(k))
        and _unique_titles(plan, plan.subtree(k))
    ]
    for k in draw(st.permutations(candidates)):
        moved = plan.subtree(k)
        level = plan.blocks[k].level
        targets = [
            j
            for j in range(len(plan.blocks) + 1)
            if (j == len(plan.blocks) or (_is_heading(plan.blocks[j]) and plan.blocks[j].level <= level))
            and not moved[0] <= j <= moved[-1] + 1
            and _moves_for_sure(plan, moved, j)
        ]
        if not targets:
            continue
        target = draw(st.sampled_from(targets))
        blocks = _moved_order(plan, moved, target)
        position = blocks.index(plan.blocks[k])
        for j in (position - 1, position + len(moved) - 1):
            if j >= 0:  # a blank line before the next heading, even a setext one
                blocks[j].lines = [*blocks[j].lines, ""]
        plan.blocks = blocks
        root = plan.blocks[position]
        plan.expected.append((SectionChangeKind.MOVED, (root,), (root,)))
        plan.lock(*range(position, position + len(moved)))
        return True
    return False


def _moved_order(plan: Plan, moved: list[int], target: int) -> list[Block]:
    """The blocks after putting ``moved`` before position ``target`` (the end when it is ``len``)."""
    kept = [b for j, b in enumerate(plan.blocks) if j not in moved]
    at = kept.index(plan.blocks[target]) if target < len(plan.blocks) else len(kept)
    return [*kept[:at], *(plan.blocks[j] for j in moved), *kept[at:]]


def _moves_for_sure(plan: Plan, moved: list[int], target: int) -> bool:
    """Whether the moved section gets another parent, or passes at least two of its siblings (passing one
    is a swap, where either of the two could be said to have moved)."""
    root = plan.blocks[moved[0]]
    before, after = plan.blocks, _moved_order(plan, moved, target)
    parent = _parent(before, before.index(root))
    if parent is not _parent(after, after.index(root)):
        return True
    old_siblings = [b for k, b in enumerate(before) if _parent(before, k) is parent]
    new_siblings = [b for k, b in enumerate(after) if _parent(after, k) is parent]
    return abs(old_siblings.index(root) - new_siblings.index(root)) >= 2


def _parent(blocks: list[Block], index: int) -> Block | None:
    """The block a block sits under: the nearest heading before it with a lower level (the parser's rule)."""
    level = blocks[index].level
    return next((blocks[j] for j in range(index - 1, -1, -1) if 1 <= blocks[j].level < level), None)


def insert_section(plan: Plan, draw: st.DrawFn) -> bool:
    targets = [j for j in range(1, len(plan.blocks) + 1) if j == len(plan.blocks) or _is_heading(plan.blocks[j])]
    targets = [j for j in targets if plan.free(j - 1) and (j == len(plan.blocks) or plan.free(j))]
    if not targets:
        return False
    target = draw(st.sampled_from(targets))
    level = plan.blocks[target].level if target < len(plan.blocks) else 2
    words = " ".join(plan.fresh("zqnew") for _ in range(MIN_WORDS + 4))
    block = _new_block(level, plan.fresh("Zqx inserted heading "), [words + ".", ""])
    plan.blocks.insert(target, block)
    plan.expected.append((SectionChangeKind.ADDED, (), (block,)))
    plan.lock(target - 1, target, target + 1)
    return True


def delete_section(plan: Plan, draw: st.DrawFn) -> bool:
    candidates = [
        k
        for k, b in enumerate(plan.blocks)
        if _is_heading(b)
        and all(plan.free(j) for j in plan.subtree(k))
        and _unique_titles(plan, plan.subtree(k))
        and plan.free(k - 1)
        and (plan.subtree(k)[-1] + 1 >= len(plan.blocks) or plan.free(plan.subtree(k)[-1] + 1))
    ]
    if not candidates:
        return False
    k = draw(st.sampled_from(candidates))
    gone = plan.subtree(k)
    for j in gone:
        plan.expected.append((SectionChangeKind.REMOVED, (plan.blocks[j],), ()))
    plan.lock(k - 1, gone[-1] + 1)
    del plan.blocks[gone[0] : gone[-1] + 1]
    return True


def split_section(plan: Plan, draw: st.DrawFn) -> bool:
    """A heading put between two paragraphs of a section without subsections."""
    for k in draw(st.permutations(range(len(plan.blocks)))):
        block = plan.blocks[k]
        if not (_editable(plan, k) and plan.subtree(k) == [k] and block.level < 6):
            continue
        if any(_FENCE.match(line) for line in block.lines):
            continue
        cuts = _paragraph_cuts(block)
        if not cuts:
            continue
        cut = draw(st.sampled_from(cuts))
        level = draw(st.sampled_from([block.level, block.level + 1]))
        part = _new_block(level, plan.fresh("Zqx split part "), block.lines[cut:])
        block.lines = block.lines[:cut]
        plan.blocks.insert(k + 1, part)
        plan.expected.append((SectionChangeKind.SPLIT, (block,), (block, part)))
        plan.lock(k - 1, k, k + 1, k + 2)
        return True
    return False


def _paragraph_cuts(block: Block) -> list[int]:
    """Lines starting a paragraph of plain text, with enough words before and after them in the section."""
    body = block.lines
    cuts = []
    for line in range(block.body_start + 1, len(body)):
        if body[line - 1].strip() or not body[line][:1].isalpha():
            continue
        before = link_free_words("\n".join(body[block.body_start : line]))
        after = link_free_words("\n".join(body[line:]))
        if len(before) >= MIN_WORDS and len(after) >= MIN_WORDS:
            cuts.append(line)
    return cuts


def merge_section(plan: Plan, draw: st.DrawFn) -> bool:
    """A heading without subsections removed, so its text joins the section before it."""
    candidates = [
        k
        for k, b in enumerate(plan.blocks)
        if k > 0
        and _editable(plan, k)
        and plan.subtree(k) == [k]
        and _words(b) >= MIN_WORDS
        and plan.free(k - 1)
        and plan.blocks[k - 1].origin is not None
    ]
    if not candidates:
        return False
    k = draw(st.sampled_from(candidates))
    previous, block = plan.blocks[k - 1], plan.blocks[k]
    previous.lines = [*previous.lines, "", *block.lines[block.body_start :]]
    del plan.blocks[k]
    plan.expected.append((SectionChangeKind.MERGED, (previous, block), (previous,)))
    plan.lock(k - 2, k - 1, k)
    return True


EDITS: dict[str, Callable[[Plan, st.DrawFn], bool]] = {
    "edit": edit_sentence,
    "rename": rename_heading,
    "move": move_section,
    "insert": insert_section,
    "delete": delete_section,
    "split": split_section,
    "merge": merge_section,
}


# --- the property --------------------------------------------------------------------------------------


@st.composite
def edited_versions(draw: st.DrawFn) -> tuple[str, str, list[Expected], list[str]]:
    path = draw(st.sampled_from(DOCUMENTS))
    plan = plan_for(path)
    names = draw(st.lists(st.sampled_from(sorted(EDITS)), min_size=1, max_size=3))
    names = [name for k, name in enumerate(names) if name != "move" or "move" not in names[:k]]  # one move at most
    applied = [name for name in names if EDITS[name](plan, draw)]
    assume(applied)
    old_markdown = original(path)[0]
    new_markdown = plan.markdown()
    new_parsed = parse_sections(new_markdown)
    new_sections = new_parsed.sections
    assume(_one_section_per_block(plan, new_parsed))
    moves = [blocks[0] for kind, _, blocks in plan.expected if kind is SectionChangeKind.MOVED]
    assume(all(_move_is_unambiguous(plan, root) for root in moves))
    expected = [_resolve(plan, new_sections, record) for record in plan.expected]
    return old_markdown, new_markdown, expected, applied


def _one_section_per_block(plan: Plan, parsed: ParsedText) -> bool:
    """Whether the edited version parses into the intended blocks (an edit may change how a line reads)."""
    intended, line = [], len(plan.head)
    for block in plan.blocks:
        intended.append(line + block.heading_at)
        line += len(block.lines)
    return list(section_starts(parsed)) == intended


def _move_is_unambiguous(plan: Plan, root: Block) -> bool:
    """Whether, after every edit, the moved section has another anchor (its nearest ancestor found in both
    versions) or passed at least two of the sections sharing its anchor: passing one is a swap."""
    alive = {id(b) for b in plan.blocks if b.origin is not None}
    before = [b for b in plan.original if id(b) in alive]
    old_anchor, new_anchor = _anchor(plan.original, root, alive), _anchor(plan.blocks, root, alive)
    if old_anchor is not new_anchor:
        return True
    old_group = [b for b in before if b is not root and _anchor(plan.original, b, alive) is old_anchor]
    new_group = [
        b for b in plan.blocks if id(b) in alive and b is not root and _anchor(plan.blocks, b, alive) is old_anchor
    ]
    old_place = sum(1 for b in old_group if plan.original.index(b) < plan.original.index(root))
    new_place = sum(1 for b in new_group if plan.blocks.index(b) < plan.blocks.index(root))
    return old_group == new_group and abs(old_place - new_place) >= 2


def _anchor(blocks: list[Block], block: Block, alive: set[int]) -> Block | None:
    parent = _parent(blocks, blocks.index(block))
    while parent is not None and id(parent) not in alive:
        parent = _parent(blocks, blocks.index(parent))
    return parent


def _resolve(
    plan: Plan, new: tuple[Section, ...], record: tuple[SectionChangeKind, tuple[Block, ...], tuple[Block, ...]]
) -> Expected:
    kind, olds, news = record
    old_paths = tuple(plan.old[_origin(block)].path_text for block in olds)
    new_paths = tuple(new[plan.blocks.index(block)].path_text for block in news)
    return kind, old_paths, new_paths


def _origin(block: Block) -> int:
    assert block.origin is not None, "only blocks of the original version have an old path"
    return block.origin


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(edited_versions())
def test_known_edits_are_reported_exactly_with_their_kinds_and_paths(
    case: tuple[str, str, list[Expected], list[str]],
) -> None:
    old, new, expected, _ = case

    change = compare(old, new).change

    reported = sorted((s.kind, s.old_paths, s.new_paths) for s in change.sections)
    assert reported == sorted(expected)
    assert change.version_class is VersionClass.SUBSTANTIVE
    assert apply_change(split_sections(old), change) == split_sections(new)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(edited_versions())
def test_an_edited_version_parsed_after_the_original_splits_as_if_parsed_alone(
    case: tuple[str, str, list[Expected], list[str]],
) -> None:
    old, new, _, _ = case
    parsed_old, paragraphs_old = parse_sections(old), cut_paragraphs(old)

    regions = differences(old, new)
    after_old = (parse_sections(new, previous=parsed_old).sections, paragraphs_after(paragraphs_old, old, new, regions))

    assert after_old == (split_sections(new), cut_paragraphs(new))
