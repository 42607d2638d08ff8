"""Alert notices about real changes: consecutive versions from the shared corpus, compared by
``monitor.compare.changes``."""

from __future__ import annotations

from functools import lru_cache

from monitor.alerts.email_render import ChangeNotice
from monitor.compare.changes import compare
from monitor.models import Change
from tests.corpus import HISTORIES

BLUESKY_URL = "https://bsky.social/about/support/privacy-policy"
X_URL = "https://x.com/en/privacy"

# 3 sections modified and 3 added (direct messages, 2024-05-22); a link-only change; three modified sections of X's.
BLUESKY_DMS = ("bluesky-privacy-policy", "20240314123133", "20240522183002")
BLUESKY_LINKS = ("bluesky-privacy-policy", "20240807003004", "20241118123004")
X_HEALTH_DATA = ("x-privacy-policy", "20240325183514", "20240517003834")


@lru_cache(maxsize=16)
def corpus_change(document: str, old: str, new: str) -> Change:
    folder = HISTORIES / document
    return compare((folder / f"{old}.md").read_text(), (folder / f"{new}.md").read_text()).change


def corpus_notice(versions: tuple[str, str, str], *, name: str, url: str, change_id: int = 7) -> ChangeNotice:
    document, old, new = versions
    return ChangeNotice(
        policy_name=name,
        policy_url=url,
        old_timestamp=old,
        new_timestamp=new,
        change=corpus_change(document, old, new),
        change_id=change_id,
    )


def bluesky_notice(versions: tuple[str, str, str] = BLUESKY_DMS, change_id: int = 7) -> ChangeNotice:
    return corpus_notice(versions, name="Bluesky", url=BLUESKY_URL, change_id=change_id)


def x_notice(change_id: int = 8) -> ChangeNotice:
    return corpus_notice(X_HEALTH_DATA, name="X", url=X_URL, change_id=change_id)
