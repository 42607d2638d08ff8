"""Where the shared corpus lives: ../shared/corpus beside the repository."""

from __future__ import annotations

from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
SNAPSHOTS = CORPUS / "snapshots"
HISTORIES = CORPUS / "histories"
WAYBACK = CORPUS / "wayback"
