"""Is a fetched capture the policy, or a page the site showed the crawler instead? Pure heuristics.

Crawlers are often served a bot challenge, a WAF denial or an error page with status 200; the archive keeps
it as the capture. Extracting it would record a "new version" that is nothing but a CAPTCHA.
"""

from __future__ import annotations

import re

TINY_MARKUP_BYTES = 256  # no real policy page is this small; an empty shell, a stub or an error line is
_SHORT_TEXT_CHARS = 600  # weak markers count only on a page with this little visible text
_SCAN_BYTES = 64 * 1024

# Found anywhere in a page, these mean a challenge or a denial, whatever else the page holds.
_STRONG = [
    ("a Cloudflare challenge", r"<title>\s*just a moment\.\.\.\s*</title>"),
    ("a Cloudflare challenge", r"cf-browser-verification|cf_chl_opt|/cdn-cgi/challenge-platform/"),
    ("a Cloudflare block page", r"attention required!\s*\|\s*cloudflare"),
    ("an Akamai denial", r"<title>\s*access denied\s*</title>[\s\S]*reference(?:\s|&#32;)*(?:#|&#35;)\s*\d"),
    ("an Incapsula denial", r"request unsuccessful\.\s*incapsula incident id|_incapsula_resource"),
    ("a DataDome challenge", r"captcha-delivery\.com"),
    ("a PerimeterX challenge", r"px-captcha|_pxhd"),
    ("an AWS WAF challenge", r"awswaf|aws-waf-token"),
    ("a Sucuri block page", r"sucuri website firewall - access denied"),
]
# Common words on real pages too; they count only on a page that says little else.
_WEAK = [
    ("a CAPTCHA page", r"captcha|are you a (?:human|robot)|verify (?:that )?you are (?:a )?human"),
    (
        "a bot check",
        r"checking your browser|unusual traffic|automated (?:queries|requests)|enable javascript and cookies",
    ),
    ("an access-denied page", r"access denied|forbidden|you don't have permission|request blocked"),
    ("an error page", r"\b(?:404|500|502|503|504)\b.{0,40}(?:not found|error|unavailable|time-?out)"),
]
_STRONG_RE = [(label, re.compile(pattern, re.IGNORECASE)) for label, pattern in _STRONG]
_WEAK_RE = [(label, re.compile(pattern, re.IGNORECASE)) for label, pattern in _WEAK]
_TAGS = re.compile(r"<script\b[\s\S]*?</script>|<style\b[\s\S]*?</style>|<[^>]*>|&[a-z#0-9]+;", re.IGNORECASE)


def low_quality_reason(body: bytes) -> str | None:
    """Why ``body`` is not a usable capture of a policy page, or None when it may be one."""
    stripped = body.strip()
    if not stripped:
        return "empty body"
    text = stripped[:_SCAN_BYTES].decode("utf-8", errors="replace")
    for label, pattern in _STRONG_RE:
        if pattern.search(text):
            return f"{label} ({_snippet(pattern, text)!r})"
    if text.startswith("<") and len(stripped) < TINY_MARKUP_BYTES:
        return f"tiny body ({len(stripped)} bytes)"
    visible = " ".join(_TAGS.sub(" ", text).split())
    if len(visible) < _SHORT_TEXT_CHARS:
        for label, pattern in _WEAK_RE:
            if pattern.search(visible):
                return f"{label} ({_snippet(pattern, visible)!r} on a page of {len(visible)} characters)"
    return None


def _snippet(pattern: re.Pattern[str], text: str) -> str:
    match = pattern.search(text)
    return match.group(0)[:60] if match else ""
