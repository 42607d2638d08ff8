"""The layout shows the design: stage packages that name their public API, small modules, contracts that say so."""

from __future__ import annotations

import ast
import importlib
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("wayback", "extract", "compare", "alerts")
FLAT_IN_MONITOR = {"__init__.py", "models.py", "errors.py", "exports.py"}
LONGEST_MODULE = 400


def modules() -> list[Path]:
    found = [p for top in ("monitor", "storage", "jobs") for p in (ROOT / top).rglob("*.py")]
    return sorted(p for p in found if "migrations" not in p.parts)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_over_400_lines(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= LONGEST_MODULE


def test_monitor_holds_its_stages_as_packages_and_only_the_shared_values_flat() -> None:
    flat = {p.name for p in (ROOT / "monitor").glob("*.py")}
    packages = {p.name for p in (ROOT / "monitor").iterdir() if (p / "__init__.py").exists()}
    assert flat == FLAT_IN_MONITOR
    assert packages == set(STAGES)


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_package_says_what_it_does_and_names_its_public_api(stage: str) -> None:
    package = importlib.import_module(f"monitor.{stage}")
    assert package.__doc__ and len(package.__doc__.splitlines()) > 1
    assert package.__all__
    for name in package.__all__:
        assert getattr(package, name) is not None


@pytest.mark.parametrize("stage", STAGES)
def test_each_module_of_a_stage_says_what_it_holds(stage: str) -> None:
    for path in (ROOT / "monitor" / stage).rglob("*.py"):
        if path.name != "__init__.py":
            assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))), path


def test_the_import_contracts_keep_storage_off_every_stage() -> None:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    storage = next(c for c in contracts if c.get("source_modules") == ["storage"])
    assert {f"monitor.{stage}" for stage in STAGES} <= set(storage["forbidden_modules"])


def test_no_module_of_the_domain_keeps_a_cache_between_calls_but_compiled_patterns() -> None:
    for path in (ROOT / "monitor").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        attributes = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
        functions = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
        assert "clear_caches" not in functions, path
        if {"lru_cache", "cache"} & (names | attributes):
            assert path.name == "subscription_rule.py", path  # its cache holds compiled section filters


def test_the_architecture_map_names_every_module_and_no_module_that_is_gone() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:monitor|jobs|storage)/[\w/]+\.py)`", text))
    present = {str(p.relative_to(ROOT)) for p in modules()}
    assert present - named == set(), "add a row to docs/architecture.md"
    assert {n for n in named if not (ROOT / n).exists()} == set(), "drop the row from docs/architecture.md"
