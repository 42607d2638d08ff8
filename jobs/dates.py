"""A date (or a version number) as the user writes it on the command line, read the same way by every command."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from monitor.errors import MonitorError
from monitor.models import timestamp_to_datetime


class UsageError(MonitorError):
    """A name or date the user gave does not fit: one line on stderr, exit code 2."""


_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


def parse_version_or_when(value: str, *, end_of_day: bool = False) -> int | datetime:
    """``vN``, a version's number within its policy, or a date as ``parse_when`` reads it."""
    number = re.fullmatch(r"[vV]([1-9]\d*)", value.strip())
    if number:
        return int(number.group(1))
    try:
        return parse_when(value, end_of_day=end_of_day)
    except UsageError:
        raise UsageError(
            f"cannot read the date {value!r}: use YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS], a 14-digit timestamp or a "
            "version number (v3)"
        ) from None


def parse_when(value: str, *, end_of_day: bool = False) -> datetime:
    """A user's date: YYYY-MM-DD (its end when ``end_of_day``), an ISO date-time, or a 14-digit Wayback timestamp."""
    text = value.strip().removesuffix("Z")
    if re.fullmatch(r"\d{14}", text):
        try:
            return timestamp_to_datetime(text)
        except ValueError:
            pass
    for fmt in _DATE_FORMATS:
        try:
            moment = datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
        if fmt == "%Y-%m-%d" and end_of_day:
            moment += timedelta(days=1, microseconds=-1)
        return moment
    raise UsageError(f"cannot read the date {value!r}: use YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] or a 14-digit timestamp")
