"""Where the shared corpus lives: ../shared/corpus beside the repository."""

from __future__ import annotations

import json
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
SNAPSHOTS = CORPUS / "snapshots"
HISTORIES = CORPUS / "histories"
WAYBACK = CORPUS / "wayback"


def history_pair(document: str, timestamp: str) -> tuple[str, str]:
    """The version recorded at ``timestamp`` and the one before it."""
    folder = HISTORIES / document
    versions = json.loads((folder / "versions.json").read_text())["versions"]
    index = next(k for k, version in enumerate(versions) if version["timestamp"] == timestamp)
    return (folder / versions[index - 1]["file"]).read_text(), (folder / versions[index]["file"]).read_text()
