"""Small time helpers shared by config validation and the bot's scheduling."""

from __future__ import annotations

from datetime import time


def parse_hhmm(value: str) -> time:
    """'07:30' -> time(7, 30); ValueError on anything else."""
    hours, sep, minutes = value.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(f"not a time HH:MM: {value!r}")
    return time(int(hours), int(minutes))
