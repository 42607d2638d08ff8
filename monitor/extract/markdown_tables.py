"""Tables: which hold data (rendered as Markdown tables) rather than page layout, and their rows."""

from __future__ import annotations

from collections.abc import Callable

from lxml.html import HtmlElement

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def table_rows(table: HtmlElement, cell_markdown: Callable[[HtmlElement], str]) -> list[list[str]]:
    """The rows of a table (its own, not those of tables nested in it) as lists of cell Markdown."""
    rows: list[list[str]] = []
    for row in table.iter("tr"):
        if _owning_table(row) is not table:
            continue
        cells = [cell for cell in row if cell.tag in ("td", "th")]
        rows.append([cell_markdown(cell) for cell in cells])
    return rows


def table_markdown(rows: list[list[str]]) -> str:
    """Non-empty ``rows`` as a Markdown table, a row of ``---`` under the first."""
    width = max(len(row) for row in rows)
    lines = [" | ".join(rows[0]), "|".join(["---"] * width)]
    lines += [" | ".join(row) for row in rows[1:]]
    return "\n".join(lines)


def _owning_table(element: HtmlElement) -> HtmlElement | None:
    for ancestor in element.iterancestors("table"):
        return ancestor
    return None


def is_data_table(table: HtmlElement) -> bool:
    """Whether a table holds data (rendered as a Markdown table) rather than page layout."""
    if table.get("role") == "presentation" or table.get("datatable") == "0":
        return False
    if any(True for _ in table.iterdescendants("table")):
        return False
    rows = [row for row in table.iter("tr") if _owning_table(row) is table]
    columns = max((len([c for c in row if c.tag in ("td", "th")]) for row in rows), default=0)
    if len(rows) <= 1 or columns <= 1:
        return False
    if any(True for _ in table.iter(*_HEADINGS, "blockquote", "pre", "form", "hr")):
        return False
    if table.get("summary") or any(True for _ in table.iter("caption", "thead", "tfoot", "th", "colgroup")):
        return True
    return len(rows) >= 10 or columns > 4 or len(rows) * columns > 10
