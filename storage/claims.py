"""Row claims: which process works on a policy or an alert now, taken in one statement and given back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from storage.schema import AlertRecord, PolicyRecord

Claimable = TypeVar("Claimable", PolicyRecord, AlertRecord)


def claim_rows(
    session: Session, table: type[Claimable], due: Select[int], *, owner: str, until: datetime
) -> list[Claimable]:
    """Claim the rows whose ids ``due`` selects, in one UPDATE: atomic on SQLite, which has no row locks (two
    processes, or threads, never claim one row), and skipping rows locked by another claimer on PostgreSQL."""
    statement = (
        update(table)
        .where(table.id.in_(due.with_for_update(skip_locked=True).scalar_subquery()))
        .values(claimed_by=owner, claim_expires_at=until)
        .returning(table)
        .execution_options(synchronize_session=False, populate_existing=True)
    )
    return list(session.scalars(statement))


def claim_owners(session: Session) -> set[str]:
    """Every process that holds a claim on a policy or an alert now."""
    owners: set[str] = set()
    for column in (PolicyRecord.claimed_by, AlertRecord.claimed_by):
        owners.update(o for o in session.scalars(select(column).where(column.is_not(None)).distinct()) if o)
    return owners


def release_claims(session: Session, owners: Sequence[str]) -> None:
    """Free the claims of processes known to be gone; their work is due again at once."""
    if not owners:
        return
    for table in (PolicyRecord, AlertRecord):
        session.execute(
            update(table).where(table.claimed_by.in_(owners)).values(claimed_by=None, claim_expires_at=None)
        )
