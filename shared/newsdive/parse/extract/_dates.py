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


# --- dates shown on the page --------------------------------------------------------------------------------------
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
# A time of day in any script: "13:45", "14h52", "11.08 Uhr", "23時52分", "18点", "18시".
_TIME_OF_DAY = re.compile(r"(?<!\d)\d{1,2}\s?(?:[:.hH]\s?\d{2}(?!\d)|[時点시])")
_DATEPARSER_SETTINGS = {
    "REQUIRE_PARTS": ["day", "month", "year"],
    "RETURN_TIME_AS_PERIOD": True,  # period "time" tells a stated time of day from a bare date
    "PREFER_DATES_FROM": "past",
}


def visible_datetime(texts: list[str], language: str | None) -> datetime | None:
    """The first of `texts` (short text shown on the page, in page order) that states a day, month, year and
    time of day, read in the formats of the page's language by dateparser ("2024年04月24日23:52",
    "24. April 2024, 13:45 Uhr", "le 24 avril 2024 à 14h52", "20 Nisan 2026 14:09"). Naive unless the text names
    an offset or zone. A bare date ("05.04.2025") cannot be placed to the minute and gives None, and so does a
    page whose language is unknown or not one dateparser reads: no other language's formats are tried.

    dateparser is imported here, on first use: only pages whose markup states no date need it.
    """
    lang = (language or "").split("-")[0].lower()
    if not lang or not texts:
        return None
    parser = _date_parser(lang)
    if parser is None:
        return None
    from dateparser.search import search_dates

    for text in texts[:8]:
        if not _YEAR.search(text) or not _TIME_OF_DAY.search(text):
            continue  # cheap checks first: dateparser is only asked about a text with a year and a time of day
        found = _read(parser, text) if len(text) <= 40 else None
        if found is None:
            try:
                hits = search_dates(text, languages=[lang], settings=_DATEPARSER_SETTINGS) or []
            except (ValueError, TypeError, OverflowError):
                hits = []
            for fragment, _ in hits:
                found = _read_trimmed(parser, fragment)
                if found is not None:
                    break
        if found is not None:
            return found
    return None


def _read(parser: object, text: str) -> datetime | None:
    """The date and time the text states: day, month, the year written in it, and a time of day."""
    try:
        data = parser.get_date_data(text)  # type: ignore[attr-defined]
    except (ValueError, TypeError, OverflowError):
        return None
    if data.date_obj is None or data.period != "time" or str(data.date_obj.year) not in _YEAR.findall(text):
        return None  # no time of day, or a relative phrase ("7 min") read as "now"
    value: datetime = data.date_obj
    return value.replace(second=0, microsecond=0)


def _read_trimmed(parser: object, fragment: str) -> datetime | None:
    """A found fragment, read whole or with up to three words cut at either end ("am 24. April 2024, 13:45 Uhr",
    "18.07.2024, 11.08 Uhr 7 min")."""
    words = fragment.split()
    for left in range(min(4, len(words))):
        for right in range(len(words), max(left, len(words) - 4), -1):
            part = " ".join(words[left:right])
            if _YEAR.search(part):
                found = _read(parser, part)
                if found is not None:
                    return found
    return None


_PARSERS: dict[str, object | None] = {}


def _date_parser(lang: str) -> object | None:
    if lang not in _PARSERS:
        from dateparser.date import DateDataParser

        try:
            _PARSERS[lang] = DateDataParser(languages=[lang], settings=_DATEPARSER_SETTINGS)
        except ValueError:  # a language dateparser does not read
            _PARSERS[lang] = None
    return _PARSERS[lang]


def in_country(value: datetime, country: str | None) -> datetime | None:
    """A naive wall-clock time placed in the outlet's country: the offset its time zones (pytz's copy of the tz
    database) agree on at that time, by a majority of its zones; None for an unknown country or one whose zones
    disagree (the United States, Russia, China's two zones...)."""
    if value.tzinfo is not None:
        return value
    if not country:
        return None
    import pytz  # lazy: shipped with dateparser, needed only for shown times

    zones = pytz.country_timezones.get(country.upper()) or []
    offsets: dict[timedelta, int] = {}
    for name in zones:
        try:
            offset = pytz.timezone(name).utcoffset(value, is_dst=False)  # type: ignore[call-arg]  # stubs: UTC's
        except (pytz.exceptions.InvalidTimeError, pytz.exceptions.UnknownTimeZoneError):
            continue
        offsets[offset] = offsets.get(offset, 0) + 1
    if not offsets:
        return None
    offset, count = max(offsets.items(), key=lambda item: item[1])
    if count * 2 <= sum(offsets.values()):
        return None
    return value.replace(tzinfo=timezone(offset))
