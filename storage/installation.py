"""This installation's id: what tells its Message-IDs from those of another installation with the same ids."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.schema import InstallationRecord


def installation_id(session: Session) -> str:
    """The id the migrations gave this database (made now if the row is missing)."""
    known = session.scalar(select(InstallationRecord.id).order_by(InstallationRecord.created_at).limit(1))
    if known is not None:
        return known
    record = InstallationRecord(id=uuid.uuid4().hex)
    session.add(record)
    session.flush()
    return record.id
