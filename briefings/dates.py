"""Dates as sources write them (ISO 8601, RFC 822; an offset or a zone name), trusted only
within a plausible range: unknown is better than wrong.

feedparser reads most of a feed's date formats; two it gets wrong are read here first: an
ISO date with a zone name ("2015-07-23T10:00:00 EDT", which it takes for UTC) and AST,
which in the Gulf outlets this tool reads is Arabia Standard Time (+03:00), not North
America's Atlantic time. An offset past ±14 hours is no time zone at all (feedparser and
Python accept "+25:00"): such a date is refused, with a note.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

# Dates a source gives are trusted only within this range: a date far in the future would
# keep an article "recent" for ever (and years past 9999 do not fit in a datetime at all).
FUTURE_SLACK = timedelta(days=2)
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
# Zone names, as hours from UTC (the common ones news feeds write; others are left to the
# parsers, which know some).
ZONES = {"UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5,
         "MST": -7, "MDT": -6, "PST": -8, "PDT": -7, "AST": 3, "GST": 4, "MSK": 3, "EET": 2,
         "EEST": 3, "CET": 1, "CEST": 2, "BST": 1}
MAX_OFFSET_HOURS = 14  # the widest offset any time zone has (Kiribati's +14:00)
_TIME = r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
_NAMED = re.compile(rf"({_TIME})\s*\(?([A-Za-z]{{1,5}})\)?\s*$")
# a zone's name in brackets after its offset ("+0300 (AST)"), as RFC 822 dates may have
_COMMENT = re.compile(r"(?:(?<=[+-]\d{4})|(?<=[+-]\d\d:\d\d))\s*\([A-Za-z]{1,5}\)$")
_OFFSET = re.compile(rf"{_TIME}\s*([+-])(\d{{2}}):?(\d{{2}})\s*$")


class ImpossibleDate(ValueError):
    """A date whose offset no time zone has."""


def plausible_date(dt: datetime | None) -> datetime | None:
    """The date in UTC, or None when it is out of range (unknown is better than wrong)."""
    if dt is None:
        return None
    try:
        dt = (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    if not EARLIEST <= dt <= datetime.now(UTC) + FUTURE_SLACK:
        return None
    return dt


def read_date(text: str) -> datetime | None:
    """The moment a date string names, or None when it cannot be read; ImpossibleDate when
    its offset is past ±14 hours. A zone name in ``ZONES`` is applied to the time as
    written."""
    text = _COMMENT.sub("", text.strip())  # "+0300 (AST)": the offset says it
    if (m := _OFFSET.search(text)) and (int(m.group(2)) > MAX_OFFSET_HOURS
                                        or int(m.group(3)) > 59):
        raise ImpossibleDate(f"date {text[:60]!r} has an offset no time zone has")
    if (m := _NAMED.search(text)) and (hours := ZONES.get(m.group(2).upper())) is not None:
        wall = _naive(text[:m.start(2)].strip().rstrip("("))
        if wall is not None:
            return wall.replace(tzinfo=timezone(timedelta(hours=hours)))
    return _naive(text, aware=True)


def _naive(text: str, aware: bool = False) -> datetime | None:
    """``text`` read as ISO 8601 or RFC 822: only without an offset unless ``aware``."""
    for parse in (datetime.fromisoformat, parsedate_to_datetime):
        try:
            dt = parse(text)
        except (ValueError, TypeError, OverflowError, IndexError):
            continue
        if aware or dt.tzinfo is None:
            return dt
    return None


def parse_date(value: Any) -> datetime | None:
    """A date string's moment in UTC, or None (unreadable, impossible, implausible)."""
    if not value or not isinstance(value, str):
        return None
    try:
        return plausible_date(read_date(value))
    except ImpossibleDate:
        return None


def struct_date(value: Any) -> datetime | None:
    """feedparser's parsed dates (time.struct_time in UTC), or None when out of range."""
    try:
        return plausible_date(datetime.fromtimestamp(calendar.timegm(value), UTC))
    except (OverflowError, ValueError, TypeError, OSError):
        return None


def feed_date(text: Any, parsed: Any) -> tuple[datetime | None, str | None]:
    """A feed entry's date and a note when it was refused: the string as read here, else
    feedparser's reading of it (``parsed``), which knows more formats."""
    if isinstance(text, str) and text.strip():
        try:
            mine = read_date(text)
        except ImpossibleDate as exc:
            return None, str(exc)
        if mine is not None:
            return plausible_date(mine), None
    return (struct_date(parsed) if parsed else None), None
