"""Word-level diffs that stay fast on whole policies, and the typographic folding they compare under.

Sequences are diffed patience-style: common prefix and suffix are trimmed, tokens that occur once on
each side anchor the alignment, and ``difflib.SequenceMatcher`` (autojunk off) only sees the small gaps
between anchors (a large gap without anchors gets autojunk on). That keeps a 40,000-word policy from
going quadratic. Two shortcuts give the same opcodes for less: items replaced in place by items found nowhere
else (``_in_place``), and, for an abbreviated word diff, only the words around the characters that differ
(``word_changes``).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Hashable, Sequence
from difflib import SequenceMatcher
from itertools import compress, count
from operator import ne

from monitor.compare.text_regions import agreement
from monitor.models import WordOp, WordOpKind

Opcode = tuple[str, int, int, int, int]

ELLIPSIS = "…"
DEFAULT_CONTEXT = 12
# Gaps up to this many cells (len(a) * len(b)) go to SequenceMatcher as they are.
_SMALL = 40_000
_FEW = 8  # a gap with this few tokens on one side is first checked for having none in common

_TYPOGRAPHY = {
    "‘": "'",
    "’": "'",
    "‚": "'",
    "‛": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "‟": '"',
    "–": "-",
    "—": "-",
    "‒": "-",
    "―": "-",
    "−": "-",
    "‐": "-",
    "‑": "-",
    "…": "...",
    "\u00a0": " ",
    "\u2007": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u200b": "",
    "\u00ad": "",
    "\ufeff": "",
    "ﬀ": "ff",
    "ﬁ": "fi",
    "ﬂ": "fl",
    "ﬃ": "ffi",
    "ﬄ": "ffl",
}


_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s")  # what str.split() splits at
# For ASCII text, ``\w`` is letters, digits and "_": every other byte becomes a space, in one C pass.
_ASCII_NON_WORD = bytes(c if chr(c).isalnum() or c == ord("_") else ord(" ") for c in range(128)) + b" " * 128


def word_runs(text: str) -> list[str]:
    """The runs of word characters (``\\w+``) of a text, in order."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_NON_WORD).decode("ascii").split()
    return _WORD.findall(text)


def word_start(text: str, at: int) -> int:
    """Where the word holding ``text[at - 1]`` starts (``at`` when that is whitespace, or ``at`` is 0)."""
    start = max(text.rfind(" ", 0, at), text.rfind("\n", 0, at)) + 1
    while (space := _SPACE.search(text, start, at)) is not None:
        start = space.end()
    return start


def word_end(text: str, at: int) -> int:
    """Where the word holding ``text[at]`` ends (``at`` when that is whitespace, or the end)."""
    ends = [end for end in (text.find(" ", at), text.find("\n", at)) if end != -1]
    end = min(ends, default=len(text))
    space = _SPACE.search(text, at, end)
    return space.start() if space is not None else end


def fold_typography(text: str) -> str:
    """Curly quotes, dashes, ellipses, ligatures and odd spaces as their plain ASCII forms."""
    for fancy, plain in _TYPOGRAPHY.items():
        if fancy in text:  # a miss costs one fast scan; str.translate with a dict is far slower
            text = text.replace(fancy, plain)
    return text


def longest_increasing_subsequence(values: Sequence[int]) -> list[int]:
    """Indices (ascending) of one longest strictly increasing subsequence of ``values``."""
    tail_values: list[int] = []  # tail_values[k]: smallest tail of an increasing run of length k+1
    tail_indices: list[int] = []
    previous: list[int] = [-1] * len(values)
    for index, value in enumerate(values):
        k = bisect_left(tail_values, value)
        if k:
            previous[index] = tail_indices[k - 1]
        if k == len(tail_values):
            tail_values.append(value)
            tail_indices.append(index)
        else:
            tail_values[k] = value
            tail_indices[k] = index
    result: list[int] = []
    cursor = tail_indices[-1] if tail_indices else -1
    while cursor != -1:
        result.append(cursor)
        cursor = previous[cursor]
    return result[::-1]


def diff_sequences(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[Opcode]:
    """``SequenceMatcher.get_opcodes()``-style opcodes, computed without quadratic blowups."""
    in_place = _in_place(a, b)
    if in_place is not None:
        return in_place
    out: list[Opcode] = []
    _diff(a, 0, len(a), b, 0, len(b), out)
    return _merge(out)


def _in_place(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[Opcode] | None:
    """The opcodes when ``b`` is ``a`` with some items replaced in place by items found nowhere else in the
    part that differs (a link's target changed here and there, say); None otherwise, or when that part is
    large enough for the general path to use anchors.

    Then no match can hold a replaced item, and any match elsewhere is also a match at the same positions,
    which ``SequenceMatcher`` finds first: its blocks are the runs between replaced items, so each run of
    replaced items is one "replace"."""
    size = len(a)
    if size != len(b):
        return None
    start = _common_run(a, 0, size, b, 0, size, 1)
    if start == size:
        return [("equal", 0, size, 0, size)] if size else []
    end = size - _common_run(a, start, size, b, start, size, -1)
    if (end - start) ** 2 > _SMALL:
        return None
    changed = [start + k for k in compress(count(), map(ne, a[start:end], b[start:end]))]
    seen = Counter(a[start:end])
    seen.update(b[start:end])
    if any(seen[a[k]] != 1 or seen[b[k]] != 1 for k in changed):
        return None
    ops: list[Opcode] = []
    equal_from = 0
    for k in changed:
        if ops and ops[-1][2] == k:  # extends the run of replaced items
            ops[-1] = ("replace", ops[-1][1], k + 1, ops[-1][3], k + 1)
            equal_from = k + 1
            continue
        if k > equal_from:
            ops.append(("equal", equal_from, k, equal_from, k))
        ops.append(("replace", k, k + 1, k, k + 1))
        equal_from = k + 1
    if equal_from < size:
        ops.append(("equal", equal_from, size, equal_from, size))
    return ops


def _diff(
    a: Sequence[Hashable], alo: int, ahi: int, b: Sequence[Hashable], blo: int, bhi: int, out: list[Opcode]
) -> None:
    prefix = _common_run(a, alo, ahi, b, blo, bhi, 1)
    if prefix:
        out.append(("equal", alo, alo + prefix, blo, blo + prefix))
        alo, blo = alo + prefix, blo + prefix
    suffix = _common_run(a, alo, ahi, b, blo, bhi, -1)
    _diff_middle(a, alo, ahi - suffix, b, blo, bhi - suffix, out)
    if suffix:
        out.append(("equal", ahi - suffix, ahi, bhi - suffix, bhi))


def _common_run(a: Sequence[Hashable], alo: int, ahi: int, b: Sequence[Hashable], blo: int, bhi: int, step: int) -> int:
    """Length of the common prefix (step 1) or suffix (step -1): the first pair that differs, found in C."""
    size = min(ahi - alo, bhi - blo)
    if step > 0:
        differ = map(ne, a[alo : alo + size], b[blo : blo + size])
    else:
        differ = map(ne, reversed(a[ahi - size : ahi]), reversed(b[bhi - size : bhi]))
    return next(compress(count(), differ), size)


def _diff_middle(
    a: Sequence[Hashable], alo: int, ahi: int, b: Sequence[Hashable], blo: int, bhi: int, out: list[Opcode]
) -> None:
    if alo == ahi and blo == bhi:
        return
    if alo == ahi or blo == bhi:
        out.append(("insert" if alo == ahi else "delete", alo, ahi, blo, bhi))
        return
    if min(ahi - alo, bhi - blo) <= _FEW and set(a[alo:ahi]).isdisjoint(b[blo:bhi]):
        # Nothing in common: what SequenceMatcher would say, without building one.
        out.append(("replace", alo, ahi, blo, bhi))
        return
    if (ahi - alo) * (bhi - blo) > _SMALL:
        anchors = _unique_anchors(a, alo, ahi, b, blo, bhi)
        if anchors:
            for i, j in anchors:
                _diff(a, alo, i, b, blo, j, out)
                out.append(("equal", i, i + 1, j, j + 1))
                alo, blo = i + 1, j + 1
            _diff(a, alo, ahi, b, blo, bhi, out)
            return
    matcher = SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=(ahi - alo) * (bhi - blo) > _SMALL)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        out.append((tag, alo + i1, alo + i2, blo + j1, blo + j2))


def _unique_anchors(
    a: Sequence[Hashable], alo: int, ahi: int, b: Sequence[Hashable], blo: int, bhi: int
) -> list[tuple[int, int]]:
    """Positions of tokens occurring exactly once on each side, in an order both sides agree on."""
    count_a = Counter(a[alo:ahi])
    count_b = Counter(b[blo:bhi])
    where_b = {b[j]: j for j in range(blo, bhi) if count_b[b[j]] == 1 and count_a.get(b[j]) == 1}
    pairs = [(i, where_b[a[i]]) for i in range(alo, ahi) if a[i] in where_b]
    keep = longest_increasing_subsequence([j for _, j in pairs])
    return [pairs[k] for k in keep]


def _merge(ops: list[Opcode]) -> list[Opcode]:
    merged: list[Opcode] = []
    for op in ops:
        if op[1] == op[2] and op[3] == op[4]:
            continue
        if merged and merged[-1][0] == op[0]:
            tag, i1, _, j1, _ = merged[-1]
            merged[-1] = (tag, i1, op[2], j1, op[4])
        else:
            merged.append(op)
    return merged


def word_diff(old: str, new: str) -> tuple[WordOp, ...]:
    """Runs of words kept, deleted and inserted between two texts (typographic variants count as equal)."""
    return tuple(WordOp(kind, " ".join(words)) for kind, words in _word_runs(old, new))


def word_changes(old: str, new: str, context: int = DEFAULT_CONTEXT) -> tuple[WordOp, ...]:
    """``abbreviate(word_diff(old, new), context)``, without splitting and joining the words of long equal runs
    only to cut them again."""
    runs = _trimmed_runs(old, new, context) or _word_runs(old, new)
    if all(kind is WordOpKind.EQUAL for kind, _ in runs):
        return tuple(WordOp(kind, " ".join(words)) for kind, words in runs)
    last = len(runs) - 1
    return tuple(
        WordOp(kind, " ".join(_cut(words, context, index, last) if kind is WordOpKind.EQUAL else words))
        for index, (kind, words) in enumerate(runs)
    )


def _word_runs(old: str, new: str) -> list[tuple[WordOpKind, list[str]]]:
    a, b = old.split(), new.split()
    return _runs(a, b, _folded_tokens(old, a), _folded_tokens(new, b))


def _runs(a: list[str], b: list[str], keys_a: list[str], keys_b: list[str]) -> list[tuple[WordOpKind, list[str]]]:
    """Runs of words kept (as ``b`` has them), deleted and inserted, diffing by the folded keys."""
    runs: list[tuple[WordOpKind, list[str]]] = []
    for tag, i1, i2, j1, j2 in diff_sequences(keys_a, keys_b):
        if tag == "equal":
            _append_run(runs, WordOpKind.EQUAL, b[j1:j2])
            continue
        _append_run(runs, WordOpKind.DELETE, a[i1:i2])
        _append_run(runs, WordOpKind.INSERT, b[j1:j2])
    return runs


def _trimmed_runs(old: str, new: str, context: int) -> list[tuple[WordOpKind, list[str]]] | None:
    """The runs of ``_word_runs(old, new)`` as far as ``abbreviate`` keeps them, diffing only the words around
    the characters where the texts differ (None: not sure to give the same runs, do them all).

    The words before and after those are the same on both sides. Dropping the ones before changes nothing: the
    common prefix is trimmed first anyway. Dropping the ones after changes nothing either when the words left
    differ before either side runs out: the common suffix is then trimmed as it would have been. Of the equal
    words dropped, only the ``context`` nearest the change are kept (and one more word standing for the rest,
    which is never shown)."""
    if context < 1:
        return None  # words[-0:] keeps them all
    start, tail = agreement(old, new)
    low, high = word_start(old, start), word_end(old, tail)
    old_middle, new_middle = old[low:high], new[low : high + len(new) - len(old)]
    a, b = old_middle.split(), new_middle.split()
    keys_a, keys_b = _folded_tokens(old_middle, a), _folded_tokens(new_middle, b)
    if _common_run(keys_a, 0, len(keys_a), keys_b, 0, len(keys_b), 1) >= min(len(keys_a), len(keys_b)):
        return None
    runs: list[tuple[WordOpKind, list[str]]] = []
    _append_run(runs, WordOpKind.EQUAL, old[:low].rsplit(None, context))
    for kind, words in _runs(a, b, keys_a, keys_b):
        _append_run(runs, kind, words)
    _append_run(runs, WordOpKind.EQUAL, old[high:].split(None, context))
    return runs


def _folded_tokens(text: str, tokens: list[str]) -> list[str]:
    folded = fold_typography(text).split()
    if len(folded) == len(tokens):
        return folded
    return [fold_typography(token) for token in tokens]  # a token was all zero-width characters


def _append_run(runs: list[tuple[WordOpKind, list[str]]], kind: WordOpKind, words: Sequence[str]) -> None:
    if not words:
        return
    if runs and runs[-1][0] is kind:
        runs[-1][1].extend(words)
    else:
        runs.append((kind, list(words)))


def abbreviate(ops: Sequence[WordOp], context: int = DEFAULT_CONTEXT) -> tuple[WordOp, ...]:
    """Equal runs cut to ``context`` words either side of a change, the cut marked with "…"."""
    if all(op.kind is WordOpKind.EQUAL for op in ops):
        return tuple(ops)
    result: list[WordOp] = []
    last = len(ops) - 1
    for index, op in enumerate(ops):
        if op.kind is not WordOpKind.EQUAL:
            result.append(op)
            continue
        words = op.text.split(" ")
        cut = _cut(words, context, index, last)
        result.append(op if cut is words else WordOp(op.kind, " ".join(cut)))
    return tuple(result)


def _cut(words: list[str], context: int, index: int, last: int) -> list[str]:
    """The words of the equal run at ``index`` (of runs up to ``last``) that an abbreviated diff keeps."""
    if index == 0 and len(words) > context:
        return [ELLIPSIS, *words[-context:]]
    if index == last and len(words) > context:
        return [*words[:context], ELLIPSIS]
    if 0 < index < last and len(words) > 2 * context + 1:
        return [*words[:context], ELLIPSIS, *words[-context:]]
    return words


def render_word_diff(ops: Sequence[WordOp]) -> str:
    """The diff as text: equal runs as they are, ``[-deleted-]`` and ``{+inserted+}``."""
    parts = []
    for op in ops:
        if op.kind is WordOpKind.DELETE:
            parts.append(f"[-{op.text}-]")
        elif op.kind is WordOpKind.INSERT:
            parts.append(f"{{+{op.text}+}}")
        else:
            parts.append(op.text)
    return " ".join(parts)
