"""Persistence: SQLAlchemy models, migrations and queries. Knows nothing of HTTP, HTML or scheduling."""
