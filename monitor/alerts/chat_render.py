"""Short plain-text alerts for chat and push channels: a title line and a body of a few lines per change.

Plain text on purpose: Apprise escapes it for each service's Markdown or HTML, so policy text never becomes
markup there. Mentions are ours to defuse: Discord pings ``@everyone``, ``@here`` and ``<@id>`` in a webhook's
text, and Apprise sets no ``allowed_mentions``; archived text gets a zero-width space after each "@", so it reads
the same and pings nobody.
"""

from __future__ import annotations

from monitor.alerts.digest_render import Digest, render_digest_subject
from monitor.alerts.email_render import (
    ChangeNotice,
    captured_line,
    headline,
    render_subject,
    revert_note,
    section_heading,
    section_text,
)

MAX_SECTIONS = 8
SNIPPET_CHARS = 240
_NO_MENTION = "@\u200b"


def short_title(content: ChangeNotice | Digest) -> str:
    """The email subject: names the policy (or the digest), the kinds of changes and the date."""
    return render_digest_subject(content) if isinstance(content, Digest) else render_subject(content)


def short_text(content: ChangeNotice | Digest) -> str:
    """A few lines per change: what happened to each section, a snippet of its words, the links."""
    if isinstance(content, Digest):
        blocks = [f"{headline(notice)} ({notice.new_date})\n{_links(notice)}" for notice in content.shown]
        hidden = len(content.notices) - len(content.shown)
        return "\n\n".join(blocks + ([f"… and {hidden} more"] if hidden else []))
    return _notice_text(content)


def _notice_text(notice: ChangeNotice) -> str:
    lines = [headline(notice), captured_line(notice), *([revert_note(notice)] if notice.undoes else []), ""]
    for section in notice.change.sections[:MAX_SECTIONS]:
        heading, text = section_heading(section), section_text(section, limit=SNIPPET_CHARS)
        lines += [f"• {_defused(heading)}", f"  {_defused(text)}"]
    hidden = len(notice.change.sections) - MAX_SECTIONS
    if hidden > 0:
        lines.append(f"• … and {hidden} more")
    return "\n".join([*lines, "", _links(notice)])


def _links(notice: ChangeNotice) -> str:
    return f"New version: {notice.wayback_url(notice.new_timestamp)}\nFull diff: {notice.diff_command}"


def _defused(archived: str) -> str:
    """Archived text that no chat service takes for a mention."""
    return archived.replace("@", _NO_MENTION)
