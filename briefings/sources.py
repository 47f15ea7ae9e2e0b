"""Readers for the configured sources: RSS/Atom feeds, and the article formats a watched
folder holds (HTML here, JSON in ``jsonfile``; the folder itself is walked by ``folders``).

A reader yields ``RawArticle``s and reports files or entries it could not use
through ``problems`` (one line each), so one bad item never stops the others.
"""

from __future__ import annotations

import contextlib
import html
import io
import logging
import sqlite3
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from . import jsonfeed
from .dates import feed_date, parse_date
from .decode import decode, decode_xml, html_charset
from .errors import BriefingsError, SourceError, UnreadableArticle
from .feedtext import entry_body, one_line
from .fetch import Fetch, PageBackoff
from .models import RawArticle
from .text import printable
from .uri import link_problem, public

log = logging.getLogger(__name__)

@dataclass
class Problems:
    """What a run could not use, one line each: shown to the user, never swallowed."""

    lines: list[str] = field(default_factory=list)
    skipped: int = 0  # items not stored; the other lines are notes on items that were
    # (a cut, a repair, a link not used)

    def add(self, where: str, why: str, skipped: bool | None = None) -> None:
        """One line; the item is not stored when ``skipped``, by default when ``why``
        starts with "skipped"."""
        line = f"{printable(cut(where, MAX_WHERE))}: {printable(why)}"
        log.info("%s", line)
        self.lines.append(line)
        self.skipped += why.startswith("skipped") if skipped is None else skipped


MAX_WHERE = 300  # characters of a location in a report line (a feed's link may be 100 kB)


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def first(obj: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def article_from_html(source: str, location: str, html: str, url: str | None = None
                      ) -> RawArticle:
    import trafilatura  # ~1 s to import (lxml, its extractors): only for HTML pages

    _quiet(logging.getLogger("trafilatura"))
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
        published=parse_date(doc.get("date")),
    )


def _quiet(logger: logging.Logger) -> None:
    """trafilatura logs about a page it finds no text in: a warning ("discarding data:
    None"), or two errors for a page that is no HTML ("parsed tree length: 0, wrong data
    type or not valid HTML", "empty HTML tree: URL"), which the page's own report line says
    already: one page, one line. All of it shows when its logger is set to debug."""
    if logger.getEffectiveLevel() > logging.DEBUG:
        logger.setLevel(max(logger.getEffectiveLevel(), logging.CRITICAL))


def describe(exc: BaseException) -> str:
    """One line for a failure: the exception's message, else its type."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def read_feed(source: str, url: str, fetch: Fetch, problems: Problems, *,
              known_url: Callable[[str], bool], full_text_below: int,
              pages: PageBackoff | None = None, min_teaser: int = 0) -> Iterator[RawArticle]:
    """Entries of an RSS, Atom or JSON Feed feed; teaser-only entries are fetched and
    extracted in full.

    Only http(s) links are used. A page whose fetch fails waits (``pages``) before the next
    try; meanwhile its entry uses the teaser if it has ``min_teaser`` characters, else waits."""
    import feedparser  # ~0.5 s to import: only for feeds

    shown = public(url)  # the feed as reports and logs show it: no password
    try:
        resp = fetch(url)
        data, found = decode_xml(resp.data, url, resp.charset)
    except Exception as exc:  # network, HTTP, timeout, too large, binary: retried next poll
        why = str(exc).removeprefix(f"{url}: ").replace(url, shown)
        raise SourceError(f"feed {source!r} ({shown}): {why}") from exc
    if not data.strip():
        raise SourceError(f"feed {source!r} ({shown}): empty response")
    if found.note:
        problems.add(shown, found.note)
    doc = jsonfeed.load(data) if jsonfeed.is_json(data) else None
    if isinstance(doc, dict) and jsonfeed.version(doc):
        try:
            feed: Any = jsonfeed.parse(doc, resp.url or url)
        except jsonfeed.NotJsonFeed as exc:
            raise SourceError(f"feed {source!r} ({shown}): {exc}") from None
    else:  # a stream, not bytes: feedparser would open bytes that name a local file
        feed = feedparser.parse(io.BytesIO(data), response_headers=resp.feed_headers("utf-8"))
    if not isinstance(feed, jsonfeed.JsonFeed) and not feed.entries and (
            feed.bozo or not feed.get("version")):
        raise SourceError(f"feed {source!r} ({shown}): not a feed ({_not_a_feed(feed, data)})")
    outlet = one_line(feed.feed.get("title"), feed.feed.get("title_detail"))
    shared = shared_links(feed.entries, data, problems)
    for i, entry in enumerate(feed.entries):
        where = f"{shown}#entry-{i}"  # a linkless entry's own location (reports, citations)
        if isinstance(entry, jsonfeed.BadItem):
            problems.add(where, f"skipped: {entry.reason}")
            continue
        try:
            link = _entry_link(entry, data)
            if link and (urllib.parse.urldefrag(link)[0] in (url, resp.url) or link in shared):
                link = None  # "http://", resolved against the feed: the feed, not a page
            link = public(link) if link else None  # stored and shown: never a password
            where = link or where
            refused = link_problem(link) if link else None
            if refused:
                problems.add(cut(where, 100), f"skipped: {refused}")
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


def _not_a_feed(feed: Any, data: bytes) -> str:
    """Why a response with no entries is no feed: its XML error, or what it is instead."""
    if jsonfeed.is_json(data):
        return jsonfeed.not_a_feed(data)  # an API's answer, a broken or cut JSON Feed
    if feed.bozo:
        return str(feed.get("bozo_exception"))
    return "XML, but no RSS or Atom in it"  # an SVG, a sitemap, an API's XML answer


def shared_links(entries: list[Any], feed: bytes, problems: Problems) -> set[str]:
    """Links that different entries share (a feed giving each entry its home page), each
    reported once: such a link is no entry's own page, and as an entry's link every entry
    but the first was lost as "already stored". (The same entry twice keeps its link: its
    copy is a duplicate.)"""
    seen: dict[str, set[str]] = {}
    for entry in entries:
        with contextlib.suppress(Exception):  # an entry that breaks is reported in the loop
            link = _entry_link(entry, feed)
            if link:
                seen.setdefault(link, set()).add(repr(
                    (entry.get("title"), entry.get("summary"), entry.get("content"))))
    shared = {link: len(kinds) for link, kinds in seen.items() if len(kinds) > 1}
    for common, n in shared.items():
        problems.add(cut(public(common), 100), f"{n} different entries have this link: it is "
                     "none of theirs, they are kept without it", skipped=False)
    return set(shared)


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


# Media types no article page has: a PDF, an image, a video, an office file linked from a
# feed is not read as text (its report said "binary data (NUL bytes)", or its bytes were
# read as a page). Others are read, and say what they lack.
_NOT_PAGES = ("image/", "audio/", "video/", "font/", "model/", "application/pdf",
              "application/zip", "application/msword", "application/vnd.")


def _is_page(media: str) -> bool:
    return not media.startswith(_NOT_PAGES)


def _entry_article(source: str, where: str, link: str | None, outlet: str | None, entry: Any,
                   fetch: Fetch, problems: Problems, full_text_below: int,
                   pages: PageBackoff | None, min_teaser: int) -> RawArticle | None:
    """The entry as an article at ``where`` (its link, or its place in the feed), its page
    fetched when the feed gives only a teaser."""
    raw = entry_raw(source, where, link, outlet, entry, problems)
    body, published = raw.text, raw.published
    if not link or len(body) >= full_text_below:
        return raw
    teaser = raw if len(body.strip()) >= max(min_teaser, 1) else None
    if pages is not None and pages.waiting(link):
        return teaser  # its failure was reported when it happened; quiet until the next try
    try:
        resp = fetch(link)
        media = (resp.content_type or "").split(";")[0].strip().lower()
        if media and not _is_page(media):
            raise UnreadableArticle(f"not a web page ({printable(media[:60])})")
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
        problems.add(link, f"full text not fetched: {why}; {then}{retry}", skipped=not teaser)
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


def entry_raw(source: str, where: str, link: str | None, outlet: str | None, entry: Any,
              problems: Problems) -> RawArticle:
    """The entry as the feed gives it, at ``where``: its body, title, author and date."""
    published = None
    for key in ("published", "updated"):  # the first one that can be read (dict.get: not
        # feedparser's deprecated fallback from "updated" to "published")
        published, note = feed_date(dict.get(entry, key), dict.get(entry, f"{key}_parsed"))
        if note:
            problems.add(where, f"{note}; the entry is kept without a date")
        if published is not None or note:
            break
    return RawArticle(source=source, location=where, text=entry_body(entry), url=link,
                      title=one_line(entry.get("title"), entry.get("title_detail")),
                      outlet=outlet,
                      author=one_line(entry.get("author"), entry.get("author_detail")),
                      published=published)
