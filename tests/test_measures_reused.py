"""The cleaning reads the scoring's text measures instead of measuring the article again: every measure it
reads must be what a fresh measure of the element, as it is then, says."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml.html import HtmlElement

from monitor.extract import article_cleanup
from monitor.extract.pipeline import extract_document
from monitor.extract.text_measures import Measure, TextStats

ROOT = Path(__file__).resolve().parent
PAGES = (
    sorted((ROOT / "fixtures" / "modern_web").glob("*.html"))
    + sorted((ROOT.parents[1] / "shared" / "corpus" / "modern").glob("*/*.html"))[:8]
)


class CheckedStats(TextStats):
    """TextStats that compares each measure it serves with a fresh one."""

    served = 0

    def of(self, element: HtmlElement) -> Measure:
        measure = super().of(element)
        assert measure == TextStats().of(element), element
        CheckedStats.served += 1
        return measure


@pytest.mark.parametrize("page", PAGES, ids=lambda path: path.stem)
def test_every_measure_the_cleaning_reads_is_that_of_the_element_as_it_is(
    page: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = article_cleanup.clean_article

    def checked(article: HtmlElement, flags, titles, stats: TextStats) -> None:  # type: ignore[no-untyped-def]
        stats.__class__ = CheckedStats
        original(article, flags, titles, stats)

    monkeypatch.setattr("monitor.extract.main_content.clean_article", checked)
    CheckedStats.served = 0
    extract_document(page.read_bytes())
    assert CheckedStats.served > 0
