"""A ``ShownDiff`` written out: as HTML (lists, links, bold kept; ``<ins>``/``<del>`` with inline styles) or as
plain text (a line per paragraph or list item, link text only, ``{+inserted+}`` and ``[-deleted-]``).

Every word is escaped for HTML; containers bring only the HTML ``monitor.alerts.markdown_words`` wrote. Words
left out are marked "…" where they were.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from monitor.alerts.markdown_words import Break, Close, Container, Gap, Open, Piece, Role
from monitor.alerts.section_diff import ShownDiff

ELLIPSIS = "…"
STYLE_DEL = "background:#fdd;color:#900;text-decoration:line-through"
STYLE_INS = "background:#dfd;color:#060;text-decoration:underline"


def diff_html(diff: ShownDiff) -> str:
    """The shown words in their blocks and runs, changes marked."""
    writer = _HtmlWriter(diff)
    writer.write()
    return "".join(writer.out)


def diff_text(diff: ShownDiff) -> str:
    """The shown words as plain text, a line per block."""
    writer = _TextWriter(diff)
    writer.write()
    return "\n".join(line.rstrip() for line in writer.lines if line.strip())


def _visible(diff: ShownDiff, container: Container) -> bool:
    return any(i in diff.shown for i in range(container.first, container.end))


def _last_pieces(diff: ShownDiff) -> dict[int, int]:
    """The event index of each word's last piece."""
    return {event.word: index for index, event in enumerate(diff.text.events) if isinstance(event, Piece)}


@dataclass
class _Writer:
    """What both writers share: which word is being written, and when words were left out before it."""

    diff: ShownDiff
    last_shown: int = -1
    space: bool = False  # a gap is owed before the next word shown
    owed_break: bool = False  # a line break is

    def write(self) -> None:
        diff, deleted = self.diff, self.diff.deleted_at
        last_pieces = _last_pieces(diff)
        count = len(diff.text.words)
        for index, event in enumerate(diff.text.events):
            if isinstance(event, Open | Close):
                container = diff.text.containers[event.container]
                if _visible(diff, container):
                    self.container(container, opening=isinstance(event, Open))
            elif isinstance(event, Gap):
                self.space = self.last_shown >= 0
            elif isinstance(event, Break):
                self.owed_break = self.last_shown >= 0
            elif event.word in diff.shown:
                self.piece(event, deleted.get(event.word) if event.word != self.last_shown else None)
                if last_pieces[event.word] == index and event.word == count - 1 and count in deleted:
                    self.deletion(deleted[count], trailing=True)
        if self.last_shown < count - 1 and self.last_shown >= 0:
            self.ellipsis(trailing=True)
        if not count and 0 in deleted:  # every word went
            self.deletion(deleted[0], trailing=True)

    def piece(self, piece: Piece, deleted: str | None) -> None:
        if piece.word != self.last_shown:
            if piece.word > self.last_shown + 1:
                self.ellipsis(trailing=False)
            elif self.owed_break:
                self.line_break()
            elif self.space:
                self.gap(inserted=piece.word in self.diff.inserted)
            if deleted:
                self.deletion(deleted, trailing=False)
        self.space = self.owed_break = False
        self.last_shown = piece.word
        self.text(piece.text, inserted=piece.word in self.diff.inserted)

    def container(self, container: Container, *, opening: bool) -> None:
        raise NotImplementedError

    def line_break(self) -> None:
        raise NotImplementedError

    def gap(self, *, inserted: bool) -> None:
        raise NotImplementedError

    def ellipsis(self, *, trailing: bool) -> None:
        raise NotImplementedError

    def deletion(self, words: str, *, trailing: bool) -> None:
        raise NotImplementedError

    def text(self, text: str, *, inserted: bool) -> None:
        raise NotImplementedError


@dataclass
class _HtmlWriter(_Writer):
    out: list[str] = field(default_factory=list)
    in_ins: bool = False

    def end_ins(self) -> None:
        if self.in_ins:
            self.out.append("</ins>")
            self.in_ins = False

    def container(self, container: Container, *, opening: bool) -> None:
        self.end_ins()
        if opening and container.role is not Role.INLINE:
            self.space = self.owed_break = False
        self.out.append(container.opening if opening else container.closing)

    def line_break(self) -> None:
        self.end_ins()
        self.out.append("<br>")
        self.space = False

    def gap(self, *, inserted: bool) -> None:
        if not (inserted and self.in_ins):
            self.end_ins()
        self.out.append(" ")

    def ellipsis(self, *, trailing: bool) -> None:
        self.end_ins()
        self.out.append(f" {ELLIPSIS}" if trailing else f"{ELLIPSIS} ")

    def deletion(self, words: str, *, trailing: bool) -> None:
        self.end_ins()
        marked = f'<del style="{STYLE_DEL}">{html.escape(words)}</del>'
        self.out.append(f" {marked}" if trailing else f"{marked} ")

    def text(self, text: str, *, inserted: bool) -> None:
        if inserted and not self.in_ins:
            self.out.append(f'<ins style="{STYLE_INS}">')
            self.in_ins = True
        elif not inserted:
            self.end_ins()
        self.out.append(html.escape(text))


@dataclass
class _TextWriter(_Writer):
    lines: list[str] = field(default_factory=lambda: [""])
    in_ins: bool = False
    after_deletion: bool = False  # "[-old-]{+new+}": a replacement reads as one
    bare: bool = True  # the line holds no word yet (a list item's bullet at most)

    def end_ins(self) -> None:
        if self.in_ins:
            self.lines[-1] += "+}"
            self.in_ins = False

    def new_line(self, prefix: str = "") -> None:
        self.end_ins()
        if not self.bare:
            self.lines.append(prefix)
            self.bare = True
        else:
            self.lines[-1] = self.lines[-1] or prefix
        self.space = self.owed_break = False

    def container(self, container: Container, *, opening: bool) -> None:
        if not opening or container.role in (Role.INLINE, Role.LIST):
            return
        if container.role is Role.CELL:
            if not self.bare:
                self.end_ins()
                self.lines[-1] += " | "
                self.space = False
            return
        self.new_line(container.prefix)

    def line_break(self) -> None:
        self.new_line()

    def gap(self, *, inserted: bool) -> None:
        if not (inserted and self.in_ins):
            self.end_ins()
        self.lines[-1] += " "

    def ellipsis(self, *, trailing: bool) -> None:
        self.end_ins()
        self.lines[-1] += f" {ELLIPSIS}" if trailing else f"{ELLIPSIS} "

    def deletion(self, words: str, *, trailing: bool) -> None:
        self.end_ins()
        self.lines[-1] += f" [-{words}-]" if trailing else f"[-{words}-]"
        self.bare = False
        self.after_deletion = not trailing

    def text(self, text: str, *, inserted: bool) -> None:
        if self.after_deletion and not inserted:
            self.lines[-1] += " "
        self.after_deletion = False
        self.bare = False
        if inserted and not self.in_ins:
            self.lines[-1] += "{+"
            self.in_ins = True
        elif not inserted:
            self.end_ins()
        self.lines[-1] += text

    def write(self) -> None:
        super().write()
        self.end_ins()
