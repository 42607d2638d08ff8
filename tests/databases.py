"""A private schema in a PostgreSQL server, for a test or a benchmark: created fresh, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage.db import normalize_url


@contextmanager
def throwaway_schema(base_url: str, prefix: str) -> Iterator[str]:
    """The URL of ``base_url``'s server with a new empty schema as its search path (``prefix`` names it)."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalize_url(base_url))
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(normalize_url(base_url)).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
