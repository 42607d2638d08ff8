"""HTML as served → the policy as Markdown, in the reference format of the Princeton-Leuven dataset.

- ``pipeline``: ``extract_document``, the stages composed (and ``EXTRACTOR_VERSION``);
- ``decode``: bytes to text (BOM, header, ``<meta>``, detection); ``guards``: what hostile pages are refused
  for (size, nesting, binary), ``deep_nesting``: pages nested too deep made parseable;
- main content: ``page_preparation``, ``boilerplate``, ``candidate_scoring``, ``article_cleanup`` and their
  ``content_signals`` and ``text_measures``, composed by ``main_content``;
- Markdown: ``markdown`` (the walk), ``markdown_writer``, ``markdown_tables``, ``whitespace``;
- ``reference_format``: a version as the reference files write it (header line, ``# title``, body).
"""

from monitor.exports import lazy_exports, public_names

_EXPORTS = {
    "pipeline": ("EXTRACTOR_VERSION", "extract_document"),
    "decode": ("decode_html",),
    "guards": ("check_bytes", "parse_page"),
    "main_content": ("find_main_content",),
    "markdown": ("render_markdown",),
    "reference_format": ("render_reference",),
}
__all__ = public_names(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
