"""A stage package's public API, named in its ``__init__`` and imported on first use (PEP 562).

A package's modules load only when one of its names is used: a history question that reads the archive's
settings must not import the HTTP client, nor a config check the HTML parser.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def lazy_exports(package: str, exports: Mapping[str, tuple[str, ...]]) -> Callable[[str], object]:
    """A module ``__getattr__`` serving each name of ``exports`` (module -> names) from its module."""
    home = {name: f"{package}.{module}" for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> object:
        if name not in home:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(home[name]), name)

    return __getattr__


def public_names(exports: Mapping[str, tuple[str, ...]]) -> list[str]:
    return sorted(name for names in exports.values() for name in names)
