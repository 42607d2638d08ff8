"""Comparing two versions of a policy: its sections, which are the same section, what changed and how much.

- ``sections``: a text split into its sections (``heading_events`` finds the headings by the rules of
  ``heading_lines``, ``titles`` cleans their titles, ``reparse`` parses a version again only where it differs);
- ``matching``: which sections of two versions are the same section, with ``regroups`` for splits and merges;
- ``word_diff``: word-level diffs; ``classes``: the kind of difference a version makes (substantive,
  formatting-only, link-only, date-only); ``text_regions``: the text two versions agree on;
- ``changes``: ``compare``, all of it composed into a ``Change``, and ``apply_change`` to replay one.
"""

from monitor.exports import lazy_exports, public_names

_EXPORTS = {
    "changes": ("apply_change", "change_as_dict", "compare", "normalized_text"),
    "sections": ("split_sections",),
    "matching": ("match_sections",),
    "classes": ("classify", "policy_words"),
    "word_diff": ("render_word_diff", "word_diff"),
}
__all__ = public_names(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
