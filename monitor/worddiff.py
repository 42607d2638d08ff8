"""Word-level diffs that stay fast on whole policies, and the typographic folding they compare under.

Sequences are diffed patience-style: common prefix and suffix are trimmed, tokens that occur once on
each side anchor the alignment, and ``difflib.SequenceMatcher`` (autojunk off) only sees the small gaps
between anchors (a large gap without anchors gets autojunk on). That keeps a 40,000-word policy from
going quadratic.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Hashable, Sequence
from difflib import SequenceMatcher

from monitor.models import WordOp, WordOpKind

Opcode = tuple[str, int, int, int, int]

ELLIPSIS = "…"
DEFAULT_CONTEXT = 12
# Gaps up to this many cells (len(a) * len(b)) go to SequenceMatcher as they are.
_SMALL = 40_000

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
    out: list[Opcode] = []
    _diff(a, 0, len(a), b, 0, len(b), out)
    return _merge(out)


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
    """Length of the common prefix (step 1) or suffix (step -1), galloping over C-level slice comparisons."""

    def same(k: int) -> bool:
        if step > 0:
            return a[alo : alo + k] == b[blo : blo + k]
        return a[ahi - k : ahi] == b[bhi - k : bhi]

    limit = min(ahi - alo, bhi - blo)
    good, probe = 0, 1
    while probe <= limit and same(probe):
        good, probe = probe, probe * 2
    bad = min(probe, limit + 1)
    while bad - good > 1:
        middle = (good + bad) // 2
        if same(middle):
            good = middle
        else:
            bad = middle
    return good


def _diff_middle(
    a: Sequence[Hashable], alo: int, ahi: int, b: Sequence[Hashable], blo: int, bhi: int, out: list[Opcode]
) -> None:
    if alo == ahi and blo == bhi:
        return
    if alo == ahi or blo == bhi:
        out.append(("insert" if alo == ahi else "delete", alo, ahi, blo, bhi))
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
    a, b = old.split(), new.split()
    keys_a, keys_b = _folded_tokens(old, a), _folded_tokens(new, b)
    runs: list[tuple[WordOpKind, list[str]]] = []
    for tag, i1, i2, j1, j2 in diff_sequences(keys_a, keys_b):
        if tag == "equal":
            _append_run(runs, WordOpKind.EQUAL, b[j1:j2])
            continue
        _append_run(runs, WordOpKind.DELETE, a[i1:i2])
        _append_run(runs, WordOpKind.INSERT, b[j1:j2])
    return tuple(WordOp(kind, " ".join(words)) for kind, words in runs)


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
        words = op.text.split(" ")
        if op.kind is not WordOpKind.EQUAL:
            result.append(op)
        elif index == 0 and len(words) > context:
            result.append(WordOp(op.kind, " ".join([ELLIPSIS, *words[-context:]])))
        elif index == last and len(words) > context:
            result.append(WordOp(op.kind, " ".join([*words[:context], ELLIPSIS])))
        elif 0 < index < last and len(words) > 2 * context + 1:
            result.append(WordOp(op.kind, " ".join([*words[:context], ELLIPSIS, *words[-context:]])))
        else:
            result.append(op)
    return tuple(result)


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
