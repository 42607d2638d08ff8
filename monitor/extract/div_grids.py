"""Grids of divs that read as tables: a retention schedule or a list of processors laid out by CSS.

Webflow (``w-layout-grid``), Tailwind (``grid grid-cols-3``) and hand-written CSS grids put a table's
cells in a flat run of ``div`` elements; the column count lives in the style sheet. Each cell is short,
so Readability's cleaning drops every one of them. A grid of cells is kept whole: as a table when its
columns can be told (a ``grid-cols-N`` class, or a first row of header cells named apart from the
others), else cell by cell in reading order.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from monitor.extract.content_signals import inner_text

MIN_CELLS = 4
_MAX_CELL_LENGTH = 300
_GRID_NAME = re.compile(r"(?<![\w-])(?:w-layout-grid|grid|[\w-]*-grid|grid-[\w-]+)(?![\w-])", re.I)
_GRID_STYLE = re.compile(r"display\s*:\s*(?:inline-)?grid", re.I)
_COLUMNS = re.compile(r"(?<![\w-])(?:[a-z0-9]+:)?grid-cols-(\d+)(?![\w-])")


def keep_div_grids(article: HtmlElement) -> set[HtmlElement]:
    """The grids of cells in ``article``, each made a table where its columns are known; the elements
    returned (grids and all they hold) are to be spared by the cleaning."""
    kept: set[HtmlElement] = set()
    for grid in [element for element in article.iter("div") if _is_grid(element)]:
        if grid in kept:
            continue
        columns = _columns(grid)
        if columns:
            _as_table(grid, columns)
        kept.add(grid)
        kept.update(grid.iterdescendants())
    return kept


def _is_grid(element: HtmlElement) -> bool:
    declared = _GRID_NAME.search(element.get("class") or "") or _GRID_STYLE.search(element.get("style") or "")
    cells = [child for child in element if isinstance(child.tag, str)]
    if not declared or len(cells) < MIN_CELLS or len({cell.tag for cell in cells}) != 1:
        return False
    return all(_is_cell(cell) for cell in cells)


def _is_cell(cell: HtmlElement) -> bool:
    text = inner_text(cell)
    return 0 < len(text) <= _MAX_CELL_LENGTH and cell.find(".//a") is None and cell.find(".//table") is None


def _columns(grid: HtmlElement) -> int:
    """How many columns the grid has, where the page says; 0 when it does not."""
    cells = [child for child in grid if isinstance(child.tag, str)]
    declared = [int(n) for n in _COLUMNS.findall(grid.get("class") or "")]
    if declared and 1 < declared[-1] < len(cells) and len(cells) % declared[-1] == 0:
        return declared[-1]
    head = cells[0].get("class")
    run = next((index for index, cell in enumerate(cells) if cell.get("class") != head), len(cells))
    if head and 1 < run < len(cells) and len(cells) % run == 0:
        return run
    return 0


def _as_table(grid: HtmlElement, columns: int) -> None:
    cells = [child for child in grid if isinstance(child.tag, str)]
    grid.tag = "table"
    grid.text = None
    for cell in cells:
        grid.remove(cell)
    for start in range(0, len(cells), columns):
        row = grid.makeelement("tr", {})
        for cell in cells[start : start + columns]:
            cell.tag = "th" if start == 0 else "td"
            cell.tail = None
            row.append(cell)
        grid.append(row)
