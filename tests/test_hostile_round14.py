"""Hostile input, round 14: JSON Lines, whatever the file is called; what a file with no
JSON at all says."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from briefings import config
from briefings.ingest import ingest
from briefings.store import Store

from .builders import BODY, ConfigFactory, folder_of

EPOCH = datetime(1900, 1, 1, tzinfo=UTC)
GOOD = ("أعلنت وزارة الصحة اليوم افتتاح مستشفى جديد في مدينة تبوك بسعة مئتي سرير. "
        "وقال المتحدث باسم الوزارة إن المستشفى يخدم سكان المنطقة الشمالية كافة.")


def _folder_ingest(write_config: ConfigFactory, folder: Path) -> tuple[Store, list[str], int]:
    cfg = config.load(write_config([{"name": "in", "type": "folder", "path": str(folder)}]))
    store = Store(cfg.db_path)
    report = ingest(cfg, store)
    return store, report.skipped, len(report.added)


def test_json_lines_are_read_line_by_line_whatever_the_file_is_called(
        write_config: ConfigFactory, tmp_path: Path) -> None:
    """JSON Lines saved as .json lost the whole file ("JSONDecodeError: Extra data"), and a
    .jsonl file was not read at all."""
    lines = [json.dumps({"title": "سطر أول", "content": GOOD}, ensure_ascii=False),
             "", "{not json",
             json.dumps({"title": "سطر ثالث", "content": f"{GOOD} {BODY}"}, ensure_ascii=False),
             json.dumps(["not", "an", "object"])]
    folder = folder_of(tmp_path / "in", {"day.json": "\n".join(lines) + "\n",
                                         "more.jsonl": lines[3].replace("ثالث", "رابع")
                                         .replace("تبوك", "حائل")})
    store, skipped, added = _folder_ingest(write_config, folder)
    assert added == 3  # the two good lines of day.json, and more.jsonl
    assert sorted(line.split("/in/", 1)[1] for line in skipped) == [
        "day.json#1: skipped: line 3 is not JSON (JSONDecodeError: Expecting property name "
        "enclosed in double quotes: line 1 column 2 (char 1))",
        "day.json#3: skipped: not an article object (list)"]
    headlines = sorted(a.headline or "" for a in store.articles_since(EPOCH))
    assert headlines == ["سطر أول", "سطر ثالث", "سطر رابع"]


def test_a_json_file_that_is_not_json_is_still_one_line(write_config: ConfigFactory,
                                                        tmp_path: Path) -> None:
    folder = folder_of(tmp_path / "in", {"a.json": "<html>not json</html>",
                                         "b.txt": f"خبر جيد\n{GOOD}\n"})
    _, skipped, added = _folder_ingest(write_config, folder)
    assert added == 1 and len(skipped) == 1 and "a.json: skipped: JSONDecodeError" in skipped[0]
