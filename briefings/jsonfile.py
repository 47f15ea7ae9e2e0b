"""The JSON article files of a watched folder: one article object, a list of them
(SaudiNewsNet's shape: title, content, url, source, date_extracted), JSON Lines (one
object per line, whatever the file's name: a .jsonl saved as .json is common), or a saved
JSON Feed (its items, ``jsonfeed``).

Each element (or line) is read on its own: a bad one is reported and the others go on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from . import jsonfeed
from .dates import parse_date
from .errors import UnreadableArticle
from .feedtext import one_line
from .models import RawArticle
from .sources import Problems, cut, describe, entry_raw, first, shared_links
from .uri import link_problem, public


def articles_from_json(source: str, path: Path, text: str, problems: Problems
                       ) -> Iterator[RawArticle]:
    """The articles of one JSON file (``ValueError`` when it is no JSON at all)."""
    try:
        data = _loads(text)
        if jsonfeed.version(data):
            yield from _feed_items(source, path, data, problems)
            return
        items: list[tuple[str, Any]] = [(f"{path}#{i}", item) for i, item in enumerate(data)] \
            if isinstance(data, list) else [(str(path), data)]
    except (RecursionError, json.JSONDecodeError) as exc:
        # JSON Lines (one value per line), the first line perhaps the broken (or too deeply
        # nested) one; not a damaged array whose lines hold no whole object each, nor one
        # value nested deeper than Python's parser goes: that is one error for the file
        items, broken = _lines(path, text)
        extra = isinstance(exc, json.JSONDecodeError) and exc.msg.startswith("Extra data")
        if not extra and not any(isinstance(v, dict) for _, v in items):
            if isinstance(exc, RecursionError):
                raise UnreadableArticle(_TOO_DEEP) from None
            raise
        for location, why in broken:
            problems.add(location, why)
    for location, item in items:
        if not isinstance(item, dict):
            problems.add(location, f"skipped: not an article object ({type(item).__name__})")
            continue
        try:
            raw = _json_article(source, location, item, problems)
        except Exception as exc:  # one element never stops the file
            problems.add(location, f"skipped: {describe(exc)}")
            continue
        if raw is not None:
            yield raw


def _feed_items(source: str, path: Path, doc: dict[str, Any], problems: Problems
                ) -> Iterator[RawArticle]:
    """A JSON Feed saved as a file: its items as articles, each on its own. Their pages are
    not fetched (a folder is read as it is); a link that cannot be one is not kept, as in
    an article list."""
    try:
        feed = jsonfeed.parse(doc, path.resolve().as_uri())
    except jsonfeed.NotJsonFeed as exc:
        raise UnreadableArticle(str(exc)) from None
    outlet = one_line(feed.feed.get("title"), feed.feed.get("title_detail"))
    shared = shared_links(feed.entries, b"", problems)
    for i, entry in enumerate(feed.entries):
        location = f"{path}#{i}"
        if isinstance(entry, jsonfeed.BadItem):
            problems.add(location, f"skipped: {entry.reason}")
            continue
        link = entry.get("link")
        link = public(link) if link and link not in shared else None
        refused = link_problem(link) if link else None
        if refused:
            problems.add(location, f"url {cut(link or '', 100)} not used: {refused}; the "
                                   "article is kept without a link")
            link = None
        try:
            yield entry_raw(source, link or location, link, outlet, entry, problems)
        except Exception as exc:  # one item never stops the file
            problems.add(location, f"skipped: {describe(exc)}")


# A JSON "\ud800" escape with no partner makes a lone surrogate: text SQLite (UTF-8) cannot
# take. In text it is dropped, as an XML feed's "&#xD800;" is (decodecheck); in a link it
# leaves no link to follow, so the element is skipped.
# A file nested deeper than Python's parser goes (about a thousand levels: "[[[[…") raised
# RecursionError, a line that named no cause.
_TOO_DEEP = jsonfeed.TOO_DEEP
_loads = jsonfeed.loads
_SURROGATE = jsonfeed.SURROGATE
_TEXT_FIELDS = {"content": ("content", "text", "body"), "title": ("title", "headline"),
                "outlet": ("outlet", "source"), "author": ("author", "byline")}


def _json_article(source: str, location: str, item: dict[str, Any], problems: Problems
                  ) -> RawArticle | None:
    """One element of a JSON file, or None when it is skipped (reported)."""
    if not any(isinstance(item.get(key), str) for key in _TEXT_FIELDS["content"]):
        # a wrapper ({"articles": [...]}), paragraphs as a list, "Content": not "no letters"
        keys = ", ".join(cut(repr(key), 40) for key in list(item)[:6]) or "none"
        problems.add(location, f"skipped: no article text (no content, text or body string; "
                               f"its keys: {keys}{', …' if len(item) > 6 else ''})")
        return None
    url = first(item, "url", "link")
    url = public(url) if url else None  # stored and shown: never a password
    if url and _SURROGATE.search(url):
        problems.add(location, f"skipped: a broken character escape ({_escapes([url])}) in "
                               f"its url: not a link that can be followed")
        return None
    refused = link_problem(url) if url else None
    if refused:  # the text is the article; a link that cannot be one is not kept with it
        problems.add(location, f"url {cut(url or '', 100)} not used: {refused}; the "
                               "article is kept without a link")
        url = None
    fields = {name: first(item, *keys) for name, keys in _TEXT_FIELDS.items()}
    broken = {name: value for name, value in fields.items()
              if value and _SURROGATE.search(value)}
    if broken:
        problems.add(location, f"broken character escapes ({_escapes(broken.values())}) "
                               f"dropped from {', '.join(broken)}; the rest is kept")
        fields.update({k: _SURROGATE.sub("", v).strip() or None for k, v in broken.items()})
    return RawArticle(
        source=source, location=location, text=fields["content"] or "", url=url,
        title=fields["title"], outlet=fields["outlet"], author=fields["author"],
        published=parse_date(first(item, "published", "date", "date_extracted")),
    )


def _escapes(texts: Iterable[str]) -> str:
    """The lone surrogates in ``texts`` as JSON wrote them (\\ud800), the first three."""
    found = list(dict.fromkeys(c for t in texts for c in _SURROGATE.findall(t)))
    return ", ".join(f"\\u{ord(c):04x}" for c in found[:3]) + (", …" if found[3:] else "")


def _lines(path: Path, text: str) -> tuple[list[tuple[str, Any]], list[tuple[str, str]]]:
    """Each line of a JSON Lines file that holds a value, as (location, value), and each
    line that is not JSON, as (location, why: its line number and the error)."""
    items: list[tuple[str, Any]] = []
    broken: list[tuple[str, str]] = []
    n = 0
    for number, line in enumerate(text.split("\n"), start=1):
        # at line feeds only: str.splitlines() also splits at U+2028, NEL, FS and the like,
        # which JSON strings may hold unescaped (Arabic news text often has U+2028): every
        # line holding one was lost, and its pieces reported
        if not line.strip():
            continue
        location = f"{path}#{n}"
        n += 1
        try:
            items.append((location, _loads(line)))
        except RecursionError:
            broken.append((location, f"skipped: line {number}: {_TOO_DEEP}"))
        except ValueError as exc:  # JSONDecodeError, or a number Python cannot hold
            broken.append((location, f"skipped: line {number} is not JSON ({describe(exc)})"))
    return items, broken
