"""Ingest stage: read sources, clean articles (``cleaner.py``), store each once.

Each outlet's own boilerplate (datelines glued to the first sentence, link and tag
lines, contact blocks) is learned from a batch of its articles, with its recent
stored ones, before the batch is cleaned (``boilerplate.py``). Dedup is by URL and
by a hash of the folded text.
"""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from . import outlets as outlets_mod
from .boilerplate import Learner, sample
from .cleaner import Cleaner, cut_at_line
from .config import Config, SourceConfig
from .errors import SourceError
from .fetch import PageBackoff, http_fetcher
from .folders import read_folder
from .models import RawArticle
from .sources import Problems, describe, read_feed
from .store import Store
from .text import normalize, one_line

__all__ = ["Cleaner", "IngestReport", "ingest"]

log = logging.getLogger(__name__)

@dataclass
class IngestReport:
    added: list[int] = field(default_factory=list)
    duplicates: int = 0
    skipped: list[str] = field(default_factory=list)  # "where: why" lines: items skipped,
    # and notes on items stored (a cut, a repair)
    failed_sources: list[str] = field(default_factory=list)
    items_skipped: int = 0  # of those lines, the items not stored

    def merge_problems(self, problems: Problems) -> None:
        self.skipped += problems.lines
        self.items_skipped += problems.skipped


def _read_source(src: SourceConfig, cfg: Config, store: Store, problems: Problems
                 ) -> Iterator[RawArticle]:
    if src.type == "folder":
        yield from read_folder(src.name, cfg.resolve(src.path or "."), problems,
                               max_chars=cfg.ingest.max_chars,
                               max_bytes=cfg.ingest.max_fetch_bytes,
                               max_json_bytes=cfg.ingest.max_json_bytes)
    else:
        fetch = http_fetcher(cfg.ingest.fetch_timeout, cfg.ingest.user_agent,
                             cfg.ingest.max_fetch_bytes)
        yield from read_feed(src.name, src.url or "", fetch, problems, known_url=store.has_url,
                             full_text_below=cfg.ingest.full_text_below,
                             pages=PageBackoff(store), min_teaser=cfg.ingest.min_chars)


BATCH = 2000  # raw articles read before they are learned from and stored


def ingest(cfg: Config, store: Store, sources: Iterable[SourceConfig] | None = None
           ) -> IngestReport:
    """Read every enabled source. Each item (file, JSON element, feed entry, page) is cleaned
    and stored on its own: a bad one is reported with its reason and skipped, a failing source
    is recorded in its health, and the rest go on. Only a store fault stops the run.
    Items are read in batches: each outlet's boilerplate is learned from a batch (with the
    outlet's recent articles) before the batch is cleaned and stored."""
    report = IngestReport()
    learner = Learner(store, cfg.ingest, outlets_mod.registry(cfg.ingest.outlets))
    cleaner = Cleaner(cfg, learner)
    for src in sources if sources is not None else cfg.sources:
        if not src.enabled:
            continue
        location = src.path or src.url or ""
        source_id = store.source_id(src.name, src.type, location)
        problems = Problems()
        added = 0
        try:
            for raws in _batches(_read_source(src, cfg, store, problems), BATCH):
                ids, duplicates = _ingest_batch(store, cleaner, learner, source_id, src, raws,
                                                problems)
                added += len(ids)
                report.added += ids
                report.duplicates += duplicates
        except sqlite3.Error:
            raise
        except Exception as exc:  # SourceError, or anything unexpected from a reader
            why = str(exc) if isinstance(exc, SourceError) else \
                f"source {src.name!r}: {describe(exc)}"
            log.info("source failed (retried next run): %s", why)  # the caller says it
            store.record_fetch(src.name, why, added, problems.lines, problems.skipped)
            report.failed_sources.append(why)
        else:
            store.record_fetch(src.name, None, added, problems.lines, problems.skipped)
        report.merge_problems(problems)
        log.info("source %s: %d new article(s), %d skipped", src.name, added,
                 problems.skipped)
    return report


def _batches(items: Iterator[RawArticle], size: int) -> Iterator[list[RawArticle]]:
    """Lists of up to ``size`` items; when reading fails, what was read comes first."""
    batch: list[RawArticle] = []
    try:
        for item in items:
            batch.append(item)
            if len(batch) >= size:
                yield batch
                batch = []
    except Exception:
        if batch:
            yield batch
        raise
    if batch:
        yield batch


def _ingest_batch(store: Store, cleaner: Cleaner, learner: Learner, source_id: int,
                  src: SourceConfig, raws: list[RawArticle], problems: Problems
                  ) -> tuple[list[int], int]:
    """Learn each outlet's boilerplate from the batch's new items, then clean and store each
    item: (new article ids, duplicates)."""
    fallback = src.outlet or src.name
    raws = [_one_line_names(raw) for raw in raws]
    samples: dict[int, tuple[str, frozenset[str]]] = {}
    skipped: set[int] = set()
    for i, raw in enumerate(raws):
        try:
            if raw.url and store.has_url(raw.url):
                continue  # stored: its sample is in the store already
            samples[i] = _sample(cleaner, raw, raw.outlet or fallback)
        except sqlite3.Error:
            raise  # the store itself is broken
        except Exception as exc:  # one article never stops the others
            problems.add(raw.location, f"skipped: {describe(exc)}")
            skipped.add(i)
    by_outlet: dict[str, list[frozenset[str]]] = {}
    for outlet, keys in samples.values():
        by_outlet.setdefault(outlet, []).append(keys)
    learner.learn(by_outlet)
    ids: list[int] = []
    duplicates = 0
    remembered: list[tuple[int, str, frozenset[str]]] = []
    for i, raw in enumerate(raws):
        if i in skipped:
            continue
        article_id = _ingest_one(store, cleaner, source_id, src, raw, problems)
        if article_id is None:
            continue
        if article_id < 0:
            duplicates += 1
        else:
            ids.append(article_id)
            if i in samples:
                remembered.append((article_id, *samples[i]))
    learner.remember(remembered)
    cleaner.normalized.clear()
    return ids, duplicates


def _one_line_names(raw: RawArticle) -> RawArticle:
    """The article with its title, outlet and author normalised to one line each, as every
    reader's names are stored and printed: a JSON title with a line break in it, or an
    outlet with an ESC sequence, is not stored (nor learned from) as it came."""
    title, outlet, author = one_line(raw.title), _name(raw.outlet), _name(raw.author)
    if (title, outlet, author) == (raw.title, raw.outlet, raw.author):
        return raw
    return dataclasses.replace(raw, title=title, outlet=outlet, author=author)


MAX_NAME = 100  # characters of an outlet or author: a feed title of 250 kB was stored whole
# and printed on every line about its articles (a headline is cut by the cleaner)


def _name(text: str | None) -> str | None:
    name = one_line(text)
    return name if name is None or len(name) <= MAX_NAME else name[:MAX_NAME - 1].rstrip() + "…"


def _sample(cleaner: Cleaner, raw: RawArticle, outlet: str) -> tuple[str, frozenset[str]]:
    """The article's outlet and boilerplate sample, taken from the text the cleaner keeps (the
    first ``max_chars``, cut at a line break), so the work is bounded however long the text.
    Both are stored with the batch: one that SQLite cannot take (a lone surrogate) fails
    here, for this article alone."""
    text = cleaner.normalized[raw] = normalize(raw.text)
    kept = cut_at_line(text, cleaner.cfg.max_chars)
    keys = sample([ln for ln in kept.split("\n") if ln.strip()])
    for value in (outlet, *keys):
        value.encode("utf-8")
    return outlet, keys


def _ingest_one(store: Store, cleaner: Cleaner, source_id: int, src: SourceConfig,
                raw: RawArticle, problems: Problems) -> int | None:
    """The new article's id, -1 for a duplicate, None when skipped (reported)."""
    try:
        if raw.url and store.has_url(raw.url):
            return -1
        result = cleaner.clean(raw, src.outlet or src.name)
        if isinstance(result, str):
            problems.add(raw.location, f"skipped: {result}")
            return None
        article_id = store.add_article(source_id, result)
        if article_id is not None and not result.sentences:
            problems.add(raw.location, "kept as its headline alone: no text (ingest.headline_only)",
                         skipped=False)
    except sqlite3.Error:
        raise  # the store itself is broken: stop, nothing more can be saved
    except Exception as exc:  # one article never stops the others
        problems.add(raw.location, f"skipped: {describe(exc)}")
        return None
    return -1 if article_id is None else article_id
