"""SaudiNewsNet articles from ../shared/data (never copied into the repository)."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "saudinewsnet"


def days(data: Path = DATA) -> list[Path]:
    found = sorted(data.glob("*.zip")) if data.is_dir() else []
    if not found:
        raise SystemExit(f"no SaudiNewsNet data at {data}: the benchmarks need ../shared/data")
    return found


def load_day(path: Path) -> list[dict[str, Any]]:
    with zipfile.ZipFile(path) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".json"))
        items: list[dict[str, Any]] = json.loads(zf.read(name))
    return [a for a in items if (a.get("content") or "").strip()]


def articles(n: int, data: Path = DATA) -> list[dict[str, Any]]:
    """The first n articles with text, day after day."""
    out: list[dict[str, Any]] = []
    for day in days(data):
        out += load_day(day)
        if len(out) >= n:
            break
    return out[:n]


def texts(limit_lines: int, data: Path = DATA) -> Iterator[str]:
    """Lines of article text for training the SentencePiece model."""
    count = 0
    for day in days(data):
        for art in load_day(day):
            for line in [art.get("title") or "", *(art.get("content") or "").split("\n")]:
                line = line.strip()
                if line:
                    yield line
                    count += 1
                    if count >= limit_lines:
                        return
