"""Shared fixtures: the database (SQLite, and PostgreSQL when configured), the fake archive, the SMTP server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import throwaway_schema
from tests.fixtures_archive import fake_archive  # noqa: F401  (fixture)
from tests.http_receiver import http_receiver  # noqa: F401  (fixture)
from tests.smtp_server import smtp_server  # noqa: F401  (fixture)

ENV_TEST_DATABASE = "POLICY_MONITOR_TEST_DATABASE_URL"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a private schema in the configured PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'policy-monitor.db'}"
        return
    base = os.environ.get(ENV_TEST_DATABASE)
    if not base:
        pytest.skip(f"PostgreSQL tests need ${ENV_TEST_DATABASE}")
    with throwaway_schema(base, "test") as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'policy-monitor.db'}"
