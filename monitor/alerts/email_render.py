"""Alert bodies for one ``Change``: subject, plain text and HTML.

Everything taken from an archived policy is untrusted: the HTML renderer escapes every piece of it and links
only to the archive. The per-change blocks (``text_block``, ``html_block``) are what a digest repeats.
"""

from __future__ import annotations

import html
import re
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from monitor.alerts.diff_render import STYLE_DEL, STYLE_INS, diff_html, diff_text
from monitor.alerts.section_diff import ShownDiff, section_diff, whole_text
from monitor.compare.classes import link_free_words
from monitor.models import Change, SectionChange, SectionChangeKind, VersionClass, timestamp_to_datetime

SECTION_CHAR_LIMIT = 4000  # policy text shown per section, markers not counted
MAX_SECTIONS_SHOWN = 25
CONTEXT_WORDS = 25  # unchanged words kept on each side of a change

# Subject order: what readers care about first. MODIFIED reads "changed", as in "2 sections changed".
_KIND_WORDS = (
    (SectionChangeKind.MODIFIED, "changed"),
    (SectionChangeKind.RENAMED, "renamed"),
    (SectionChangeKind.MOVED, "moved"),
    (SectionChangeKind.SPLIT, "split"),
    (SectionChangeKind.MERGED, "merged"),
    (SectionChangeKind.ADDED, "added"),
    (SectionChangeKind.REMOVED, "removed"),
)
_VERSION_LABELS = {
    VersionClass.SUBSTANTIVE: "Substantive change",
    VersionClass.FORMATTING_ONLY: "Formatting-only change",
    VersionClass.LINK_ONLY: "Link-only change",
    VersionClass.DATE_ONLY: "Date-only change",
    VersionClass.REVERTED: "Reverted to an earlier version",
}
# Kinds that say nothing of the text: when the words changed too, the heading says so.
_ALSO_CHANGED = frozenset({SectionChangeKind.RENAMED, SectionChangeKind.MOVED})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
# A name that already says which document it is ("Facebook terms of service") is not called a privacy policy.
_DOCUMENT_WORDS = re.compile(r"\b(polic(y|ies)|privacy|terms|notice|statement|agreement|conditions)\b", re.IGNORECASE)

_STYLE_BODY = "margin:0;padding:16px;font-family:Arial,Helvetica,sans-serif;font-size:14px;line-height:1.5;color:#222"
_STYLE_TITLE = "font-size:20px;margin:0 0 4px"
_STYLE_MUTED = "margin:0 0 8px;color:#555"
_STYLE_SECTION = "font-size:15px;margin:24px 0 6px;padding-bottom:2px;border-bottom:1px solid #ddd"
_STYLE_KIND = "display:inline-block;padding:0 6px;margin-right:6px;border-radius:3px;background:#eee;font-weight:normal"
_STYLE_TEXT = "margin:0;font-family:Georgia,'Times New Roman',serif"


@dataclass(frozen=True)
class ChangeNotice:
    """Everything an alert about one change says."""

    policy_name: str
    policy_url: str
    old_timestamp: str | None  # 14-digit Wayback timestamp of the previous version's capture (None if first)
    new_timestamp: str
    change: Change
    archive_url: str = "https://web.archive.org"
    change_id: int | None = None
    filtered_out: int = 0  # section changes a subscription's section filter left out of ``change``
    reverted_to_timestamp: str | None = None  # the earlier version's capture, when the change is a revert
    # A revert: the changes it undoes that this subscriber was told of, as their new versions' (capture, number).
    undoes: tuple[tuple[str, int | None], ...] = ()
    unstable: str | None = None  # set when this revert makes its page one that flaps: what alternates
    # The versions' numbers within the policy (v1, v2, …), the ones the CLI shows; None when not known.
    old_number: int | None = None
    new_number: int | None = None
    reverted_to_number: int | None = None

    @property
    def old_date(self) -> str | None:
        return _date(self.old_timestamp) if self.old_timestamp else None

    @property
    def new_date(self) -> str:
        return _date(self.new_timestamp)

    def wayback_url(self, timestamp: str) -> str:
        """The archive's view-mode page of a capture, for humans."""
        return f"{self.archive_url.rstrip('/')}/web/{timestamp}/{self.policy_url}"

    @property
    def diff_command(self) -> str:
        """The CLI command that shows this very change in full (exact timestamps: two versions may share a day)."""
        since = f" --from {self.old_timestamp}" if self.old_timestamp else ""
        return f"policy-monitor diff {shlex.quote(self.policy_name)}{since} --to {self.new_timestamp}"


@dataclass(frozen=True)
class _Body:
    """One section change as shown: a whole text (added, removed) or the diff of its words, context trimmed."""

    change: SectionChange
    diff: ShownDiff
    whole: bool = False

    @property
    def empty(self) -> bool:
        """Nothing to show: the words did not change (or an added or removed section has none)."""
        return not self.diff.shown


# ---- subject ----------------------------------------------------------------------------------------------------


def render_subject(notice: ChangeNotice) -> str:
    """``[policy-monitor] SOSTEC privacy policy: 2 sections changed, 1 added (2015-06-23)``."""
    return f"[policy-monitor] {headline(notice)} ({notice.new_date})"


def headline(notice: ChangeNotice) -> str:
    """``SOSTEC privacy policy: 2 sections changed, 1 added``: one line, safe in a header."""
    return f"{document_name(notice.policy_name)}: {summary(notice.change)}"


def document_name(policy_name: str) -> str:
    """``SOSTEC privacy policy`` for ``SOSTEC``; a name that already names its document is kept."""
    name = _single_line(policy_name)
    return name if _DOCUMENT_WORDS.search(name) else f"{name} privacy policy"


def summary(change: Change) -> str:
    """The class unless substantive, then counts by kind: ``link-only change, 1 section renamed, 2 moved``."""
    kinds = [section.kind for section in change.sections]
    parts = [f"{kinds.count(kind)} {word}" for kind, word in _KIND_WORDS if kind in kinds]
    if parts:
        first, _, word = parts[0].partition(" ")
        parts[0] = f"{first} {_plural(int(first), 'section')} {word}"
    else:
        parts = ["no section changed"]
    if change.version_class is not VersionClass.SUBSTANTIVE:
        parts.insert(0, _version_label(change.version_class).lower())
    elif not change.sections:
        parts.insert(0, "new version")  # words differ outside any reported section, e.g. renumbered titles
    return ", ".join(parts)


# ---- plain text ---------------------------------------------------------------------------------------------------


def render_text(notice: ChangeNotice) -> str:
    """The plain-text part: header, one block per section change, archive links, the CLI hint."""
    return "\n".join(text_block(notice)) + "\n"


def text_block(notice: ChangeNotice) -> list[str]:
    """The lines about one change, as the single alert shows them and a digest repeats them."""
    lines = [document_name(notice.policy_name), notice.policy_url, "", captured_line(notice), ""]
    if notice.undoes:
        lines += [revert_note(notice) + " What went away is marked [-…-], what came back {+…+}.", ""]
    for body in _bodies(notice.change):
        lines += [f"== {section_heading(body.change)} ==", _text_body(body), ""]
    notes = [f"{note}, see the full diff" for note in _omitted_notes(notice)]
    lines += [*notes, ""] if notes else []
    if notice.old_timestamp:
        lines.append(f"Previous version: {notice.wayback_url(notice.old_timestamp)}")
    lines.append(f"New version:      {notice.wayback_url(notice.new_timestamp)}")
    lines += ["", f"Full diff: {notice.diff_command}"]
    if notice.change_id is not None:
        lines.append(f"Change #{notice.change_id}")
    return lines


def section_heading(section: SectionChange) -> str:
    """``renamed: Sharing → Disclosure`` (``renamed and changed`` when its words changed too); every part of a
    split or merge."""
    old = ", ".join(section.old_paths) or None
    new = ", ".join(section.new_paths) or None
    kind = str(section.kind)
    if section.kind in _ALSO_CHANGED and words_changed(section):
        kind += " and changed"
    if old and new and old != new:
        return f"{kind}: {old} → {new}"
    return f"{kind}: {new or old or '(untitled)'}"


def section_text(section: SectionChange, *, limit: int | None = SECTION_CHAR_LIMIT) -> str:
    """A section change's words as text (``[-old-]{+new+}``), link text only, unchanged runs condensed, at most
    ``limit`` chars of policy text."""
    return _text_body(_body(section, limit if limit is not None else sys.maxsize))


def words_changed(section: SectionChange) -> bool:
    """Whether a section's words changed, markup and link targets aside."""
    return link_free_words(section.old_text) != link_free_words(section.new_text)


def captured_line(notice: ChangeNotice) -> str:
    label = _notice_label(notice)
    new = _numbered(notice.new_date, notice.new_number)
    if notice.old_date is None:
        return f"Captured {new} (first version) · {label}"
    return f"Captured {_numbered(notice.old_date, notice.old_number)} → {new} · {label}"


def _numbered(date: str, number: int | None) -> str:
    """``2021-05-01 (v3)``: a version's date, and its number when known."""
    return f"{date} (v{number})" if number is not None else date


def revert_note(notice: ChangeNotice) -> str:
    """What a revert undoes of what this subscriber was told: ``The text of 2025-08-15 (v3) is back: this undoes the
    change to 2025-09-01 (v4) you were alerted of.``"""
    earlier = notice.reverted_to_timestamp
    back = f"The text of {_numbered(_date(earlier), notice.reverted_to_number)}" if earlier else "An earlier text"
    undone = ", ".join(_numbered(_date(timestamp), number) for timestamp, number in sorted(set(notice.undoes)))
    changes = "the change" if len(notice.undoes) == 1 else "the changes"
    note = f"{back} is back: this undoes {changes} to {undone} you were alerted of."
    if notice.unstable:
        note += f" The page keeps going back and forth ({notice.unstable}): its next returns are not alerted."
    return note


def _omitted_notes(notice: ChangeNotice) -> list[str]:
    notes = []
    hidden = len(notice.change.sections) - MAX_SECTIONS_SHOWN
    if hidden > 0:
        notes.append(f"… and {hidden} more section {_plural(hidden, 'change')}")
    if notice.filtered_out:
        n = notice.filtered_out
        notes.append(f"{n} other section {_plural(n, 'change')} did not match this subscription's filter")
    return notes


def _text_body(body: _Body) -> str:
    notes = _link_notes(body.diff)
    if body.empty:
        return "\n".join([_empty_note(body), *notes])
    text = diff_text(body.diff) + (" (truncated)" if body.diff.truncated else "")
    return "\n".join([text, *notes])


def _empty_note(body: _Body) -> str:
    return "(no text)" if body.whole else "(text unchanged)"


def _link_notes(diff: ShownDiff) -> list[str]:
    return [f"Link removed: {target}" for target in diff.links_removed] + [
        f"Link added: {target}" for target in diff.links_added
    ]


# ---- HTML ---------------------------------------------------------------------------------------------------------


def render_html(notice: ChangeNotice) -> str:
    """The HTML part: same content as the text, every piece of policy text escaped, inline styles only."""
    return html_page(render_subject(notice), [html_block(notice, level=1)])


def html_page(title: str, blocks: Sequence[str]) -> str:
    """A whole HTML document around already-rendered blocks; ``title`` is escaped here."""
    head = f'<!DOCTYPE html>\n<html><head><meta charset="utf-8">\n<title>{_escape(title)}</title></head>'
    return "\n".join([head, f'<body style="{_STYLE_BODY}">', *blocks, "</body></html>"]) + "\n"


def html_block(notice: ChangeNotice, *, level: int) -> str:
    """One change as HTML: its title an ``<h{level}>``, each section change one level below."""
    e = _escape
    parts = [
        f'<h{level} style="{_STYLE_TITLE}">{e(document_name(notice.policy_name))}</h{level}>',
        f'<p style="{_STYLE_MUTED}">{e(notice.policy_url)}</p>',
        f"<p>{_html_captured(notice)}</p>",
    ]
    if notice.undoes:
        marks = f'What went away is <del style="{STYLE_DEL}">struck through</del>, what came back '
        marks += f'<ins style="{STYLE_INS}">marked</ins>.'
        parts.append(f"<p><strong>{e(revert_note(notice))}</strong> {marks}</p>")
    parts += [_html_section(body, level + 1) for body in _bodies(notice.change)]
    parts += [f"<p>{e(note)}, see the full diff</p>" for note in _omitted_notes(notice)]
    parts.append(_html_links(notice))
    footer = f"Full diff: <code>{e(notice.diff_command)}</code>"
    if notice.change_id is not None:
        footer += f"<br>Change #{notice.change_id}"
    parts.append(f'<p style="{_STYLE_MUTED}">{footer}</p>')
    return "\n".join(parts)


def _html_captured(notice: ChangeNotice) -> str:
    label = _escape(_notice_label(notice))
    new = _link(notice.wayback_url(notice.new_timestamp), _numbered(notice.new_date, notice.new_number))
    if notice.old_timestamp is None or notice.old_date is None:
        return f"Captured {new} (first version) · {label}"
    old = _link(notice.wayback_url(notice.old_timestamp), _numbered(notice.old_date, notice.old_number))
    return f"Captured {old} → {new} · {label}"


def _html_section(body: _Body, level: int) -> str:
    kind, _, path = section_heading(body.change).partition(": ")
    badge = f'<span style="{_STYLE_KIND}">{_escape(kind)}</span>'
    heading = f'<h{level} style="{_STYLE_SECTION}">{badge}{_escape(path)}</h{level}>'
    if body.empty:
        text = f"<p><em>{_escape(_empty_note(body))}</em></p>"
    else:
        text = diff_html(body.diff) + (" <p><em>(truncated)</em></p>" if body.diff.truncated else "")
    notes = "".join(f'<p style="{_STYLE_MUTED}">{_escape(note)}</p>' for note in _link_notes(body.diff))
    return f'{heading}\n<div style="{_STYLE_TEXT}">{text}{notes}</div>'


def _html_links(notice: ChangeNotice) -> str:
    links = []
    if notice.old_timestamp:
        url = notice.wayback_url(notice.old_timestamp)
        links.append(f"Previous version: {_link(url, url)}")
    url = notice.wayback_url(notice.new_timestamp)
    links.append(f"New version: {_link(url, url)}")
    return "<p>" + "<br>\n".join(links) + "</p>"


def _link(url: str, label: str) -> str:
    # Only web URLs become links; archive_url comes from configuration but a typo must not make a javascript: link.
    if not url.lower().startswith(("https://", "http://")):
        return _escape(label)
    return f'<a href="{_escape(url)}">{_escape(label)}</a>'


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


# ---- section bodies -----------------------------------------------------------------------------------------------


def _bodies(change: Change) -> list[_Body]:
    return [_body(section) for section in change.sections[:MAX_SECTIONS_SHOWN]]


def _body(section: SectionChange, limit: int = SECTION_CHAR_LIMIT) -> _Body:
    """What to show for a section: the new text if added, the old if removed, else the diff of their words."""
    if section.kind is SectionChangeKind.ADDED:
        return _Body(section, whole_text(section.new_text, limit=limit), whole=True)
    if section.kind is SectionChangeKind.REMOVED:
        return _Body(section, whole_text(section.old_text, limit=limit), whole=True)
    return _Body(section, section_diff(section.old_text, section.new_text, context=CONTEXT_WORDS, limit=limit))


# ---- small helpers ------------------------------------------------------------------------------------------------


def _date(timestamp: str) -> str:
    return timestamp_to_datetime(timestamp).strftime("%Y-%m-%d")


def _notice_label(notice: ChangeNotice) -> str:
    """The version's class, naming the capture of the earlier version a revert returns to."""
    label = _version_label(notice.change.version_class)
    if notice.reverted_to_timestamp:
        number = f"v{notice.reverted_to_number}, " if notice.reverted_to_number is not None else ""
        label += f" ({number}captured {_date(notice.reverted_to_timestamp)})"
    return label


def _version_label(version_class: VersionClass) -> str:
    return _VERSION_LABELS.get(version_class, str(version_class))


def _plural(n: int, noun: str) -> str:
    return noun if n == 1 else f"{noun}s"


def _single_line(text: str) -> str:
    """Header-safe: no line breaks or control characters (they would end or corrupt the header)."""
    return " ".join(_CONTROL.sub(" ", text).split())
