"""Claims held by a process on this machine that has died (kill -9, a crash) are released at once.

Claims of other machines' processes still wait for their lease to expire: we cannot see those processes.
"""

from __future__ import annotations

import os

from jobs.archive_state import machine_name
from storage.claims import claim_owners, release_claims
from storage.db import Database


def owner_name() -> str:
    """How this process names itself in row claims: machine, then process id."""
    return f"{machine_name()}:{os.getpid()}"


def release_dead_claims(database: Database) -> list[str]:
    """Release claims whose owner ran on this machine and is no longer running; returns those owners."""
    with database.transaction() as session:
        dead = sorted(o for o in claim_owners(session) if _is_dead_local(o))
        release_claims(session, dead)
    return dead


def _is_dead_local(owner: str) -> bool:
    machine, _, pid = owner.rpartition(":")
    if machine != machine_name() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, under another user
        return False
    return False
