"""A small hand-written Arabic news day for the answer tests (tests/fixtures/answers)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "answers"
URL = "http://example.sa/news/"


def write_day(folder: Path, names: list[str] | None = None) -> Path:
    """The fixture articles as one SaudiNewsNet-style JSON file in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    items = []
    for path in sorted(FIXTURES.glob("*.txt")):
        if names is not None and path.stem not in names:
            continue
        headline, _, body = path.read_text(encoding="utf-8").partition("\n")
        items.append({"source": "news", "url": URL + path.stem, "title": headline,
                      "date_extracted": "2015-07-23 10:00:00", "content": body})
    (folder / "day.json").write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    return folder


def news_config(folder: Path, **answer: Any) -> dict[str, Any]:
    """write_config() arguments: the fixture day as the only source, ``answer`` options."""
    return {"sources": [{"name": "news", "type": "folder", "path": str(folder)}],
            "answer": answer}
