"""Readers for the configured sources: a watched folder, RSS/Atom feeds.

A reader yields ``RawArticle``s and reports files or entries it could not use
through ``problems`` (one line each), so one bad item never stops the others.
"""

from __future__ import annotations

import calendar
import codecs
import html
import io
import json
import logging
import os
import re
import sqlite3
import stat
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from .decode import decode, decode_xml, html_charset
from .errors import BriefingsError, SourceError, UnreadableArticle
from .fetch import Fetch, PageBackoff, disallowed, size_text
from .models import RawArticle
from .text import printable

log = logging.getLogger(__name__)

SUFFIXES = {".txt", ".md", ".json", ".html", ".htm"}


@dataclass
class Problems:
    """What a run could not use, one line each: shown to the user, never swallowed."""

    lines: list[str] = field(default_factory=list)

    def add(self, where: str, why: str) -> None:
        line = f"{printable(where)}: {printable(why)}"
        log.info("%s", line)
        self.lines.append(line)


# Dates a source gives are trusted only within this range: a date far in the future would
# keep an article "recent" for ever (and years past 9999 do not fit in a datetime at all).
FUTURE_SLACK = timedelta(days=2)
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)


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


def _parse_date(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    for parse in (datetime.fromisoformat, parsedate_to_datetime):
        try:
            dt = parse(value.strip())
        except (ValueError, TypeError, OverflowError, IndexError):
            continue
        return plausible_date(dt)
    return None


def _struct_date(value: Any) -> datetime | None:
    """feedparser's parsed dates (time.struct_time in UTC), or None when out of range."""
    try:
        return plausible_date(datetime.fromtimestamp(calendar.timegm(value), UTC))
    except (OverflowError, ValueError, TypeError, OSError):
        return None


def _first(obj: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def articles_from_json(source: str, path: Path, text: str, problems: Problems
                       ) -> Iterator[RawArticle]:
    """One object or a list of objects (SaudiNewsNet shape: title, content, url, source...).

    Each element is read on its own: a bad one is reported and the others go on."""
    data = json.loads(text)
    items = data if isinstance(data, list) else [data]
    for i, item in enumerate(items):
        location = f"{path}#{i}" if isinstance(data, list) else str(path)
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


# A JSON "\ud800" escape with no partner makes a lone surrogate: text SQLite (UTF-8) cannot
# take. In text it is dropped, as an XML feed's "&#xD800;" is (decodecheck); in a link it
# leaves no link to follow, so the element is skipped.
_SURROGATE = re.compile("[\ud800-\udfff]")
_TEXT_FIELDS = {"content": ("content", "text", "body"), "title": ("title", "headline"),
                "outlet": ("outlet", "source"), "author": ("author", "byline")}


def _json_article(source: str, location: str, item: dict[str, Any], problems: Problems
                  ) -> RawArticle | None:
    """One element of a JSON file, or None when it is skipped (reported)."""
    url = _first(item, "url", "link")
    if url and _SURROGATE.search(url):
        problems.add(location, f"skipped: a broken character escape ({_escapes([url])}) in "
                               f"its url: not a link that can be followed")
        return None
    fields = {name: _first(item, *keys) for name, keys in _TEXT_FIELDS.items()}
    broken = {name: value for name, value in fields.items()
              if value and _SURROGATE.search(value)}
    if broken:
        problems.add(location, f"broken character escapes ({_escapes(broken.values())}) "
                               f"dropped from {', '.join(broken)}; the rest is kept")
        fields.update({k: _SURROGATE.sub("", v).strip() or None for k, v in broken.items()})
    return RawArticle(
        source=source, location=location, text=fields["content"] or "", url=url,
        title=fields["title"], outlet=fields["outlet"], author=fields["author"],
        published=_parse_date(_first(item, "published", "date", "date_extracted")),
    )


def _escapes(texts: Iterable[str]) -> str:
    """The lone surrogates in ``texts`` as JSON wrote them (\\ud800), the first three."""
    found = list(dict.fromkeys(c for t in texts for c in _SURROGATE.findall(t)))
    return ", ".join(f"\\u{ord(c):04x}" for c in found[:3]) + (", …" if found[3:] else "")


def article_from_html(source: str, location: str, html: str, url: str | None = None
                      ) -> RawArticle:
    import trafilatura  # ~1 s to import (lxml, its extractors): only for HTML pages

    # No extensive date search: it guesses (an undated page got 2014-01-01); unknown is
    # better than wrong.
    extracted = trafilatura.bare_extraction(
        html, url=url, include_comments=False, with_metadata=True,
        date_extraction_params={"extensive_search": False, "original_date": True})
    doc = extracted.as_dict() if extracted is not None and not isinstance(extracted, dict) \
        else (extracted or {})
    if not doc.get("text"):
        return RawArticle(source=source, location=location, text="", url=url)
    return RawArticle(
        source=source, location=location, text=doc.get("text") or "", url=url or doc.get("url"),
        title=doc.get("title"), outlet=doc.get("sitename"), author=doc.get("author"),
        published=_parse_date(doc.get("date")),
    )


MAX_DEPTH = 32  # folder levels under a source's folder; deeper ones are reported, not read


TEXT_BYTES_PER_CHAR = 4  # a .txt/.md file is read up to this many bytes per ingest.max_chars


def read_folder(source: str, folder: Path, problems: Problems, *, max_chars: int = 20_000,
                max_bytes: int = 10_000_000) -> Iterator[RawArticle]:
    """The articles of the files under ``folder``. A .txt/.md file (one article) is read up to
    ``TEXT_BYTES_PER_CHAR * max_chars`` bytes (ingest.max_chars: more is never stored) and
    the cut is reported; an .html file larger than ``max_bytes`` (ingest.max_fetch_bytes, as
    for a fetched page) is skipped; a .json file (many articles) is read whole."""
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise SourceError(f"source {source!r}: folder {folder} {what}")
    for path in _files(folder, problems):
        where = location(path)
        try:
            suffix = path.suffix.lower()
            html = suffix in {".html", ".htm"}
            text_cap = TEXT_BYTES_PER_CHAR * max_chars if suffix in {".txt", ".md"} else None
            data, size = _read_file(path, max_bytes if html else text_cap)
            if html and size > max_bytes:
                problems.add(where, f"skipped: larger than {size_text(max_bytes)} "
                             f"(ingest.max_fetch_bytes): {size_text(size)}")
                continue
            if text_cap and size > text_cap:
                data = _cut(data, text_cap)
                problems.add(where, f"article cut: only its first {size_text(len(data))} of "
                             f"{size_text(size)} read ({TEXT_BYTES_PER_CHAR} bytes per "
                             "character of ingest.max_chars)")
            found = decode(data, where, html_charset(data) if html else None)
            text = found.text
            if found.note:
                problems.add(where, f"{found.note}; the rest of the text is kept")
            if suffix == ".json":
                yield from articles_from_json(source, Path(where), text, problems)
            elif html:
                yield article_from_html(source, where, text)
            else:
                if suffix == ".md":
                    text = strip_markdown(text)
                yield RawArticle(source=source, location=where, text=text)
        except UnreadableArticle as exc:
            problems.add(where, f"skipped: {exc}".replace(f"{where}: ", ""))
        except Exception as exc:  # one file never stops the folder
            problems.add(where, f"skipped: {describe(exc)}")


def _read_file(path: Path, limit: int | None) -> tuple[bytes, int]:
    """The file's bytes (the first ``limit + 1`` of them when limited) and its size. Opened
    only when it is a regular file, and then without blocking (checked again once open): a
    named pipe put in its place after the folder was listed would block the run (opening it
    waits for a writer)."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise UnreadableArticle(f"not a regular file ({_kind(mode)})")
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnreadableArticle(f"not a regular file ({_kind(st.st_mode)})")
        want = st.st_size if limit is None else min(st.st_size, limit) + 1
        chunks: list[bytes] = []
        got = 0
        while limit is None or got <= limit:
            chunk = os.read(fd, max(want - got, 0) or 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks), max(st.st_size, got)
    finally:
        os.close(fd)


def _cut(data: bytes, limit: int) -> bytes:
    """The first ``limit`` bytes of a text file, cut after a line break when there is one in
    the second half (else not inside a UTF-8 character or a UTF-16 code unit)."""
    cut = data[:limit]
    end = cut.rfind(b"\n")
    if end >= limit // 2:
        end += 1
        if end % 2 and data[end:end + 1] == b"\x00":  # "\n" in UTF-16-LE is 0A 00
            end += 1
        return data[:end]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return cut[:len(cut) // 2 * 2]
    tail = 0
    while tail < 3 and len(cut) > tail and 0x80 <= cut[-1 - tail] < 0xC0:
        tail += 1  # UTF-8 continuation bytes
    if len(cut) > tail and cut[-1 - tail] >= 0xC0:  # a lead byte whose sequence is cut
        return cut[:-1 - tail]
    return cut


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def location(path: Path) -> str:
    """The path as text that can be stored and shown: a file name that is not valid UTF-8
    keeps its odd bytes as escapes (\\xff) instead of failing as 'surrogates not allowed'."""
    raw = os.fsencode(path)
    return raw.decode("utf-8", "backslashreplace")


def _files(folder: Path, problems: Problems) -> list[Path]:
    """Article files under ``folder``, sorted: walked without recursion, to MAX_DEPTH levels;
    links are followed only to files inside the folder (a link to /etc/passwd is not read)."""
    root = folder.resolve()
    found: list[Path] = []
    stack: list[tuple[Path, int]] = [(folder, 0)]
    while stack:
        here, depth = stack.pop()
        try:
            entries = list(os.scandir(here))
        except OSError as exc:
            problems.add(location(here), f"skipped: folder not readable ({exc.strerror})")
            continue
        for entry in entries:
            path = Path(entry.path)
            try:
                if entry.is_dir(follow_symlinks=False):
                    if depth + 1 > MAX_DEPTH:
                        problems.add(location(path), f"skipped: more than {MAX_DEPTH} folder "
                                     "levels deep")
                    elif not entry.name.startswith("."):
                        stack.append((path, depth + 1))
                    continue
                if path.suffix.lower() not in SUFFIXES or entry.name.startswith("."):
                    continue
                if entry.is_symlink():
                    target = path.resolve()
                    if not target.is_relative_to(root):
                        problems.add(location(path), "skipped: a link to a file outside the "
                                     "source's folder")
                        continue
                mode = path.stat().st_mode  # never opened: opening a named pipe blocks
                if stat.S_ISREG(mode):
                    found.append(path)
                else:
                    problems.add(location(path), f"skipped: not a regular file ({_kind(mode)})")
            except (OSError, RuntimeError) as exc:  # a link loop, a vanished file
                problems.add(location(path), f"skipped: {describe(exc)}")
    return sorted(found)


def describe(exc: BaseException) -> str:
    """One line for a failure: the exception's message, else its type."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def strip_markdown(text: str) -> str:
    text = re.sub(r"^---\n.*?\n---\n", "", text, flags=re.S)  # front matter
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)  # images
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links
    text = re.sub(r"^\s{0,3}(#{1,6}|>|[-*+]|\d+\.)\s+", "", text, flags=re.M)
    return re.sub(r"(\*\*|__|\*|_|`)", "", text)


def read_feed(source: str, url: str, fetch: Fetch, problems: Problems, *,
              known_url: Callable[[str], bool], full_text_below: int,
              pages: PageBackoff | None = None, min_teaser: int = 0) -> Iterator[RawArticle]:
    """Entries of an RSS/Atom feed; teaser-only entries are fetched and extracted in full.

    Only http(s) links are used. A page whose fetch fails waits (``pages``) before the next
    try; meanwhile its entry uses the teaser if it has ``min_teaser`` characters, else waits."""
    import feedparser  # ~0.5 s to import: only for feeds

    try:
        resp = fetch(url)
        data, found = decode_xml(resp.data, url, resp.charset)
    except Exception as exc:  # network, HTTP, timeout, too large, binary: retried next poll
        why = str(exc).removeprefix(f"{url}: ")
        raise SourceError(f"feed {source!r} ({url}): {why}") from exc
    if not data.strip():
        raise SourceError(f"feed {source!r} ({url}): empty response")
    if found.note:
        problems.add(url, found.note)
    # a stream, not bytes: feedparser would open bytes that name a local file
    feed = feedparser.parse(io.BytesIO(data), response_headers=resp.feed_headers("utf-8"))
    if feed.bozo and not feed.entries:
        raise SourceError(f"feed {source!r} ({url}): not a feed ({feed.get('bozo_exception')})")
    outlet = feed.feed.get("title")
    for i, entry in enumerate(feed.entries):
        where = f"{url}#entry-{i}"  # a linkless entry's own location (reports, citations)
        try:
            link = _entry_link(entry, data)
            where = link or where
            refused = disallowed(link) if link else None
            if refused:
                problems.add(where if len(where) <= 100 else where[:99] + "…",
                             f"skipped: {refused}")
                continue
            if link and known_url(link):
                continue
            raw = _entry_article(source, where, link, outlet, entry, fetch, problems,
                                 full_text_below, pages, min_teaser)
        except sqlite3.Error:
            raise  # the store (known_url) is broken: a fault of the run, not of the entry
        except Exception as exc:  # one entry never stops the feed
            problems.add(where, f"skipped: {describe(exc)}")
            continue
        if raw is not None:
            yield raw


def _entry_link(entry: Any, feed: bytes) -> str | None:
    """The entry's own link, or None. feedparser also gives a guid (RSS) or id (Atom) as the
    entry's link when it has no link element (``guidislink``), resolved against the feed's
    URL like a relative link: ``<guid>12345</guid>`` becomes http://host/12345, a page that
    does not exist, and ``tag:``/``urn:`` ids become links that cannot be fetched. A link
    element (``entry.links``; a relative one resolved against the feed is a real link) is
    used; a guid or id only when it is an http(s) URL written as such in ``feed`` (an RSS
    permalink guid), never one made up by resolving it."""
    link = entry.get("link")
    if not isinstance(link, str) or not link.strip():
        return None
    if any(isinstance(ln, dict) and ln.get("href") == link for ln in entry.get("links") or ()):
        return link
    try:
        scheme = urllib.parse.urlsplit(link.strip()).scheme.lower()
    except ValueError:
        return None
    if scheme in ("http", "https") and any(
            form.encode("utf-8") in feed for form in (link, html.escape(link, quote=False))):
        return link
    return None


def _entry_article(source: str, where: str, link: str | None, outlet: str | None, entry: Any,
                   fetch: Fetch, problems: Problems, full_text_below: int,
                   pages: PageBackoff | None, min_teaser: int) -> RawArticle | None:
    """The entry as an article at ``where`` (its link, or its place in the feed), its page
    fetched when the feed gives only a teaser."""
    body = ""
    if entry.get("content"):
        body = max((c.get("value", "") for c in entry.content), key=len)
    body = body or entry.get("summary", "")
    if body and "<" in body:
        body = _html_to_text(body)
    published = None
    for key in ("published_parsed", "updated_parsed"):
        if entry.get(key):
            published = _struct_date(entry[key])
            break
    raw = RawArticle(source=source, location=where, text=body, url=link,
                     title=_plain(entry.get("title")), outlet=outlet,
                     author=_plain(entry.get("author")),
                     published=published)
    if not link or len(body) >= full_text_below:
        return raw
    teaser = raw if len(body.strip()) >= max(min_teaser, 1) else None
    if pages is not None and pages.waiting(link):
        return teaser  # its failure was reported when it happened; quiet until the next try
    try:
        resp = fetch(link)
        found = decode(resp.data, link, resp.charset or html_charset(resp.data))
        page = article_from_html(source, link, found.text, link)
        if not page.text.strip():
            raise UnreadableArticle("no article text found on the page")
        longest = max(len(page.text.strip()), len(body.strip()))
        if longest < min_teaser:  # too short to store: backed off like a failure, not
            raise UnreadableArticle(  # fetched again on every poll
                f"too little text on the page ({len(page.text.strip())} characters)")
    except Exception as exc:
        why = str(exc).removeprefix(f"{link}: ") if isinstance(exc, BriefingsError) \
            else describe(exc)
        then = "using the feed's teaser" if teaser else "skipped, the teaser is too short"
        retry = f"; {pages.failed(link, why)}" if pages is not None else ""
        problems.add(link, f"full text not fetched: {why}; {then}{retry}")
        return teaser
    if pages is not None:
        pages.succeeded(link)
    if found.note:
        problems.add(link, found.note)
    if len(page.text) <= len(body):
        return raw
    return RawArticle(source=source, location=link, text=page.text, url=link,
                      title=raw.title or page.title, outlet=outlet or page.outlet,
                      author=raw.author or page.author, published=published or page.published)


def _plain(value: Any) -> str | None:
    """A feed's short text field (title, author) without markup or entities."""
    if not isinstance(value, str):
        return None
    return " ".join(_html_to_text(value).split()) if "<" in value or "&" in value else value


def _html_to_text(fragment: str) -> str:
    fragment = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>", "\n", fragment)
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))
