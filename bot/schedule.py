"""When a chat's daily digest fires: its time on the local clock of its zone, once a day,
on the days clocks change too.

APScheduler's CronTrigger (3.11) is not used: on the night clocks go back, a time in the
repeated hour made it answer the same instant again and again (agronholm/apscheduler#1021),
and the scheduler, which asks for the next time until it is in the future, looped for ever
inside the event loop. Here each day's time is the one ``ChatService.due_today`` uses:
``datetime.combine(day, time, tzinfo=zone)``, so a time in the repeated hour is its first
occurrence, and a time the clock skips is shifted by the gap (01:30 in London on the day
clocks go forward is 02:30 BST).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from briefings.clock import parse_hhmm


def occurrence(day: date, hhmm: str, timezone: str) -> datetime:
    """The instant of ``hhmm`` on ``day`` in ``timezone``, on the zone's clock."""
    zone = ZoneInfo(timezone)
    local = datetime.combine(day, parse_hhmm(hhmm), tzinfo=zone)
    return local.astimezone(zone)  # a skipped time, as the clock shows it then


def first_from(start: datetime, hhmm: str, timezone: str) -> datetime:
    """The first digest time at or after ``start``."""
    day = start.astimezone(ZoneInfo(timezone)).date() - timedelta(days=1)
    while (when := occurrence(day, hhmm, timezone)) < start:
        day += timedelta(days=1)
    return when


class DailyAt(BaseTrigger):
    """An APScheduler trigger: ``hhmm`` every day on the clock of ``timezone``."""

    def __init__(self, hhmm: str, timezone: str) -> None:
        self.hhmm, self.timezone = hhmm, timezone
        parse_hhmm(hhmm), ZoneInfo(timezone)  # refused now rather than at the first firing

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime
                           ) -> datetime:
        if previous_fire_time is None:
            return first_from(now, self.hhmm, self.timezone)
        return first_from(previous_fire_time + timedelta(microseconds=1), self.hhmm,
                          self.timezone)

    def __str__(self) -> str:
        return f"daily at {self.hhmm} ({self.timezone})"
