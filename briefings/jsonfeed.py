"""JSON Feed (https://jsonfeed.org, versions 1 and 1.1), read as the entries an RSS or Atom
feed gives, so that every rule of the feed reader holds for it: links checked and
stripped of passwords, teasers fetched in full, "already stored", one bad item reported
and the rest kept (``sources.read_feed``; a watched folder's .json file: ``jsonfile``).

A JSON Feed is known by its ``version`` URL, not by its content type: servers send it as
application/feed+json, application/json or text/plain. Each item becomes a dict in
feedparser's shape: ``link`` (its ``url``, else its ``external_url``, resolved against the
feed's home page or the feed itself), ``title``, ``content`` (``content_html`` as HTML,
``content_text`` as text), ``summary``, ``published`` / ``updated`` (RFC 3339), ``author``.
Title, summary and text fields are plain text (JSON Feed says so): "3 < 5" stays as it is.
An item that is no object, or whose fields have the wrong types, is a ``BadItem``: the
reader reports it with its reason, in its place (entry numbers stay those of the file).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from typing import Any

VERSIONS = ("https://jsonfeed.org/version/", "http://jsonfeed.org/version/")
_PLAIN = {"type": "text/plain"}
_HTML = {"type": "text/html"}
# A JSON "\ud800" escape with no partner makes a lone surrogate, text SQLite (UTF-8) cannot
# take: dropped from text, as an XML feed's "&#xD800;" is; a link holding one is no link.
SURROGATE = re.compile("[\ud800-\udfff]")


class BadItem(dict[str, Any]):
    """An item that cannot be an entry, with the reason (no link, no fields: it is never
    taken for another entry's duplicate or shared link)."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class JsonFeed:
    """What ``sources.read_feed`` uses of a parsed feed: its fields and its entries."""

    def __init__(self, feed: dict[str, Any], entries: list[dict[str, Any]]) -> None:
        self.feed = feed
        self.entries = entries


class NotJsonFeed(ValueError):
    """JSON that claims to be a JSON Feed but cannot be read as one (no items list)."""


def is_json(data: bytes) -> bool:
    """Whether ``data`` starts as a JSON object or array would (after a BOM and spaces)."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def version(doc: Any) -> str | None:
    """The JSON Feed version URL of a parsed JSON document, or None if it is none."""
    found = doc.get("version") if isinstance(doc, dict) else None
    return found if isinstance(found, str) and found.startswith(VERSIONS) else None


def load(data: bytes) -> Any:
    """The JSON document in ``data``, or None when it is no JSON (or nested too deeply)."""
    try:
        return loads(data.decode("utf-8-sig", errors="replace"))
    except (ValueError, RecursionError):
        return None


def loads(text: str) -> Any:
    """A JSON value, read leniently: tabs and line breaks written raw inside its strings (as
    sloppy exporters do) are read as themselves, and an integer longer than Python converts
    (4300 digits) is a float (inf), not a ValueError that loses every item for one number.
    Python's parser recurses once per level: a value nested deeper than about a thousand
    levels raises RecursionError (``TOO_DEEP`` says so)."""
    return json.loads(text, parse_int=_int, strict=False)


TOO_DEEP = "JSON nested too deeply to read (RecursionError)"


def not_a_feed(data: bytes) -> str:
    """Why JSON in a feed's place is no feed: it cannot be read, or it is no JSON Feed."""
    try:
        loads(data.decode("utf-8-sig", errors="replace"))
    except RecursionError:
        return TOO_DEEP
    except ValueError as exc:
        return f"JSON that cannot be read ({' '.join(str(exc).split())[:200]})"
    return "JSON, but no JSON Feed: no jsonfeed.org version"


def _int(digits: str) -> int | float:
    return int(digits) if len(digits.lstrip("-")) <= 4000 else float(digits)


def parse(doc: dict[str, Any], base: str) -> JsonFeed:
    """A JSON Feed document (``version(doc)`` is set) as a feed of entries; relative links
    are resolved against its ``home_page_url`` when that is a web address, else ``base``
    (the feed's own URL, or the file's location)."""
    items = doc.get("items")
    if not isinstance(items, list):
        raise NotJsonFeed(f"a JSON Feed without a list of items (items: {_kind(items)})")
    home = _text(doc.get("home_page_url"))
    if home and _scheme(home) in ("http", "https"):
        base = home
    title = _text(doc.get("title"))
    return JsonFeed({"title": title, "title_detail": _PLAIN} if title else {},
                    [_entry(item, base) for item in items])


def _scheme(url: str) -> str:
    try:
        return urllib.parse.urlsplit(url).scheme.lower()
    except ValueError:  # "http://[x": no address at all
        return ""


def _kind(value: Any) -> str:
    return "missing" if value is None else type(value).__name__


def _text(value: Any) -> str | None:
    return SURROGATE.sub("", value).strip() or None if isinstance(value, str) else None


def _entry(item: Any, base: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        return BadItem(f"not a JSON Feed item ({_kind(item)})")
    wrong = [key for key in ("url", "external_url", "title", "content_html", "content_text",
                             "summary", "date_published", "date_modified")
             if item.get(key) is not None and not isinstance(item[key], str)]
    if wrong:
        return BadItem(f"{wrong[0]} is not a string ({_kind(item[wrong[0]])})")
    entry: dict[str, Any] = {}
    link = next((v.strip() for v in (item.get("url"), item.get("external_url"))
                 if isinstance(v, str) and v.strip()), None)
    if link and SURROGATE.search(link):
        return BadItem("a broken character escape in its url: no link that can be followed")
    if link:
        try:
            link = urllib.parse.urljoin(base, link)
        except ValueError:  # a link urllib cannot split ("http://[x"); its error may quote
            return BadItem("its url cannot be read as a link")  # the password: not shown
        entry["link"], entry["links"] = link, [{"href": link}]
    for key in ("title", "summary"):
        if _text(item.get(key)):
            entry[key], entry[f"{key}_detail"] = _text(item[key]), _PLAIN
    entry["content"] = [{**kind, "value": _text(item[key])}
                        for key, kind in (("content_html", _HTML), ("content_text", _PLAIN))
                        if _text(item.get(key))]
    for key, field in (("published", "date_published"), ("updated", "date_modified")):
        if _text(item.get(field)):
            entry[key] = _text(item[field])
    author = _author(item)
    if author:
        entry["author"], entry["author_detail"] = author, _PLAIN
    return entry


def _author(item: dict[str, Any]) -> str | None:
    """The item's authors' names (1.1: ``authors``; 1.0: ``author``), joined."""
    people = item.get("authors")
    if not isinstance(people, list):
        people = [item.get("author")]
    names = [_text(p.get("name")) for p in people if isinstance(p, dict)]
    return ", ".join(n for n in names if n) or None
