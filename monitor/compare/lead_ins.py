"""Which bold lead-ins are headings: only where the policy uses lead-ins as headings.

The first pass (``monitor.compare.heading_events``) takes every bold lead-in as a heading. Here, over all the
headings of a version at once, a lead-in stays one when body text follows it (its own text, or a lead-in right
below it) and it has a sibling of the same form that does too: under the same parent heading, or at the same
level elsewhere. Forms: a bold line alone, a bold run with text after it on its line, a bold run led by an empty
anchor link (the page marks it as a target, so it needs no sibling). A lone bold line inside a section (a
bold sentence, a "Note:", a contact line) stays text of the section it is in.

The decision reads only the headings and the text, so a version parsed after the one it follows
(``monitor.compare.reparse``) gets the same headings as when parsed alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

from monitor.compare.heading_events import Event

ANCHORED = "anchored"


class _LeadIn(NamedTuple):
    """Where a lead-in sits: the index of its parent heading (or clause, or the preamble), its level."""

    parent: int
    level: int
    form: str
    has_body: bool
    opens: bool  # whether it opens its parent's text (the parent has none of its own before it)


def settle_lead_ins(events: Sequence[Event], text: str) -> Sequence[Event]:
    """The headings of a version (``events``, parsed from ``text``) without the lead-ins that are not headings,
    whose lines join the text of the heading before them."""
    lead_ins = _lead_ins(events)
    if not lead_ins:
        return events
    by_parent = Counter((lead.parent, lead.form) for lead in lead_ins.values() if lead.has_body)
    by_level = Counter((lead.level, lead.form) for lead in lead_ins.values() if lead.has_body)
    kept: list[Event] = []
    for index, event in enumerate(events):
        lead = lead_ins.get(index)
        if lead is None or _is_heading(lead, by_parent, by_level) or not kept:
            kept.append(event)
        else:
            end = events[index + 1].offset - 1 if index + 1 < len(events) else len(text)
            kept[-1] = kept[-1]._replace(text=_joined(kept[-1].text, text, event.offset, end))
    return kept


def _is_heading(lead: _LeadIn, by_parent: Counter[tuple[int, str]], by_level: Counter[tuple[int, str]]) -> bool:
    if not lead.has_body:
        return False
    if lead.form == ANCHORED or by_parent[lead.parent, lead.form] > 1:
        return True
    return lead.opens and by_level[lead.level, lead.form] > 1


def _lead_ins(events: Sequence[Event]) -> dict[int, _LeadIn]:
    """The lead-ins of a version by their index. Levels are counted as ``sections._assemble`` gives them: a
    clause one below the last heading, a lead-in one below the last heading or clause (lead-ins never hold
    other headings, so which of them are headings changes no level)."""
    lead_ins: dict[int, _LeadIn] = {}
    parent, parent_level, heading_level = 0, 0, 0
    for index, event in enumerate(events):
        if event.kind == "lead-in":
            follows = index + 1 < len(events) and events[index + 1].kind == "lead-in"
            opens = index == parent + 1 and not events[parent].text
            lead_ins[index] = _LeadIn(parent, parent_level + 1, event.form, bool(event.text) or follows, opens)
        elif event.kind == "clause":
            parent, parent_level = index, heading_level + 1
        elif event.kind == "heading":
            parent, parent_level = index, event.level
            heading_level = event.level
    return lead_ins


def _joined(before: str, text: str, start: int, end: int) -> str:
    """The text of a section (``before``, ending where the text before ``start`` does, empty lines aside) with
    the lines of ``text`` from ``start`` up to ``end`` after it, as if they had been parsed as its own."""
    if not before:
        return text[start:end].strip()
    at = start
    while at > 0 and text[at - 1].isspace():
        at -= 1
    return (before + text[at:end]).rstrip()
