"""What a section change shows a reader: the new text as rendered, its words marked inserted, the old words
deleted where they stood, and only a little context around the changes.

What changed is decided on the words without markup (``monitor.compare.classes.link_free_words``), the words the
version classes judge: a changed bullet, heading mark or emphasis is no word change, nor is a link removed with
its text kept. Those words are diffed at display time from the section's two texts; the stored ``WordOp`` values,
which diff the Markdown itself, are not read. The rendered words (``monitor.alerts.markdown_words``) are lined up
with those words to place the marks. Context is cut at words, and never inside a link or a bold or italic run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from monitor.alerts.markdown_words import RenderedText, Role, rendered_text, web_url
from monitor.compare.classes import link_free_words
from monitor.compare.word_diff import diff_sequences, fold_typography

_Mapping = list[int | None]


@dataclass(frozen=True)
class ShownDiff:
    """A text with its changes marked, and the words of it a reader is shown.

    ``deleted`` maps a word of ``text`` to the old words deleted just before it (``len(text.words)``: after the
    last); ``shown`` are the words kept around the changes (all of them for an added or removed section)."""

    text: RenderedText
    inserted: frozenset[int]
    deleted: tuple[tuple[int, str], ...]
    shown: frozenset[int]
    truncated: bool
    words_changed: bool
    links_removed: tuple[str, ...] = ()
    links_added: tuple[str, ...] = ()

    @property
    def deleted_at(self) -> dict[int, str]:
        return dict(self.deleted)


def whole_text(markdown: str, *, limit: int) -> ShownDiff:
    """A section shown whole (an added or removed one), at most ``limit`` characters, nothing marked."""
    text = rendered_text(markdown)
    shown, truncated = _truncated(text, range(len(text.words)), {}, limit)
    return ShownDiff(text, frozenset(), (), shown, truncated, words_changed=False)


def section_diff(old_markdown: str, new_markdown: str, *, context: int, limit: int) -> ShownDiff:
    """The change from one section text to another, ``context`` words kept either side of each change."""
    old, new = rendered_text(old_markdown), rendered_text(new_markdown)
    old_words, new_words = link_free_words(old_markdown), link_free_words(new_markdown)
    old_to_rendered, words_to_new = _aligned(old, old_words), _aligned(new, new_words)
    inserted_words: set[int] = set()
    deleted: dict[int, str] = {}
    for tag, i1, i2, j1, j2 in diff_sequences(old_words, new_words):
        if tag == "equal":
            continue
        inserted_words.update(range(j1, j2))
        if i2 > i1:
            anchor = _anchor(words_to_new, j1, len(new.words))
            deleted[anchor] = _joined(deleted.get(anchor), _old_words(old, old_words, old_to_rendered, i1, i2))
    inserted = frozenset(r for w in inserted_words if (r := words_to_new[w]) is not None)
    removed, added = _link_changes(old, new)
    if not inserted and not deleted:
        return ShownDiff(new, frozenset(), (), frozenset(), False, False, removed, added)
    around = _around(new, [*inserted, *deleted], context)
    shown, truncated = _truncated(new, sorted(around), deleted, limit)
    end = len(new.words) if not truncated else -1
    kept = tuple(sorted((at, words) for at, words in deleted.items() if at in shown or at == end))
    return ShownDiff(new, inserted & shown, kept, shown, truncated, True, removed, added)


def _aligned(text: RenderedText, words: Sequence[str]) -> _Mapping:
    """Each word's rendered word (of ``text.words``). A rendered word holds the words its letters and digits make
    ("us." one, "e-mail" two, "●" none); where the two still disagree (markup markdown-it shows as text, say)
    words are paired in proportion."""
    to_rendered: _Mapping = [None] * len(words)
    owners: list[int] = []  # the rendered word of each piece
    pieces: list[str] = []
    for index, word in enumerate(text.words):
        found = link_free_words(fold_typography(word))
        pieces += found
        owners += [index] * len(found)
    for tag, i1, i2, j1, j2 in diff_sequences(pieces, words):
        if tag in ("equal", "replace"):
            for j in range(j1, j2):
                to_rendered[j] = owners[i1 + (j - j1) * (i2 - i1) // (j2 - j1)]
    return to_rendered


def _anchor(to_rendered: _Mapping, word: int, end: int) -> int:
    """The rendered word at which ``word`` stands, or the next that has one (``end`` past the last)."""
    return next((r for r in to_rendered[word:] if r is not None), end)


def _old_words(old: RenderedText, words: Sequence[str], to_rendered: _Mapping, start: int, end: int) -> str:
    """Old words ``start:end`` as rendered (link text, original typography), else as judged."""
    shown: list[str] = []
    last: int | None = None
    for index in range(start, end):
        rendered = to_rendered[index]
        if rendered is None:
            shown.append(words[index])
        elif rendered != last:
            shown.append(old.words[rendered])
        last = rendered
    return " ".join(shown)


def _joined(before: str | None, words: str) -> str:
    return f"{before} {words}" if before else words


def _around(text: RenderedText, changes: Sequence[int], context: int) -> set[int]:
    """Words within ``context`` of a change, widened to whole links and bold or italic runs."""
    count = len(text.words)
    shown = {i for at in changes for i in range(max(at - context, 0), min(at + context + 1, count))}
    runs = [range(c.first, c.end) for c in text.containers if c.role is Role.INLINE and c.end > c.first]
    widened = True
    while widened:
        widened = False
        for run in runs:
            if run[0] in shown and run[-1] in shown:
                continue
            if any(i in shown for i in run):
                shown.update(run)
                widened = True
    return shown


def _truncated(
    text: RenderedText, words: Sequence[int], deleted: dict[int, str], limit: int
) -> tuple[frozenset[int], bool]:
    """The words (in order) that fit in ``limit`` characters with the deletions shown before them."""
    used = 0
    kept: list[int] = []
    for index in words:
        used += len(text.words[index]) + 1 + len(deleted.get(index, ""))
        if used > limit and kept:
            return frozenset(kept), True
        kept.append(index)
    return frozenset(kept), False


def _link_changes(old: RenderedText, new: RenderedText) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Links (their text and target) gone from the text and new in it (each as often as it went or came)."""
    before, after = Counter(_targets(old)), Counter(_targets(new))
    return tuple((before - after).elements()), tuple((after - before).elements())


def _targets(text: RenderedText) -> list[str]:
    """Each link as a reader would name it: ``“contact us” (https://…)``."""
    return [f"“{_link_text(text, c.first, c.end)}” ({_shown(c.target)})" for c in text.containers if c.target]


def _link_text(text: RenderedText, first: int, end: int) -> str:
    # A rendered word may carry the punctuation after the link ("Guidelines,"): it is not the link's.
    return " ".join(text.words[first:end]).strip(" ,.;:!?")


def _shown(target: str) -> str:
    # Archived targets are untrusted: one that is no web address (javascript:, data:) is not repeated.
    return web_url(target) or "not a web address"
