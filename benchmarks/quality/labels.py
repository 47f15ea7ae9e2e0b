"""A labelled day: events.json, questions.json (the format of ../shared/eval/<day>/) and the
day's articles (a SaudiNewsNet zip or JSON array)."""

from __future__ import annotations

import json
import logging
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class LabelError(Exception):
    """A labels directory or day file the benchmark cannot use (one line; exit code 2)."""


@dataclass(frozen=True)
class Event:
    id: str
    urls: tuple[str, ...]
    key_terms: tuple[str, ...]
    multi: bool
    lookalike_group: str | None = None


@dataclass(frozen=True)
class Question:
    q: str
    urls: frozenset[str]
    any_urls: frozenset[str]


@dataclass
class Labels:
    events: list[Event]
    answerable: list[Question]
    unanswerable: list[str]
    problems: list[str] = field(default_factory=list)  # items skipped, one line each

    @property
    def gold(self) -> dict[str, str]:
        """Labelled URL -> event id."""
        return {u: e.id for e in self.events for u in e.urls}


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LabelError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise LabelError(f"{path} is not JSON: {exc}") from None


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def load_labels(directory: Path) -> Labels:
    """Read and check a labels directory; a malformed item is reported and skipped."""
    if not directory.is_dir():
        raise LabelError(f"labels directory {directory} does not exist")
    problems: list[str] = []
    if (directory / "events.json").exists():
        raw_events = _read_json(directory / "events.json")
    else:
        problems.append("events.json: missing; grouping and key terms are not scored")
        raw_events = []
    if not isinstance(raw_events, list):
        raise LabelError(f"{directory / 'events.json'}: expected a list of events")
    events: list[Event] = []
    seen: dict[str, str] = {}
    for i, item in enumerate(raw_events):
        where = f"events.json[{i}]"
        urls = _strings(item.get("urls")) if isinstance(item, dict) else None
        terms = _strings(item.get("key_terms", [])) if isinstance(item, dict) else None
        if not isinstance(item, dict) or not urls or terms is None:
            problems.append(f"{where}: skipped: needs 'urls' (a non-empty list of text) and "
                            "'key_terms' (a list of text)")
            continue
        event_id = str(item.get("id") or f"#{i}")
        twice = [u for u in urls if u in seen]
        if twice:
            problems.append(f"{where} ({event_id}): {len(twice)} URL(s) already in event "
                            f"{seen[twice[0]]}; kept there only")
        urls = tuple(u for u in dict.fromkeys(urls) if u not in seen)
        seen.update((u, event_id) for u in urls)
        kind = item.get("kind")
        multi = kind == "multi" if kind in ("multi", "single") else len(urls) > 1
        group = item.get("lookalike_group")
        events.append(Event(event_id, urls, terms, multi,
                            group if isinstance(group, str) else None))
    if (directory / "questions.json").exists():
        raw_q = _read_json(directory / "questions.json")
    else:
        problems.append("questions.json: missing; no question is scored")
        raw_q = {}
    if not isinstance(raw_q, dict):
        raise LabelError(f"{directory / 'questions.json'}: expected an object with "
                         "'answerable' and 'unanswerable'")
    answerable: list[Question] = []
    for i, item in enumerate(raw_q.get("answerable") or []):
        urls = _strings(item.get("urls")) if isinstance(item, dict) else None
        if not isinstance(item, dict) or not isinstance(item.get("q"), str) or not urls:
            problems.append(f"questions.json answerable[{i}]: skipped: needs 'q' and 'urls'")
            continue
        extra = _strings(item.get("any_urls", [])) or ()
        answerable.append(Question(item["q"], frozenset(urls), frozenset(urls) | set(extra)))
    unanswerable: list[str] = []
    for i, item in enumerate(raw_q.get("unanswerable") or []):
        q = item if isinstance(item, str) else item.get("q") if isinstance(item, dict) else None
        if not isinstance(q, str) or not q.strip():
            problems.append(f"questions.json unanswerable[{i}]: skipped: not a question")
            continue
        unanswerable.append(q)
    for line in problems:
        log.warning("%s: %s", directory, line)
    return Labels(events, answerable, unanswerable, problems)


def unpack_day(day: Path, folder: Path) -> dict[str, dict[str, Any]]:
    """Put the day's JSON file(s) into ``folder`` (the ingest source); return its items by
    the location ingest gives them ("FILE#i").

    ``day`` is a SaudiNewsNet zip (one or more .json members) or a .json file."""
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    items: dict[str, dict[str, Any]] = {}
    try:
        if zipfile.is_zipfile(day):
            with zipfile.ZipFile(day) as zf:
                members = [n for n in zf.namelist() if n.endswith(".json")]
                if not members:
                    raise LabelError(f"{day}: no .json file in the zip")
                for n, name in enumerate(members):
                    data = zf.read(name)
                    target = folder / f"{n:03d}-{Path(name).name}"
                    target.write_bytes(data)
                    items.update(_items(data, target))
        elif day.suffix.lower() == ".json":
            target = folder / day.name
            shutil.copy(day, target)
            items.update(_items(target.read_bytes(), target))
        else:
            raise LabelError(f"{day}: expected a .zip or .json day file")
    except OSError as exc:
        raise LabelError(f"cannot read {day}: {exc.strerror or exc}") from None
    except zipfile.BadZipFile as exc:
        raise LabelError(f"{day}: broken zip ({exc})") from None
    return items


def _items(data: bytes, path: Path) -> dict[str, dict[str, Any]]:
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except ValueError as exc:
        raise LabelError(f"{path} is not JSON: {exc}") from None
    if not isinstance(parsed, list):
        return {str(path): parsed} if isinstance(parsed, dict) else {}
    return {f"{path}#{i}": p for i, p in enumerate(parsed) if isinstance(p, dict)}
