"""Who is told about which changes: the checks a subscription must pass, and the pure rule that matches a change
to one.

A subscription names its policies (``*`` for all, names, or fnmatch globs; case-insensitive), the version
classes that alert (default: each policy's own), and optionally a section filter: a regular expression
matched, case-insensitively, against the paths of each section change and against its changed words (old
and new). With a filter, an alert carries only the section changes that match; when none does, there is no
alert.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from enum import StrEnum
from functools import lru_cache
from typing import TypeVar

from monitor.alerts.channels import CHANNELS, channel_kind
from monitor.alerts.channels.base import check_env_name
from monitor.alerts.email_render import ChangeNotice
from monitor.errors import SubscriptionError
from monitor.models import (
    ALL_POLICIES,
    AlertMode,
    Change,
    SectionChange,
    SectionChangeKind,
    Subscription,
    VersionClass,
    WordOp,
    WordOpKind,
)

_E = TypeVar("_E", bound=StrEnum)

_GLOB = re.compile(r"[*?\[]")


def check_subscription(subscription: Subscription) -> Subscription:
    """The subscription if every field is valid, else ``SubscriptionError`` naming the first that is not."""
    if not subscription.name.strip():
        raise SubscriptionError("a subscription needs a name")
    kind = channel_kind(subscription.channel)
    parse_mode(subscription.mode)
    parse_policies(subscription.policies)
    if subscription.alert_on is not None:
        parse_version_classes(subscription.alert_on)
    if subscription.sections is not None:
        compile_section_filter(subscription.sections)
    if not isinstance(subscription.target, str) or not subscription.target.strip():
        raise SubscriptionError(f"a {kind.kind} subscription needs a target")
    kind.check_target(subscription.target)
    if kind.needs_secret_env:
        check_env_name(subscription.secret_env, "secret_env")
    elif subscription.secret_env is not None:
        raise SubscriptionError(f"secret_env is only for {_secret_kinds()} subscriptions")
    return subscription


def _secret_kinds() -> str:
    return " or ".join(name for name, kind in CHANNELS.items() if kind.needs_secret_env)


# ---- matching -----------------------------------------------------------------------------------------------------


def covers_policy(subscription: Subscription, policy_name: str) -> bool:
    """Whether the subscription names this policy, exactly or by a glob, ignoring case."""
    name = policy_name.casefold()
    return any(name == p.casefold() or fnmatch.fnmatchcase(name, p.casefold()) for p in subscription.policies)


def unmatched_policies(subscription: Subscription, names: Iterable[str]) -> tuple[list[str], list[str]]:
    """What the subscription names that no policy has: its plain names (a typo: an error), and its globs that
    match no policy yet (perhaps one to come: a warning)."""
    known = [name.casefold() for name in names]
    missing: list[str] = []
    empty_globs: list[str] = []
    for pattern in subscription.policies:
        if pattern in ALL_POLICIES:
            continue
        wanted = pattern.casefold()
        if not _GLOB.search(pattern):
            missing += [] if wanted in known else [pattern]
        elif not any(fnmatch.fnmatchcase(name, wanted) for name in known):
            empty_globs.append(pattern)
    return missing, empty_globs


def follow_renames(subscription: Subscription, renames: Mapping[str, str]) -> Subscription:
    """The subscription naming by its new name each policy it names by a former one (``renames``: former
    name, casefolded, to new name)."""
    policies = tuple(renames.get(pattern.casefold(), pattern) for pattern in subscription.policies)
    return subscription if policies == subscription.policies else replace(subscription, policies=policies)


def select_change(
    subscription: Subscription,
    policy_name: str,
    change: Change,
    *,
    policy_alert_on: frozenset[VersionClass],
    undoes_told: bool = False,
) -> Change | None:
    """The change as the subscriber should see it (only the matching sections, with a filter), or None.

    A subscription without ``alert_on`` of its own follows the policy's (``policy_alert_on``). A revert that
    undoes a change the subscriber was told of (``undoes_told``) concerns them whatever its class: whole, if their
    section filter keeps none of it."""
    alert_on = subscription.alert_on if subscription.alert_on is not None else policy_alert_on
    undoing = undoes_told and change.version_class is VersionClass.REVERTED
    if not covers_policy(subscription, policy_name) or not (undoing or change.version_class in alert_on):
        return None
    pattern = _section_filter(subscription)
    if pattern is None:
        return change
    kept = tuple(section for section in change.sections if section_matches(pattern, section))
    if kept:
        return replace(change, sections=kept)
    return change if undoing else None


def select_notice(
    subscription: Subscription, notice: ChangeNotice, *, policy_alert_on: frozenset[VersionClass]
) -> ChangeNotice | None:
    """``select_change`` for a notice (a revert undoing changes the notice says were told: ``undoes``);
    ``filtered_out`` counts the section changes left out."""
    change = select_change(
        subscription,
        notice.policy_name,
        notice.change,
        policy_alert_on=policy_alert_on,
        undoes_told=bool(notice.undoes),
    )
    if change is None:
        return None
    left_out = len(notice.change.sections) - len(change.sections)
    return replace(notice, change=change, filtered_out=notice.filtered_out + left_out)


def _section_filter(subscription: Subscription) -> re.Pattern[str] | None:
    return compile_section_filter(subscription.sections) if subscription.sections is not None else None


def section_matches(pattern: re.Pattern[str], section: SectionChange) -> bool:
    """Whether ``pattern`` finds a path of the section change, or a match touching a changed word."""
    if any(pattern.search(path) for path in (*section.old_paths, *section.new_paths)):
        return True
    return any(_touches(pattern, text, spans) for text, spans in _changed_sides(section))


Spans = list[tuple[int, int]]


def _changed_sides(section: SectionChange) -> list[tuple[str, Spans]]:
    """The old and the new text of a section change, each with the character spans that changed."""
    if section.kind is SectionChangeKind.ADDED:
        return [(section.new_text, [(0, len(section.new_text))])]
    if section.kind is SectionChangeKind.REMOVED:
        return [(section.old_text, [(0, len(section.old_text))])]
    ops = [op for op in section.words if op.text]
    if any(op.kind is not WordOpKind.EQUAL for op in ops):
        return [_side(ops, WordOpKind.DELETE), _side(ops, WordOpKind.INSERT)]
    if section.words or section.old_text == section.new_text:
        return []  # renamed or moved, its text unchanged
    return [(text, [(0, len(text))]) for text in (section.old_text, section.new_text)]


def _side(ops: list[WordOp], changed: WordOpKind) -> tuple[str, Spans]:
    """One side of a word diff as text: the equal runs and the ``changed`` runs, whose spans are returned."""
    pieces: list[str] = []
    spans: Spans = []
    position = 0
    for op in ops:
        if op.kind is not WordOpKind.EQUAL and op.kind is not changed:
            continue
        position += 1 if pieces else 0
        if op.kind is changed:
            spans.append((position, position + len(op.text)))
        pieces.append(op.text)
        position += len(op.text)
    return " ".join(pieces), spans


def _touches(pattern: re.Pattern[str], text: str, spans: Spans) -> bool:
    # Context words alone do not count: "third parties [-may-]{+will+}" is no news about third parties.
    return any(m.start() < end and start < m.end() for m in pattern.finditer(text) for start, end in spans)


# ---- validation ---------------------------------------------------------------------------------------------------


def parse_mode(value: object) -> AlertMode:
    return _member(AlertMode, value, "mode")


def parse_version_classes(values: object) -> frozenset[VersionClass]:
    """A non-empty set of version classes from their names."""
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise SubscriptionError(f"alert_on must be a list of version classes from: {_choices(VersionClass)}")
    classes = set()
    for value in values:
        try:
            classes.add(VersionClass(value))
        except ValueError:
            raise SubscriptionError(f"unknown version class {value!r} (known: {_choices(VersionClass)})") from None
    if not classes:
        raise SubscriptionError(f"alert_on is empty: name at least one of {_choices(VersionClass)}")
    return frozenset(classes)


def parse_policies(value: object) -> tuple[str, ...]:
    """``"all"``, ``"*"``, one name or glob, or a non-empty list of them."""
    if value in ("all", "*"):
        return ALL_POLICIES
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Iterable) or isinstance(items, str):
        raise SubscriptionError('policies must be "all", a policy name or glob, or a list of them')
    patterns = tuple(items)
    if not patterns or not all(isinstance(p, str) and p.strip() for p in patterns):
        raise SubscriptionError('policies must be "all" or a non-empty list of policy names or globs')
    return tuple(p.strip() for p in patterns)


def compile_section_filter(pattern: object) -> re.Pattern[str]:
    """The section filter compiled case-insensitively; refused if invalid or if it would keep every section."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise SubscriptionError(f"sections must be a non-empty regular expression, not {pattern!r}")
    return _compiled(pattern)


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as error:
        raise SubscriptionError(f"sections: {pattern!r} is not a regular expression: {error}") from None
    if compiled.search("") is not None:
        # It would match every section: surely a mistake (e.g. "sell|"); no filter at all says that plainly.
        raise SubscriptionError(f"sections: {pattern!r} matches the empty text, so it would keep every section")
    return compiled


def _member(enum: type[_E], value: object, key: str) -> _E:
    if isinstance(value, str) and value in {member.value for member in enum}:
        return enum(value)
    raise SubscriptionError(f"{key} must be one of {_choices(enum)}, not {value!r}")


def _choices(enum: type[StrEnum]) -> str:
    return ", ".join(member.value for member in enum)
