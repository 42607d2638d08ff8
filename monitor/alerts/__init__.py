"""Telling people: who hears of which change, what they are sent, and the channels that carry it.

- ``subscription_rule``: the checks a ``Subscription`` must pass and the pure rule matching a change to one;
- renderers: ``email_render`` (one change, text and HTML), ``digest_render`` (a period's changes),
  ``chat_render`` (short text for chat services), ``email_message`` (the MIME message, its ids and threading);
- ``channels``: one class per kind (email, Apprise, webhook) carrying its config key, target check, label,
  secrets and sending, listed in ``CHANNELS``; ``smtp``: sending one email.
"""

from monitor.exports import lazy_exports, public_names

_EXPORTS = {
    "subscription_rule": ("check_subscription", "covers_policy", "select_change", "select_notice"),
    "email_render": ("ChangeNotice", "render_html", "render_subject", "render_text"),
    "digest_render": ("Digest",),
    "email_message": ("build_digest_email", "build_email", "make_digest_message_id", "make_message_id"),
    "channels": ("CHANNELS", "Channel", "Delivery", "SendSetup", "channel_kind"),
    "smtp": ("SmtpSettings", "send_email"),
}
__all__ = public_names(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
