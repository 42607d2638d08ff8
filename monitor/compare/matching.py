"""Which sections of two versions are the same section: pairing, splits and merges, and moves.

Pairing (``match_sections``), each pass only over sections still unpaired:
1. the same path, titles compared without numbering, duplicate suffix, case and punctuation, when the path is
   unique on both sides;
2. among sections sharing such a path ("Take control", "Take control (2)"), identical texts; then, anywhere, the
   same title and the same text (a section moved as it was);
then splits and merges around these pairs (``monitor.compare.regroups``), whose parts are no longer up for pairing,
and headings whose subsections went over to one and the same unpaired heading (pass 6, ahead of similarity: of
two copies of a policy on one page, the one whose sections stayed is the one kept);
3. similar words (title and link-free text, as words and word pairs; Dice >= 0.4, a bonus when the parents are
   paired with each other), greedily, best first;
4. children of paired parents, by title, top down;
5. the rest of a group of same-path sections, in order, when as many are left on each side;
6. headings whose subsections went over to one and the same unpaired heading (a renamed heading with no text);
then splits and merges around the pairs of passes 3 to 6.

Identity: a split section maps to the part that keeps its identity, a merged section comes from the section
whose identity it keeps: the pair found above (same title, else most similar), never another part.

Moves: a section's anchor is its nearest ancestor found in both versions (a split part or a merged section
standing for the section that keeps the identity). A paired section moved when its anchor changed, or when,
among the paired sections under the same anchor, it is out of the longest run kept in order. So sections that
move with their parent, or under a heading that was added or removed, are not reported; the parent is.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from operator import eq, lt

from monitor.compare.classes import link_free_words
from monitor.compare.regroups import Regroup, Taken, find_regroups, same_text
from monitor.compare.word_diff import longest_increasing_subsequence, word_runs
from monitor.models import Section

SIMILARITY_THRESHOLD = 0.4
_PARENT_BONUS = 0.25  # prefer pairing sections whose parents are already paired
# ... and sections with the same title, when no other unpaired section on either side has it (moved and edited)
_TITLE_BONUS = 0.1
_COMMON_SHINGLE = 40  # shingles shared by more unpaired sections than this say nothing about identity

_DUPLICATE_SUFFIX = re.compile(r" \(\d+\)$")
_ENUMERATOR = re.compile(r"^\(?(?:\d+(?:\.\d+)*\.?|[a-z]|[ivxlcdm]+)[.)]?\s+|^\d+(?:\.\d+)+\s*")
# Numbering that a renumbering changes: "4.", "4.2", "(b)", "iv)"; letters and numerals need their mark.
_NUMBERING = re.compile(r"^\(?(?:\d+(?:\.\d+)*\.?|[A-Za-z]|[IVXLCDMivxlcdm]+)[.)]\s*|^\d+(?:\.\d+)*\s+")


# A section's path -> its path as compared for identity (``title_key`` of each title): a function of the path.
PathKeys = Mapping[tuple[str, ...], tuple[str, ...]]


@dataclass(frozen=True)
class Matching:
    """Everything the comparison needs to know about which sections correspond."""

    pairs: dict[int, int]  # old index -> new index, regrouped identities included
    regroups: tuple[Regroup, ...]
    moved: frozenset[int]  # old indices of paired sections that moved
    new_keys: PathKeys  # the new version's paths as compared for identity: ``known_keys`` of the next match


# --- titles ----------------------------------------------------------------------------------------


def title_key(title: str) -> str:
    """A title as compared for identity: no duplicate suffix, numbering, case or punctuation."""
    text = _without_duplicate_suffix(title).casefold()
    enumerator = _ENUMERATOR.match(text)
    return " ".join(word_runs(text[enumerator.end() :] if enumerator else text))


def title_core(title: str) -> str:
    """A title's letters and digits without its numbering and duplicate suffix: a rename changes these."""
    return "".join(word_runs(_NUMBERING.sub("", _without_duplicate_suffix(title))))


def _without_duplicate_suffix(title: str) -> str:
    return _DUPLICATE_SUFFIX.sub("", title) if title.endswith((")", ")\n")) else title


def _path_key(path: tuple[str, ...]) -> tuple[str, ...]:
    return (*_path_key(path[:-1]), title_key(path[-1])) if len(path) > 1 else (title_key(path[0]),)


def parent_indices(sections: Sequence[Section]) -> list[int]:
    """For each section, the index of the section heading its parent path (-1 when none)."""
    by_path = {section.path: index for index, section in enumerate(sections)}
    return [by_path.get(section.path[:-1], -1) if len(section.path) > 1 else -1 for section in sections]


# --- the public entry points -----------------------------------------------------------------------


def match_sections(old: Sequence[Section], new: Sequence[Section]) -> dict[int, int]:
    """Old index -> new index for every section present in both versions, renamed and moved ones included.

    A split old section maps to the part that keeps its identity, a merged new section from the old section
    whose identity it keeps (see the module's docstring); the other parts are new or gone for identity's sake.
    """
    return dict(match(old, new).pairs)


def match(old: Sequence[Section], new: Sequence[Section], *, known_keys: PathKeys | None = None) -> Matching:
    """The matching of two versions' sections (see the module's docstring). ``known_keys``, paths already keyed
    (the ``new_keys`` of the match before, whose new version is this old one), only saves time."""
    # Parents and groups depend on the paths alone, and most new versions keep every path.
    old_paths = [s.path for s in old]
    same_paths = old_paths == [s.path for s in new]
    old_parents = parent_indices(old)
    new_parents = old_parents if same_paths else parent_indices(new)
    pairs: dict[int, int] = {}
    old_keys = _path_keys(old, old_parents, known_keys or {})
    keyed = dict(zip(old_paths, old_keys, strict=True))
    new_keys = old_keys if same_paths else _path_keys(new, new_parents, keyed)
    if not same_paths:
        keyed = dict(zip((s.path for s in new), new_keys, strict=True))
    old_groups = _groups(old_keys)
    new_groups = old_groups if same_paths else _groups(new_keys)
    for key, members in old_groups.items():
        if len(members) == 1 and len(new_groups.get(key, ())) == 1:
            pairs[members[0]] = new_groups[key][0]
    if len(pairs) == len(old) == len(new):
        return Matching(pairs, (), _moved(pairs, (), old_parents, new_parents), keyed)
    _pair_duplicates_by_text(old, new, old_groups, new_groups, pairs)
    _pair_moved_copies(old, new, pairs)
    if len(pairs) == len(old) == len(new):  # the passes below would find nothing left to pair
        return Matching(pairs, (), _moved(pairs, (), old_parents, new_parents), keyed)
    # Splits and merges are looked for among these sure pairs first, so that their parts are not paired
    # by similarity with some other section (a merged-away section with a split-off part, say).
    taken = Taken(set(pairs), set(pairs.values()))
    regroups = find_regroups(old, new, pairs, taken)
    # Before similarity: of headings sharing a path (a policy shown twice), the one whose subsections went
    # under a new heading is that heading, though the other's few words of its own may be more alike.
    _pair_parents_of_pairs(pairs, taken, old_parents, new_parents)
    _pair_by_similarity(old, new, pairs, taken, old_parents, new_parents)
    _pair_children_of_pairs(old, new, pairs, taken, old_parents, new_parents)
    _pair_duplicates_in_order(old_groups, new_groups, pairs, taken)
    _pair_parents_of_pairs(pairs, taken, old_parents, new_parents)
    done = {group.old_identity for group in regroups}
    regroups += find_regroups(old, new, {i: j for i, j in pairs.items() if i not in done}, taken)
    return Matching(pairs, regroups, _moved(pairs, regroups, old_parents, new_parents), keyed)


def _path_keys(sections: Sequence[Section], parents: list[int], known: PathKeys) -> list[tuple[str, ...]]:
    """Each section's path as compared for identity: ``known``, else its parent's key extended."""
    keys: list[tuple[str, ...]] = []
    for section, parent in zip(sections, parents, strict=True):
        key = known.get(section.path)
        if key is None:
            key = _path_key(section.path) if parent == -1 else (*keys[parent], title_key(section.path[-1]))
        keys.append(key)
    return keys


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
    paired_new = set(pairs.values())
    for key, members in old_groups.items():
        candidates = new_groups.get(key, [])
        if len(members) == 1 and len(candidates) == 1:
            continue
        free = [j for j in candidates if j not in paired_new]
        for i in members:
            j = next((j for j in free if same_text(old[i], new[j])), None)
            if j is not None:
                pairs[i] = j
                free.remove(j)


def _pair_moved_copies(old: Sequence[Section], new: Sequence[Section], pairs: dict[int, int]) -> None:
    """Unpaired sections with the same title (as ``title_key`` compares it) and the same text, wherever they
    are, in order: a section moved as it was. Similar words would miss a short one whose words are common in
    the policy (a bold lead-in repeated under many headings, say)."""
    paired_new = set(pairs.values())
    waiting: dict[tuple[str, str], list[int]] = defaultdict(list)
    for j, section in enumerate(new):
        if section.text and j not in paired_new:
            waiting[(title_key(section.title), section.text)].append(j)
    for i, section in enumerate(old):
        if section.text and i not in pairs and (candidates := waiting.get((title_key(section.title), section.text))):
            pairs[i] = candidates.pop(0)


def _pair_by_similarity(
    old: Sequence[Section],
    new: Sequence[Section],
    pairs: dict[int, int],
    taken: Taken,
    old_parents: list[int],
    new_parents: list[int],
) -> None:
    free_old = [i for i in range(len(old)) if i not in taken.old]
    free_new = [j for j in range(len(new)) if j not in taken.new]
    if not free_old or not free_new:
        return
    shingles_new = {j: _shingles(new[j]) for j in free_new}
    index: dict[str, list[int]] = defaultdict(list)
    for j, shingles in shingles_new.items():
        for shingle in shingles:
            index[shingle].append(j)
    unique = _unique_titles(old, free_old) & _unique_titles(new, free_new)
    candidates: list[tuple[float, float, int, int]] = []
    for i in free_old:
        shingles = _shingles(old[i])
        title = title_key(old[i].title)
        shared: dict[int, int] = defaultdict(int)
        for shingle in shingles:
            postings = index.get(shingle, ())
            if len(postings) <= _COMMON_SHINGLE:
                for j in postings:
                    shared[j] += 1
        for j, count in shared.items():
            score = 2 * count / (len(shingles) + len(shingles_new[j]))
            if pairs.get(old_parents[i], -2) == new_parents[j]:
                score += _PARENT_BONUS
            if title in unique and title == title_key(new[j].title):
                score += _TITLE_BONUS
            if score >= SIMILARITY_THRESHOLD:
                candidates.append((-score, abs(i / len(old) - j / len(new)), i, j))
    for _, _, i, j in sorted(candidates):
        if i not in taken.old and j not in taken.new:
            taken.pair(pairs, i, j)


def _unique_titles(sections: Sequence[Section], free: list[int]) -> set[str]:
    """The titles (as ``title_key`` compares them) that one section only of ``free`` has."""
    counts = Counter(title_key(sections[k].title) for k in free)
    return {title for title, count in counts.items() if count == 1 and title}


def _shingles(section: Section) -> set[str]:
    """Words and word pairs of a section's title and link-free text."""
    words = [word.casefold() for word in word_runs(section.title)]
    words += [word.casefold() for word in word_runs(" ".join(link_free_words(section.text)))]
    return {*words, *(f"{a} {b}" for a, b in pairwise(words))}


def _pair_children_of_pairs(
    old: Sequence[Section],
    new: Sequence[Section],
    pairs: dict[int, int],
    taken: Taken,
    old_parents: list[int],
    new_parents: list[int],
) -> None:
    """Unpaired sections with the same title under parents paired with each other, top down (so the
    subsections of a moved or renamed section follow it at any depth)."""
    waiting: dict[tuple[int, str], list[int]] = defaultdict(list)
    for j in range(len(new)):
        if j not in taken.new and new_parents[j] != -1:
            waiting[(new_parents[j], title_key(new[j].title))].append(j)
    if not waiting:
        return
    for i in range(len(old)):  # parents come before their children
        parent = old_parents[i]
        if i in taken.old or parent not in pairs:
            continue
        candidates = waiting.get((pairs[parent], title_key(old[i].title)))
        if candidates:
            taken.pair(pairs, i, candidates.pop(0))


def _pair_duplicates_in_order(
    old_groups: dict[tuple[str, ...], list[int]],
    new_groups: dict[tuple[str, ...], list[int]],
    pairs: dict[int, int],
    taken: Taken,
) -> None:
    for key, members in old_groups.items():
        free_old = [i for i in members if i not in taken.old]
        free_new = [j for j in new_groups.get(key, []) if j not in taken.new]
        if free_old and len(free_old) == len(free_new):
            for i, j in zip(free_old, free_new, strict=True):
                taken.pair(pairs, i, j)


def _pair_parents_of_pairs(pairs: dict[int, int], taken: Taken, old_parents: list[int], new_parents: list[int]) -> None:
    """An unpaired heading whose paired subsections (more than half of them) all sit under one unpaired new
    heading is that heading: a renamed heading with little or no text of its own."""
    children: dict[int, list[int]] = defaultdict(list)
    for i, parent in enumerate(old_parents):
        if parent != -1 and parent not in taken.old:
            children[parent].append(i)
    for parent in sorted(children):
        members = children[parent]
        votes = Counter(new_parents[pairs[i]] for i in members if i in pairs)
        if not votes:
            continue
        (target, count), *_ = votes.most_common(1)
        if target != -1 and target not in taken.new and 2 * count > len(members):
            taken.pair(pairs, parent, target)


# --- moves -----------------------------------------------------------------------------------------


def _moved(
    pairs: dict[int, int], regroups: tuple[Regroup, ...], old_parents: list[int], new_parents: list[int]
) -> frozenset[int]:
    if not regroups and old_parents == new_parents and all(map(eq, pairs, pairs.values())):
        return frozenset()  # every pair in place, under the same ancestors
    old_alias = dict(pairs)  # old index -> the new index it stands for
    new_alias = {j: j for j in pairs.values()}
    for group in regroups:
        old_alias.update((i, group.new_identity) for i in group.old)
        new_alias.update((j, group.new_identity) for j in group.new)
    moved: set[int] = set()
    by_anchor: dict[int, list[int]] = defaultdict(list)
    order = sorted(pairs)
    for i in order:
        anchor = _anchor(old_parents, i, old_alias)
        if anchor != _anchor(new_parents, pairs[i], new_alias):
            moved.add(i)
        else:
            by_anchor[anchor].append(i)
    partners = [pairs[i] for i in order]
    if all(map(lt, partners, partners[1:])):
        return frozenset(moved)  # all in order: so is every run under one anchor
    for members in by_anchor.values():
        kept = longest_increasing_subsequence([pairs[i] for i in members])
        moved.update(set(members) - {members[k] for k in kept})
    return frozenset(moved)


def _anchor(parents: list[int], index: int, alias: dict[int, int]) -> int:
    """The new index that the nearest ancestor found in both versions stands for (-1: the top)."""
    cursor = parents[index]
    while cursor != -1 and cursor not in alias:
        cursor = parents[cursor]
    return alias[cursor] if cursor != -1 else -1
