"""Pages built from ../shared/corpus: raw snapshot captures and rendered policy histories."""

from __future__ import annotations

import html
import itertools
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
_CORPUS_COMMENT = re.compile(rb"\A<!--.*?-->\r?\n(?:\r?\n)?", re.DOTALL)

_PAGE_HEAD = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>
<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments)}}gtag("js",new Date());
</script>
<style>body{{font-family:system-ui,sans-serif;margin:0}}header,footer{{background:#f4f4f4;padding:1em}}
main{{max-width:48em;margin:auto}}</style>
</head>
<body><header><nav><a href="/">Home</a> <a href="/help">Help</a> <a href="/about">About</a>
<a href="/careers">Careers</a> <a href="/login">Log in</a></nav></header>
<main><article>
"""
_PAGE_TAIL = """</article></main>
<footer>© Example · <a href="/terms">Terms</a> · <a href="/cookies">Cookie settings</a></footer>
<script>document.querySelectorAll("nav a").forEach(function(a){a.rel="noopener"});</script>
</body></html>
"""


@dataclass(frozen=True)
class SnapshotFile:
    """One raw ``id_`` capture from ``snapshots/``."""

    original_url: str
    timestamp: str
    body: bytes


@dataclass(frozen=True)
class HistoryVersion:
    """One version listed in ``histories/<document>/versions.json``."""

    timestamp: str
    path: Path


def snapshot_files(domain: str) -> list[SnapshotFile]:
    """Every ``.html`` capture of ``domain``, oldest first, with the dataset's leading comment removed."""
    manifest = json.loads((CORPUS / "snapshots" / "manifest.json").read_text(encoding="utf-8"))
    entries = sorted((e for e in manifest if e["domain"] == domain and e["has_html"]), key=lambda e: e["timestamp"])
    if not entries:
        raise ValueError(f"no HTML snapshot of {domain!r} in {CORPUS / 'snapshots'}")
    files = []
    for entry in entries:
        raw = (CORPUS / "snapshots" / domain / f"{entry['timestamp']}.html").read_bytes()
        files.append(SnapshotFile(entry["original_url"], entry["timestamp"], _CORPUS_COMMENT.sub(b"", raw, count=1)))
    return files


def history_versions(document: str) -> list[HistoryVersion]:
    """The versions of ``histories/<document>``, in order."""
    folder = CORPUS / "histories" / document
    listing = json.loads((folder / "versions.json").read_text(encoding="utf-8"))
    return [HistoryVersion(v["timestamp"], folder / v["file"]) for v in listing["versions"]]


def document_name(document: str) -> str:
    """The human name in ``versions.json`` (e.g. ``Bluesky/Privacy Policy``), else the folder name."""
    listing = json.loads((CORPUS / "histories" / document / "versions.json").read_text(encoding="utf-8"))
    return str(listing.get("document") or document)


def render_history_version(document: str, index: int) -> bytes:
    """Version ``index`` of ``document`` as a realistic HTML page: the policy in ``<main>``, chrome around it."""
    markdown = history_versions(document)[index].path.read_text(encoding="utf-8")
    return render_policy_page(markdown, document_name(document))


def render_policy_page(markdown: str, fallback_title: str) -> bytes:
    """Render Markdown (CommonMark plus tables) inside the site boilerplate."""
    parser = _markdown()
    tokens = parser.parse(markdown)
    title = _first_h1(tokens) or fallback_title
    rendered = parser.renderer.render(tokens, parser.options, {})
    return (_PAGE_HEAD.format(title=html.escape(title)) + rendered + _PAGE_TAIL).encode("utf-8")


@cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def _first_h1(tokens: list[Token]) -> str | None:
    for opening, inline in itertools.pairwise(tokens):
        if opening.type == "heading_open" and opening.tag == "h1":
            text = "".join(child.content for child in inline.children or () if child.type in ("text", "code_inline"))
            return text.strip() or None
    return None
