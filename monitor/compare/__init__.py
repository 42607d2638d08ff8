"""Comparing two versions of a policy: its sections, which are the same section, what changed and how much.

- ``sections``: ``parse_sections``, a text as a ``ParsedText`` value, its sections (``heading_events`` finds the
  headings by the rules of ``heading_lines``, ``titles`` cleans their titles, ``reparse`` parses a version again
  only where it differs from the ``previous`` parse it is given);
- ``matching``: which sections of two versions are the same section, with ``regroups`` for splits and merges;
- ``word_diff``: word-level diffs; ``classes``: the kind of difference a version makes (substantive,
  formatting-only, link-only, date-only), over the ``paragraphs`` of each text; ``text_regions``: the text two
  versions agree on;
- ``changes``: ``compare``, all of it composed: a ``Comparison`` holds the ``Change`` and both parses, and the
  new parse is the ``old`` of the next comparison along a history. ``apply_change`` replays a change.

Nothing is cached between calls: what one comparison found travels to the next as a value.
"""

from monitor.exports import lazy_exports, public_names

_EXPORTS = {
    "changes": ("Comparison", "apply_change", "change_as_dict", "compare", "normalized_text"),
    "sections": ("ParsedText", "parse_sections", "split_sections"),
    "matching": ("match_sections",),
    "classes": ("classify", "policy_words"),
    "word_diff": ("render_word_diff", "word_diff"),
}
__all__ = public_names(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
