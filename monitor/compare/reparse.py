"""Parsing a version again only where it differs from the version it follows.

Each span re-parsed runs from the last anchor (see ``Event.anchor``) before a changed region to the first one
after it; the headings in between are the previous version's, moved by the characters gained before them.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import NamedTuple

from monitor.compare.heading_events import Event, anchor_kind, find_events, has_odd_breaks
from monitor.compare.text_regions import Region


def events_after(
    old: str, events: Sequence[Event], markdown: str, regions: Sequence[Region]
) -> tuple[list[Event], bool] | None:
    """The headings of ``markdown``, re-parsed only around the places where it differs from ``old`` (whose
    headings are ``events``), and whether its outline is the same (see ``_same_outline``): each span re-parsed
    runs from the last anchor (see ``Event.anchor``) before a changed region to the first one after it. The
    headings in between come from ``old``, moved by the characters gained before them (None: nothing to reuse,
    or the re-parse did not fit). ``regions``: ``differences(old, markdown)``."""
    if any(has_odd_breaks(markdown[region.new_start : region.new_end]) for region in regions):
        return None  # elsewhere the text is the previous version's, which has none
    spans = _spans(events, old, regions)
    if len(spans) == 1 and spans[0].head == 0 and spans[0].tail == len(events):
        return None
    result: list[Event] = []
    kept, chars = 0, 0  # the first event not yet taken; characters gained before it
    same_outline = True
    for span in spans:
        result += _kept(events[kept : span.head], chars, markdown)
        start = events[span.head].offset + chars
        chars += sum(_gained(region) for region in span.regions)
        end = events[span.tail].offset - 1 + chars if span.tail < len(events) else len(markdown)
        middle, fence = find_events(markdown, start, end, top=span.head == 0)
        if span.head and middle[0].offset != start:
            return None  # the heading the re-parse starts from is a heading no more
        if span.tail < len(events) and fence is not None:
            return None  # a fence left open changes how the rest reads
        result += middle
        same_outline = same_outline and _same_outline(events[span.head : span.tail], middle)
        kept = span.tail
    result += _kept(events[kept:], chars, markdown)
    return result, same_outline


def _gained(region: Region) -> int:
    return (region.new_end - region.new_start) - (region.old_end - region.old_start)


def _same_outline(before: Sequence[Event], after: Sequence[Event]) -> bool:
    """Whether re-parsed headings are the ones they replace (kinds, levels and titles, and whether a preamble
    has text): then every path and level stays as it was."""
    if len(before) != len(after) or (before[0].kind == "preamble" and bool(before[0].text) != bool(after[0].text)):
        return False
    return all(
        (old.kind, old.level, old.title) == (new.kind, new.level, new.title)
        for old, new in zip(before, after, strict=True)
    )


class _Span(NamedTuple):
    """Events of a previous version to parse again: from ``head`` up to (not including) ``tail``."""

    head: int
    tail: int
    regions: tuple[Region, ...]  # the changed regions inside


def _spans(events: Sequence[Event], old: str, regions: Sequence[Region]) -> list[_Span]:
    """The spans to re-parse around the changed regions, in order (a region too close to the one before it
    joins that one's span)."""
    offsets = [event.offset for event in events]
    spans: list[_Span] = []
    previous_end = -1  # where the last region ends in the old text
    for region in regions:
        low = spans[-1].tail if spans else 1
        last = bisect_right(offsets, region.old_start) - 1
        head = next(
            (k for k in range(last, low - 1, -1) if _reads_alike_from(events[k], old, region.old_start, previous_end)),
            None,
        )
        after = bisect_left(offsets, region.old_end + 1, lo=(head or 0) + 1)
        tail = next((k for k in range(after, len(events)) if _read_alike_from(events[k], region.old_end)), len(events))
        if head is None and spans:
            spans[-1] = _Span(spans[-1].head, tail, (*spans[-1].regions, region))
        else:
            spans.append(_Span(head or 0, tail, (region,)))
        previous_end = region.old_end
    return spans


def _kept(events: Sequence[Event], chars: int, markdown: str) -> list[Event]:
    """Events kept after a re-parsed span (or from the top), moved by the characters gained before them. The
    first one's anchor is found again: the line before its empty line may have changed."""
    kept = [event.shifted(chars) for event in events] if chars else list(events)
    if kept and kept[0].anchor == "blank":
        kept[0] = kept[0]._replace(anchor=anchor_kind(markdown, kept[0].offset))
    return kept


def _reads_alike_from(event: Event, old: str, start: int, previous_end: int) -> bool:
    """Whether the new text parses from this heading on as if alone, up to the change at ``start``: all before
    it is parsed alike (what lies between the change ending at ``previous_end`` and this one is unchanged,
    the empty line before it included), and so is an ATX heading's own line (no lead-in above reaches past
    it: a heading ends a paragraph)."""
    if event.anchor == "blank":
        return previous_end <= event.offset - 2 and event.offset <= start
    return event.anchor == "atx" and previous_end < event.offset and -1 < old.find("\n", event.offset) < start


def _read_alike_from(event: Event, end: int) -> bool:
    """Whether the old text parsed from this heading on as if alone, with the line break before it (and before
    the empty line ahead of it, unless it is an ATX heading) in the unchanged text after a change ending at
    ``end``."""
    if event.anchor == "atx":
        return event.offset - 1 >= end
    return event.anchor == "blank" and event.offset - 2 >= end
