"""The ``fake_archive`` pytest fixture: a started ``FakeArchive`` per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fake_archive import FakeArchive


@pytest.fixture
def fake_archive() -> Iterator[FakeArchive]:
    """A running fake Wayback Machine on 127.0.0.1, stopped after the test."""
    archive = FakeArchive().start()
    try:
        yield archive
    finally:
        archive.stop()
