"""Digest bodies: several changes, of one or several policies, in one email.

Each change is rendered by ``monitor.alerts.email_render`` exactly as its own alert would show it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from monitor.alerts.email_render import ChangeNotice, headline, html_block, html_page, text_block

PERIODS = ("daily", "weekly")
MAX_CHANGES_SHOWN = 50  # a digest after a long outage stays readable; the rest is a CLI command away

_STYLE_PAGE_TITLE = "font-size:22px;margin:0 0 8px"
_STYLE_RULE = "border:0;border-top:2px solid #ccc;margin:28px 0 16px"
_RULE = "─" * 60


@dataclass(frozen=True)
class Digest:
    """The changes one subscriber gets in one daily or weekly email, oldest capture first per policy."""

    notices: tuple[ChangeNotice, ...]
    period: str  # "daily" or "weekly"

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise ValueError(f"a digest is daily or weekly, not {self.period!r}")
        if not self.notices:
            raise ValueError("a digest needs at least one change")
        ordered = sorted(self.notices, key=lambda n: (n.policy_name.casefold(), n.new_timestamp))
        object.__setattr__(self, "notices", tuple(ordered))

    @property
    def policy_count(self) -> int:
        return len({notice.policy_name for notice in self.notices})

    @property
    def date_range(self) -> str:
        """``2015-06-20 – 2015-06-23`` from the capture dates, or one date when they are all the same."""
        dates = sorted(notice.new_date for notice in self.notices)
        return dates[0] if dates[0] == dates[-1] else f"{dates[0]} – {dates[-1]}"

    @property
    def shown(self) -> tuple[ChangeNotice, ...]:
        return self.notices[:MAX_CHANGES_SHOWN]


def render_digest_subject(digest: Digest) -> str:
    """``[policy-monitor] daily digest: 3 policies changed (2015-06-20 – 2015-06-23)``."""
    return f"[policy-monitor] {_title(digest).lower()} ({digest.date_range})"


def render_digest_text(digest: Digest) -> str:
    """Contents first (one line per change), then each change as its own alert shows it."""
    lines = [f"{_title(digest)}, {_count(len(digest.notices), 'change')} captured {digest.date_range}", ""]
    lines += [f"{index}. {headline(notice)} ({notice.new_date})" for index, notice in enumerate(digest.shown, 1)]
    lines += _more(digest)
    for notice in digest.shown:
        lines += ["", _RULE, "", *text_block(notice)]
    return "\n".join(lines) + "\n"


def render_digest_html(digest: Digest) -> str:
    """The HTML part: contents, then each change's block; policy text escaped by the blocks."""
    e = html.escape
    intro = [
        f'<h1 style="{_STYLE_PAGE_TITLE}">{e(_title(digest))}</h1>',
        f"<p>{_count(len(digest.notices), 'change')} captured {e(digest.date_range)}</p>",
        "<ol>",
        *(f"<li>{e(headline(notice))} ({e(notice.new_date)})</li>" for notice in digest.shown),
        "</ol>",
        *(f"<p>{e(line)}</p>" for line in _more(digest)),
    ]
    blocks = [f'<hr style="{_STYLE_RULE}">\n{html_block(notice, level=2)}' for notice in digest.shown]
    return html_page(render_digest_subject(digest), ["\n".join(intro), *blocks])


def _title(digest: Digest) -> str:
    return f"{digest.period.capitalize()} digest: {_count(digest.policy_count, 'policy', 'policies')} changed"


def _more(digest: Digest) -> list[str]:
    hidden = len(digest.notices) - len(digest.shown)
    if not hidden:
        return []
    since = min(notice.new_date for notice in digest.notices)
    return [f"… and {_count(hidden, 'more change')}: policy-monitor changes --since {since} lists them all"]


def _count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
