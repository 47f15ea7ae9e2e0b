"""Time helpers: now in UTC, a time of day, a local date, time zone names."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

_REPLAYED: list[datetime] = []  # the moments ``replaying`` blocks set, innermost last


def utcnow() -> datetime:
    """Now, in UTC, to the second (what the store records); inside ``replaying``, the
    moment it replays."""
    return (_REPLAYED[-1] if _REPLAYED else datetime.now(UTC)).replace(microsecond=0)


@contextmanager
def replaying(moment: datetime) -> Iterator[None]:
    """Within the block, "now" is ``moment`` (UTC) for everything that asks ``utcnow``:
    what ``benchmarks/week.py`` uses to live past days of news one after the other. The
    product itself never calls it."""
    _REPLAYED.append(moment.astimezone(UTC))
    try:
        yield
    finally:
        _REPLAYED.pop()


def parse_hhmm(value: str) -> time:
    """'07:30' -> time(7, 30) (any script's digits: '٠٧:٣٠' too); ValueError on anything
    else, however many digits it has."""
    hours, sep, minutes = value.strip().partition(":")
    if not sep or not hours.isdecimal() or not minutes.isdecimal() or len(hours) > 2 \
            or len(minutes) != 2:
        raise ValueError(f"not a time HH:MM: {value!r}")
    return time(int(hours), int(minutes))


def local_date(timezone: str, now: datetime) -> str:
    """The date (ISO) in ``timezone`` at ``now``."""
    return now.astimezone(ZoneInfo(timezone)).date().isoformat()


# Names the zone database lists that name no zone: this machine's own (whatever it is set
# to), and the placeholder of a zone not set up yet
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones()) - _NOT_ZONES


def valid_timezone(name: str) -> bool:
    """An IANA zone name (not a path, a directory or a data file of the zone database)."""
    return name in _zones()
