"""The domain: Wayback access, extraction, sections, changes and alert rendering.

Knows nothing of the database, the scheduler or the config file.
"""
