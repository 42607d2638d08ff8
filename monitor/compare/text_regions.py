"""What consecutive versions of a policy share: the text they agree on, and the regions where they differ.

Most of a version's text is its predecessor's. Re-doing only the parts where two texts differ (``differences``),
from the predecessor's parse passed in as a value, keeps a 290 KB policy to a few milliseconds.
"""

from __future__ import annotations

from typing import NamedTuple

_BLOCK = 4096  # characters compared at once: slices compare in C
# Re-synchronising after a difference: the text from the next line break on is looked for, this many characters
# of it, at most this far away (lines inserted or removed).
_PROBE = 64
_REACH = 16_384


def common_prefix(a: str, b: str) -> int:
    """The length of the longest common beginning of two texts."""
    return _common_run(a, 0, b, 0)


def common_suffix(a: str, b: str, limit: int) -> int:
    """The length of the longest common end of two texts, at most ``limit`` (so it cannot overlap the beginning)."""
    size, at = _BLOCK, 0
    while at + size <= limit and a[len(a) - at - size : len(a) - at] == b[len(b) - at - size : len(b) - at]:
        at += size
    while size > 1:
        size //= 2
        if at + size <= limit and a[len(a) - at - size : len(a) - at] == b[len(b) - at - size : len(b) - at]:
            at += size
    return at


def agreement(old: str, new: str) -> tuple[int, int]:
    """How far two texts agree: the length of their common beginning, and where their common end starts in
    ``old`` (the two never overlap)."""
    prefix = common_prefix(old, new)
    return prefix, len(old) - common_suffix(old, new, min(len(old), len(new)) - prefix)


class Region(NamedTuple):
    """Where two texts differ: ``old[old_start:old_end]`` became ``new[new_start:new_end]``."""

    old_start: int
    old_end: int
    new_start: int
    new_end: int


def differences(old: str, new: str) -> tuple[Region, ...]:
    """The regions where two texts differ, in order; between them (and before the first, after the last) the
    texts are equal. Not a minimal diff: a region runs from the first differing character to the next line break
    after which the texts agree again (found a little further on in one of them when lines were inserted or
    removed), or else to their common end. Policies that change in a few places give a few short regions."""
    if old == new:
        return ()
    regions: list[Region] = []
    at_old = at_new = 0
    while True:
        run = _common_run(old, at_old, new, at_new)
        at_old, at_new = at_old + run, at_new + run
        if at_old == len(old) and at_new == len(new):
            break
        again = _resync(old, at_old, new, at_new)
        if again is None:
            limit = min(len(old) - at_old, len(new) - at_new)
            end = common_suffix(old, new, limit)
            regions.append(Region(at_old, len(old) - end, at_new, len(new) - end))
            break
        regions.append(Region(at_old, again[0], at_new, again[1]))
        at_old, at_new = again
    return tuple(regions)


def _common_run(a: str, i: int, b: str, j: int) -> int:
    """The length of the longest common beginning of ``a[i:]`` and ``b[j:]``."""
    limit, size, at = min(len(a) - i, len(b) - j), _BLOCK, 0
    while at + size <= limit and a[i + at : i + at + size] == b[j + at : j + at + size]:
        at += size
    while size > 1:
        size //= 2
        if at + size <= limit and a[i + at : i + at + size] == b[j + at : j + at + size]:
            at += size
    return at


def _resync(old: str, i: int, new: str, j: int) -> tuple[int, int] | None:
    """Where the texts agree again after differing at ``old[i]``/``new[j]``: at a line break of each, from
    which the next ``_PROBE`` characters are equal (None: none found nearby)."""
    line_old, line_new = old.find("\n", i), new.find("\n", j)
    if line_old == -1 or line_new == -1:
        return None
    probe = old[line_old : line_old + _PROBE]
    if new.startswith(probe, line_new):
        return line_old, line_new  # the line was rewritten
    inserted = new.find(probe, line_new, line_new + _REACH + len(probe))
    counter = new[line_new : line_new + _PROBE]
    removed = old.find(counter, line_old, line_old + _REACH + len(counter))
    if inserted == -1 and removed == -1:
        return None
    if removed == -1 or (inserted != -1 and inserted - line_new <= removed - line_old):
        return line_old, inserted
    return removed, line_new
