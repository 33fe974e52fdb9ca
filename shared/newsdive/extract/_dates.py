"""Date-time strings from metadata to datetimes, keeping the page's own UTC offset."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_ISO = re.compile(
    r"^\s*(\d{4})-?(\d{2})-?(\d{2})"
    r"(?:[T\s]+(\d{1,2}):?(\d{2})(?::?(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?\s*$",
    re.I,
)
# Java's Date.toString(): "Fri Apr 28 19:20:36 CEST 2023".
_JAVA = re.compile(
    r"^\s*(?:[A-Za-z]{3},?\s+)?([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s+"
    r"([A-Z]{2,5})\s+(\d{4})\s*$"
)
_MONTHS = {
    m: i
    for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)
}
_EPOCH = re.compile(r"^\s*(\d{10}|\d{13})\s*$")
_ZONES = {
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "CET": 1,
    "CEST": 2,
    "MEZ": 1,
    "MESZ": 2,
    "EET": 2,
    "EEST": 3,
    "WET": 0,
    "WEST": 1,
    "BST": 1,
    "IST": 5.5,
    "JST": 9,
    "KST": 9,
    "AEST": 10,
    "AEDT": 11,
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
}
_TRAILING_ZONE = re.compile(r"\s+\(?([A-Z]{3,4})\)?\s*$")


def _offset(text: str | None) -> timezone | None:
    if not text:
        return None
    text = text.upper()
    if text in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_datetime(value: object) -> datetime | None:
    """Parse a metadata date; returns a naive datetime when the text carries no offset, None when unreadable.

    A date without a time is returned as None: it cannot be placed to the minute.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(int(value))
    if not isinstance(value, str):
        return None
    text = value.strip()[:64]
    if not text:
        return None
    try:
        m = _ISO.match(text)
        if m:
            year, month, day, hour, minute, second, zone = m.groups()
            if hour is None:
                return None
            tz = _offset(zone)
            return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), tzinfo=tz)
        m = _JAVA.match(text)
        if m and m.group(1).lower() in _MONTHS and m.group(6) in _ZONES:
            month, day, hour, minute, second, zone, year = m.groups()
            tz = timezone(timedelta(hours=_ZONES[zone]))
            return datetime(
                int(year),
                _MONTHS[month.lower()],
                int(day),
                int(hour),
                int(minute),
                int(second or 0),
                tzinfo=tz,
            )
        m = _EPOCH.match(text)
        if m:
            seconds = int(m.group(1)) / (1000 if len(m.group(1)) == 13 else 1)
            return datetime.fromtimestamp(seconds, tz=UTC)
        from email.utils import parsedate_to_datetime  # lazy: RFC 2822 dates are rare, the import is not cheap

        zone_match = _TRAILING_ZONE.search(text)
        if zone_match and zone_match.group(1) in _ZONES:
            hours = _ZONES[zone_match.group(1)]
            parsed = parsedate_to_datetime(text[: zone_match.start()] + " +0000")
            return parsed.replace(tzinfo=timezone(timedelta(hours=hours)))
        parsed = parsedate_to_datetime(text)
        if parsed.tzinfo is not None and text.rstrip().endswith("-0000"):
            parsed = parsed.replace(tzinfo=None)  # RFC 2822: -0000 means "offset unknown"
        return parsed
    except (ValueError, TypeError, OverflowError, IndexError):
        return None


def aware(value: datetime | None, fallback: timezone | None = None) -> datetime | None:
    """The datetime if it has an offset, else with the fallback offset, else None."""
    if value is None:
        return None
    if value.tzinfo is not None and value.utcoffset() is not None:
        return value
    return value.replace(tzinfo=fallback) if fallback is not None else None
