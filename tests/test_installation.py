"""An installation's id: kept in its database, so that two installations never send the same Message-ID."""

from __future__ import annotations

from pathlib import Path

from monitor.alerts.email_message import make_message_id
from storage.db import open_database
from storage.installation import installation_id


def _id_of(url: str) -> str:
    db = open_database(url)
    try:
        with db.transaction() as session:
            return installation_id(session)
    finally:
        db.dispose()


def test_an_installation_keeps_its_id_across_restarts(database_url: str) -> None:
    assert _id_of(database_url) == _id_of(database_url)


def test_two_installations_give_the_same_change_and_recipient_different_message_ids(tmp_path: Path) -> None:
    first, second = (_id_of(f"sqlite:///{tmp_path / name}") for name in ("a.db", "b.db"))

    def message_id(installation: str) -> str:
        return make_message_id(
            change_id=1, recipient="dpo@example.org", domain="monitor.test", installation=installation
        )

    assert first != second
    assert message_id(first) != message_id(second)
