"""The reference format of a version (as in the Princeton-Leuven dataset): a header line naming the site, the
capture date and the ``id_`` link, a blank line, ``# title``, a blank line, the policy in Markdown."""

from __future__ import annotations

from urllib.parse import quote

from monitor.models import Document


def render_reference(
    document: Document,
    *,
    site: str,
    timestamp: str,
    original_url: str,
    archive_url: str = "https://web.archive.org",
) -> str:
    """A version in the Princeton-Leuven format: header line, blank line, ``# title``, blank line, body."""
    date = f"{timestamp[0:4]}-{timestamp[4:6]}-{timestamp[6:8]}"
    snapshot = f"{archive_url.rstrip('/')}/web/{timestamp}id_/{quote(original_url, safe='/')}"
    header = (
        f"> *The following text is extracted and transformed from the {site} privacy policy that was "
        f"archived on {date}. Please check the [original snapshot on the Wayback Machine]({snapshot}) "
        "for the most accurate reproduction.*"
    )
    return f"{header}\n\n# {document.title}\n\n{document.body}".rstrip() + "\n"
