"""Compare two versions of a policy: which sections changed, how, and what kind of change the version is.

Pairing: sections are paired by path (titles compared without numbering, case and punctuation), then
same-titled duplicates by identical text, then the rest by similarity of their words (greedy, best
first), then children of paired parents by title. A paired section is RENAMED when its title's letters
or digits changed, MOVED when it now sits under a parent that is not its old parent's pair or was
reordered on its own (not along with its parent), MODIFIED when only its text changed; identical
sections (whitespace and typography aside) give nothing. Unpaired ones are ADDED or REMOVED.

Words: paired sections whose text differs are word-diffed on their Markdown (link targets included),
with equal runs cut to 12 words of context either side of a change, the cut marked by a "…" word.
Added and removed sections carry their whole text.

Class: the line diff of the normalized texts is split into changed blocks and each is judged on its
words without markup: equal → FORMATTING_ONLY, equal once link targets are dropped → LINK_ONLY, every
changed word inside a "last updated / effective <date>" phrase → DATE_ONLY, else SUBSTANTIVE. The
version takes its most significant block's class (identical texts give FORMATTING_ONLY).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from itertools import pairwise

from monitor.models import Change, Section, SectionChange, SectionChangeKind, VersionClass, WordOp, WordOpKind
from monitor.sections import (
    AUTOLINK,
    DATE_PHRASE,
    ESCAPE,
    HTML_TAG,
    REFERENCE_HEADER_PREFIX,
    is_reference_header,
    split_sections,
    strip_links,
)
from monitor.worddiff import (
    abbreviate,
    diff_sequences,
    fold_typography,
    longest_increasing_subsequence,
    render_word_diff,
    word_diff,
)

__all__ = ["compare", "normalized_text", "render_word_diff", "word_diff"]

SIMILARITY_THRESHOLD = 0.4
_PARENT_BONUS = 0.25  # prefer pairing sections whose parents are already paired
_COMMON_SHINGLE = 40  # shingles shared by more unpaired sections than this say nothing about identity

_REF_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*(\S+.*)$", re.M)
_UNDERSCORES = re.compile(r"_+")
_TARGET = "\x00"  # marks a link target inside the plain text, so one pass serves both projections
_MARKUP_ONLY = "#>=+-_*|~`!"  # words made only of these are markup (list bullets, rules, table borders)
_WORD = re.compile(r"\w+")
_DUPLICATE_SUFFIX = re.compile(r" \(\d+\)$")
_ENUMERATOR = re.compile(r"^\(?(?:\d+(?:\.\d+)*\.?|[a-z]|[ivxlcdm]+)[.)]?\s+|^\d+(?:\.\d+)+\s*")
_DATE_WINDOW = 8  # words either side of a change searched for the date phrase holding it
_CONTEXT_LINES = 4


def normalized_text(markdown: str) -> str:
    """The text that decides whether a version is new: whitespace collapsed, typography folded, header dropped.

    Each line's runs of whitespace become one space (indentation and trailing spaces go), runs of blank
    lines become one, and the result is stripped. Markdown markup and link targets are kept.
    """
    lines: list[str] = []
    for line in fold_typography(markdown).splitlines():
        if is_reference_header(line):
            continue
        collapsed = " ".join(line.split())
        if collapsed or (lines and lines[-1]):
            lines.append(collapsed)
    return "\n".join(lines).strip()


def compare(old_markdown: str, new_markdown: str) -> Change:
    """The section changes between two versions and the version's class (never REVERTED: that needs history)."""
    old, new = split_sections(old_markdown), split_sections(new_markdown)
    pairs = _pair_sections(old, new)
    changes = _section_changes(old, new, pairs)
    return Change(_classify(old_markdown, new_markdown), tuple(changes))


# --- version class ---------------------------------------------------------------------------------


_CLASS_RANK = [VersionClass.FORMATTING_ONLY, VersionClass.LINK_ONLY, VersionClass.DATE_ONLY, VersionClass.SUBSTANTIVE]


def _classify(old_markdown: str, new_markdown: str) -> VersionClass:
    """The class of the most significant changed block (blocks come from a line diff of normalized texts)."""
    old_lines = _mark_links(normalized_text(old_markdown)).split("\n")
    new_lines = _mark_links(normalized_text(new_markdown)).split("\n")
    worst = 0
    for tag, i1, i2, j1, j2 in diff_sequences(old_lines, new_lines):
        if tag != "equal":
            worst = max(worst, _CLASS_RANK.index(_block_class(old_lines, i1, i2, new_lines, j1, j2)))
            if worst == len(_CLASS_RANK) - 1:
                break
    return _CLASS_RANK[worst]


def _block_class(old_lines: list[str], i1: int, i2: int, new_lines: list[str], j1: int, j2: int) -> VersionClass:
    old_words, new_words = _words("\n".join(old_lines[i1:i2])), _words("\n".join(new_lines[j1:j2]))
    if old_words == new_words:
        return VersionClass.FORMATTING_ONLY
    if _without_targets(old_words) == _without_targets(new_words):
        return VersionClass.LINK_ONLY
    # A date's keyword may sit a few lines above it ("**Effective:**", blank line, "May 1, 2024").
    old_context = _words("\n".join(old_lines[max(0, i1 - _CONTEXT_LINES) : i2 + _CONTEXT_LINES]))
    new_context = _words("\n".join(new_lines[max(0, j1 - _CONTEXT_LINES) : j2 + _CONTEXT_LINES]))
    if _only_dates_differ(_without_targets(old_context), _without_targets(new_context)):
        return VersionClass.DATE_ONLY
    return VersionClass.SUBSTANTIVE


def _without_targets(words: list[str]) -> list[str]:
    return [word for word in words if not word.startswith(_TARGET)]


def _plain_words(markdown: str) -> list[str]:
    """The words of some Markdown without markup; each link target is one word starting with NUL."""
    return _words(_mark_links(fold_typography(markdown)))


def _mark_links(text: str) -> str:
    """Links and images as their text followed by their target as one NUL-led word (links may span lines)."""
    text = _REF_DEFINITION.sub(lambda match: _TARGET + match.group(1).replace(" ", _TARGET), text)
    return AUTOLINK.sub(r"\1", strip_links(text, _TARGET))


def _words(text: str) -> list[str]:
    """The words of link-marked text, without emphasis, code marks, HTML tags, escapes and markup-only words."""
    if REFERENCE_HEADER_PREFIX in text:
        text = "\n".join(line for line in text.splitlines() if not is_reference_header(line))
    text = HTML_TAG.sub(" ", text)
    for mark in ("*", "`", "~~"):
        if mark in text:
            text = text.replace(mark, "")
    text = ESCAPE.sub(r"\1", _UNDERSCORES.sub(_emphasis_underscores, text.replace("|", " ")))
    return [word for word in text.split() if word.strip(_MARKUP_ONLY)]


def _emphasis_underscores(match: re.Match[str]) -> str:
    """Underscores between word characters (snake_case) stay; others are emphasis and go."""
    text, start, end = match.string, match.start(), match.end()
    inside = start > 0 and end < len(text) and text[start - 1].isalnum() and text[end].isalnum()
    return match.group() if inside else ""


def _only_dates_differ(old_words: Sequence[str], new_words: Sequence[str]) -> bool:
    """Whether every word changed between the texts lies inside a "last updated / effective" date phrase."""
    opcodes = [op for op in diff_sequences(old_words, new_words) if op[0] != "equal"]
    return bool(opcodes) and all(
        _inside_date_phrase(old_words, i1, i2) and _inside_date_phrase(new_words, j1, j2)
        for _, i1, i2, j1, j2 in opcodes
    )


def _inside_date_phrase(words: Sequence[str], start: int, end: int) -> bool:
    """Whether ``words[start:end]`` (possibly empty) lies within one date phrase."""
    if end - start > _DATE_WINDOW:
        return False
    before = words[max(0, start - _DATE_WINDOW) : start]
    text_before = " ".join(before) + " " if before else ""
    changed = " ".join(words[start:end])
    window = text_before + changed + " " + " ".join(words[end : end + _DATE_WINDOW])
    low, high = len(text_before), len(text_before) + len(changed)
    return any(match.start() <= low and high <= match.end() for match in DATE_PHRASE.finditer(window))


# --- pairing sections ------------------------------------------------------------------------------


def _title_key(title: str) -> str:
    """A title as compared for identity: no duplicate suffix, numbering, case or punctuation."""
    text = _ENUMERATOR.sub("", _DUPLICATE_SUFFIX.sub("", title).casefold())
    return " ".join(_WORD.findall(text))


def _display_title(section: Section) -> str:
    """A title's letters and digits: neither "Take control (2)" → "(3)" nor "1.1" → "1.1." is a rename."""
    return "".join(_WORD.findall(_DUPLICATE_SUFFIX.sub("", section.title)))


def _path_key(path: Sequence[str]) -> tuple[str, ...]:
    return tuple(_title_key(title) for title in path)


def _normalized(text: str) -> str:
    return " ".join(fold_typography(text).split())


def _pair_sections(old: Sequence[Section], new: Sequence[Section]) -> dict[int, int]:
    """Old section index → new section index for every section found in both versions."""
    pairs: dict[int, int] = {}
    old_keys, new_keys = [_path_key(s.path) for s in old], [_path_key(s.path) for s in new]
    old_groups, new_groups = _groups(old_keys), _groups(new_keys)
    for key, members in old_groups.items():
        if len(members) == 1 and len(new_groups.get(key, ())) == 1:
            pairs[members[0]] = new_groups[key][0]
    _pair_duplicates_by_text(old, new, old_groups, new_groups, pairs)
    _pair_by_similarity(old, new, pairs)
    _pair_children_of_pairs(old, new, pairs)
    _pair_duplicates_in_order(old_groups, new_groups, pairs)
    return pairs


def _groups(keys: Sequence[tuple[str, ...]]) -> dict[tuple[str, ...], list[int]]:
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for index, key in enumerate(keys):
        groups[key].append(index)
    return groups


def _pair_duplicates_by_text(
    old: Sequence[Section],
    new: Sequence[Section],
    old_groups: dict[tuple[str, ...], list[int]],
    new_groups: dict[tuple[str, ...], list[int]],
    pairs: dict[int, int],
) -> None:
    """Among sections sharing a path key ("Take control", "Take control (2)"), pair identical texts."""
    for key, members in old_groups.items():
        candidates = new_groups.get(key, [])
        if len(members) == 1 and len(candidates) == 1:
            continue
        free = {j: _normalized(new[j].text) for j in candidates}
        for i in members:
            text = _normalized(old[i].text)
            j = next((j for j, other in free.items() if other == text), None)
            if j is not None:
                pairs[i] = j
                del free[j]


def _pair_by_similarity(old: Sequence[Section], new: Sequence[Section], pairs: dict[int, int]) -> None:
    """Pair the remaining sections whose title and text share enough words (greedy, best first)."""
    paired_new = set(pairs.values())
    free_old = [i for i in range(len(old)) if i not in pairs]
    free_new = [j for j in range(len(new)) if j not in paired_new]
    if not free_old or not free_new:
        return
    shingles_new = {j: _shingles(new[j]) for j in free_new}
    index: dict[str, list[int]] = defaultdict(list)
    for j, shingles in shingles_new.items():
        for shingle in shingles:
            index[shingle].append(j)
    parent_of_old, parent_of_new = _parent_indices(old), _parent_indices(new)
    candidates: list[tuple[float, float, int, int]] = []
    for i in free_old:
        shingles = _shingles(old[i])
        shared: dict[int, int] = defaultdict(int)
        for shingle in shingles:
            postings = index.get(shingle, ())
            if len(postings) <= _COMMON_SHINGLE:
                for j in postings:
                    shared[j] += 1
        for j, count in shared.items():
            score = 2 * count / (len(shingles) + len(shingles_new[j]))
            if pairs.get(parent_of_old[i], -2) == parent_of_new[j]:
                score += _PARENT_BONUS
            if score >= SIMILARITY_THRESHOLD:
                distance = abs(i / len(old) - j / len(new))
                candidates.append((-score, distance, i, j))
    taken: set[int] = set()
    for _, _, i, j in sorted(candidates):
        if i not in pairs and j not in taken:
            pairs[i] = j
            taken.add(j)


def _shingles(section: Section) -> set[str]:
    """Words and word pairs of a section's title and link-free text."""
    plain = " ".join(_without_targets(_plain_words(section.text)))
    words = _WORD.findall(f"{section.title} {plain}".casefold())
    return {*words, *(f"{a} {b}" for a, b in pairwise(words))}


def _parent_indices(sections: Sequence[Section]) -> list[int]:
    """For each section, the index of the section heading its parent path (-1 when none)."""
    by_path = {section.path: index for index, section in enumerate(sections)}
    return [by_path.get(section.path[:-1], -1) for section in sections]


def _pair_children_of_pairs(old: Sequence[Section], new: Sequence[Section], pairs: dict[int, int]) -> None:
    """Pair still-unpaired sections with the same title under parents that are paired with each other."""
    parent_of_old, parent_of_new = _parent_indices(old), _parent_indices(new)
    paired_new = set(pairs.values())
    free_old: dict[tuple[int, str], list[int]] = defaultdict(list)
    for i in range(len(old)):
        if i not in pairs and parent_of_old[i] in pairs:
            free_old[(pairs[parent_of_old[i]], _title_key(old[i].title))].append(i)
    for j in range(len(new)):
        if j in paired_new or parent_of_new[j] == -1:
            continue
        waiting = free_old.get((parent_of_new[j], _title_key(new[j].title)))
        if waiting:
            pairs[waiting.pop(0)] = j


def _pair_duplicates_in_order(
    old_groups: dict[tuple[str, ...], list[int]], new_groups: dict[tuple[str, ...], list[int]], pairs: dict[int, int]
) -> None:
    """Within a group of same-key sections left with as many on each side, pair them in order."""
    paired_new = set(pairs.values())
    for key, members in old_groups.items():
        free_old = [i for i in members if i not in pairs]
        free_new = [j for j in new_groups.get(key, []) if j not in paired_new]
        if free_old and len(free_old) == len(free_new):
            pairs.update(zip(free_old, free_new, strict=True))


# --- section changes -------------------------------------------------------------------------------


def _section_changes(old: Sequence[Section], new: Sequence[Section], pairs: dict[int, int]) -> list[SectionChange]:
    kinds = _pair_kinds(old, new, pairs)
    positioned: list[tuple[float, int, SectionChange]] = []
    for i, j in pairs.items():
        kind = kinds[i]
        if kind is not None:
            positioned.append((j, i, _changed(kind, old[i], new[j])))
    anchor = -0.5
    for i, section in enumerate(old):
        if i in pairs:
            anchor = pairs[i] + 0.5
        else:
            positioned.append((anchor, i, _changed(SectionChangeKind.REMOVED, section, None)))
    paired_new = set(pairs.values())
    for j, section in enumerate(new):
        if j not in paired_new:
            positioned.append((j, -1, _changed(SectionChangeKind.ADDED, None, section)))
    return [change for _, _, change in sorted(positioned, key=lambda item: (item[0], item[1]))]


def _differs(old: Section, new: Section) -> bool:
    return _normalized(old.text) != _normalized(new.text)


def _changed(kind: SectionChangeKind, old: Section | None, new: Section | None) -> SectionChange:
    old_text = old.text if old else ""
    new_text = new.text if new else ""
    ops: tuple[WordOp, ...] = ()
    if old is None:
        ops = (WordOp(WordOpKind.INSERT, " ".join(new_text.split())),) if new_text else ()
    elif new is None:
        ops = (WordOp(WordOpKind.DELETE, " ".join(old_text.split())),) if old_text else ()
    elif _differs(old, new):
        ops = abbreviate(word_diff(old_text, new_text))
    return SectionChange(
        kind=kind,
        old_path=old.path_text if old else None,
        new_path=new.path_text if new else None,
        old_text=old_text,
        new_text=new_text,
        words=ops,
    )


def _pair_kinds(
    old: Sequence[Section], new: Sequence[Section], pairs: dict[int, int]
) -> dict[int, SectionChangeKind | None]:
    """What happened to each paired section (None: nothing worth reporting)."""
    parent_of_old, parent_of_new = _parent_indices(old), _parent_indices(new)
    ordered = sorted(pairs)
    in_order = {ordered[k] for k in longest_increasing_subsequence([pairs[i] for i in ordered])}
    kinds: dict[int, SectionChangeKind | None] = {}
    for i in ordered:
        j = pairs[i]
        parent = parent_of_old[i]
        same_parent = pairs.get(parent, -1) == parent_of_new[j] or _path_key(old[i].path[:-1]) == _path_key(
            new[j].path[:-1]
        )
        moved_alone = i not in in_order and (parent not in pairs or parent in in_order)
        if _display_title(old[i]) != _display_title(new[j]):
            kinds[i] = SectionChangeKind.RENAMED
        elif not same_parent or moved_alone:
            kinds[i] = SectionChangeKind.MOVED
        elif _differs(old[i], new[j]):
            kinds[i] = SectionChangeKind.MODIFIED
        else:
            kinds[i] = None
    return kinds
