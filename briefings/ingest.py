"""Ingest stage: read sources, clean articles, store each once.

Cleaning a plain-text article: the first non-empty line is the headline (a
short masthead line above it naming the outlet is recognised), short lines
right under it are dateline/byline metadata, boilerplate lines (outlet codes,
comment forms, "related articles", "back to top"...) are dropped, and the body
is split into sentences. Each outlet's own boilerplate (datelines glued to the
first sentence, link and tag lines, contact blocks) is learned from its articles
and removed too (``boilerplate.py``). Dedup is by URL and by a hash of the
folded text.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from . import outlets as outlets_mod
from .boilerplate import Learner, Remover, sample
from .config import Config, SourceConfig
from .errors import ConfigError, SourceError
from .fetch import PageBackoff, http_fetcher
from .models import CleanArticle, RawArticle
from .sources import Problems, describe, plausible_date, read_feed, read_folder
from .store import Store
from .text import content_hash, has_letters, latin_ratio, normalize, split_sentences

log = logging.getLogger(__name__)

# Lines that are never article text. Matched against the whole (normalised) line.
BOILERPLATE = [
    r"[A-Z]{2,5}\d{1,4}",  # outlet/desk codes such as AZP01
    r"(اترك|أضف|اضف) (تعليقا|تعليقاً|تعليق|ردا|رداً)",
    r"لن يتم نشر (عنوان )?بريدك الإلكتروني.*",
    r"(الحقول|البيانات) (الإلزامية|المطلوبة).*",
    r"هذا الموقع يستخدم Akismet.*",
    r"(زر )?(الذهاب|العودة|الرجوع) (إلى|الى|الي) (الأعلى|الاعلى|أعلى الصفحة)",
    r"(شارك|شارك هذا|مشاركة|تابعونا|تابعنا)( (على|عبر) .*)?( ?[:：])?",
    r"(جميع|كل) الحقوق محفوظة.*", r"©.*",
    r"(اقرأ|إقرأ) (أيضا|أيضاً|ايضا|المزيد).*", r"(للمزيد|المزيد) من (الأخبار|التفاصيل).*",
    r"(تعليقات|التعليقات)( \(\d+\))?", r"(إعلان|اعلان|advertisement)",
    r"(back to top|leave a (comment|reply)|share( this)?|related (articles|posts|news)"
    r"|read more|all rights reserved.*|your email address will not be published.*"
    r"|required fields are marked.*|click here.*|follow us.*)",
]
# A line that starts the page's tail: it and everything after it is dropped.
TAIL_MARKERS = [
    r"(مقالات|أخبار|اخبار|مواضيع|موضوعات) (ذات صلة|متعلقة|مشابهة)", r"related (articles|posts)",
    r"(اترك|أضف|اضف) (تعليقا|تعليقاً|تعليق|ردا|رداً)", r"leave a (comment|reply)",
]
# Cities that open datelines ("بنغازي الزمان", "واشنطن مرسي ابو طوق").
CITIES = frozenset((
    "بنغازي طرابلس مصراتة سرت درنة طبرق سبها واشنطن نيويورك لندن باريس برلين موسكو "
    "روما بروكسل جنيف فيينا أنقرة انقرة إسطنبول اسطنبول طهران بغداد البصرة الموصل "
    "أربيل اربيل دمشق حلب بيروت عمان القدس غزة القاهرة الإسكندرية الاسكندرية "
    "الخرطوم تونس الجزائر الرباط نواكشوط الرياض جدة مكة المدينة الدمام "
    "الكويت الدوحة المنامة أبوظبي ابوظبي دبي مسقط صنعاء عدن بكين طوكيو نيودلهي "
    "كابول "
).split())
_END_PUNCT = re.compile(r"[.!?؟…:]$")
MAX_HEADLINE = 300  # characters; a longer "headline" is a paragraph that lost its line breaks


@dataclass
class IngestReport:
    added: list[int] = field(default_factory=list)
    duplicates: int = 0
    skipped: list[str] = field(default_factory=list)  # "where: why" lines
    failed_sources: list[str] = field(default_factory=list)

    def merge_problems(self, problems: Problems) -> None:
        self.skipped += problems.lines


class Cleaner:
    """Cleans raw articles; ``learner`` (when given) holds each outlet's learned boilerplate."""

    def __init__(self, cfg: Config, learner: Learner | None = None) -> None:
        self.learner = learner
        self.normalized: dict[RawArticle, str] = {}  # texts normalised ahead of clean()
        self.cfg = cfg.ingest
        for i, pattern in enumerate(cfg.ingest.boilerplate):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ConfigError(f"ingest.boilerplate[{i}]", f"invalid regex: {exc}") from None
        self.boilerplate = re.compile(
            "|".join(f"(?:{p})" for p in BOILERPLATE + list(cfg.ingest.boilerplate)), re.I)
        self.tail = re.compile("|".join(f"(?:{p})" for p in TAIL_MARKERS), re.I)
        self.outlets = outlets_mod.registry(cfg.ingest.outlets)
        # names as printed -> the name stored (the English one of those the config names)
        self.printed = {**outlets_mod.PRINTED, **{
            k: v if isinstance(v, str) else self.outlets.english(k)
            for k, v in cfg.ingest.outlets.items()}}

    def is_boilerplate(self, line: str) -> bool:
        return self.boilerplate.fullmatch(line.strip(" .:-–—|*")) is not None

    def remover(self, outlet: str | None) -> Remover:
        return self.learner.remover(outlet) if self.learner else Remover()

    def clean(self, raw: RawArticle, fallback_outlet: str | None) -> CleanArticle | str:
        """A clean article, or the reason it is skipped."""
        text = self.normalized.pop(raw, None)
        if text is None:
            text = normalize(raw.text)
        lines = [ln for ln in text.split("\n") if ln.strip()]
        body: list[str] = []
        for line in lines:
            if self.tail.fullmatch(line.strip(" .:-–—|*")):
                break
            if not self.is_boilerplate(line):
                body.append(line)
        remover = self.remover(raw.outlet or fallback_outlet)
        body = remover.general_lines(body)
        # the hash does not depend on what is learned, which changes from run to run
        digest = content_hash("\n".join(body))
        body = remover.learned_lines(body)
        outlet = self.printed.get(raw.outlet, raw.outlet) if raw.outlet else None
        headline = normalize(raw.title or "")
        byline = normalize(raw.author or "") or None
        dateline = None
        if not headline and body:
            if len(body) > 2 and self._is_masthead(body[0], body[1]):
                outlet = outlet or self.printed.get(body[0], body[0])
                body = body[1:]
            headline, body = body[0], body[1:]
        # short unpunctuated lines under the headline: dateline / byline
        while body and _is_meta_line(body[0]) and len(body) > 1:
            city, rest = _split_dateline(body.pop(0))
            if city and not dateline:
                dateline = city
            if rest:
                if rest in self.printed and not outlet:
                    outlet = self.printed[rest]
                else:
                    byline = byline or rest
        headline = headline.lstrip("#= ").strip()[:MAX_HEADLINE]
        body_text = "\n".join(body)
        if not has_letters(body_text):
            return "empty article (no letters in the text after cleaning)"
        if len(body_text) < self.cfg.min_chars:
            return (f"empty article ({len(body_text)} characters of text after cleaning, "
                    f"minimum {self.cfg.min_chars})")
        truncated = len(body_text) > self.cfg.max_chars
        if truncated:
            cut = body_text.rfind("\n", 0, self.cfg.max_chars)
            body_text = body_text[: cut if cut > 0 else self.cfg.max_chars]
        language = "en" if latin_ratio(body_text) > self.cfg.latin_ratio else "ar"
        found, place = remover.sentences(split_sentences(body_text, language), byline)
        sentences = tuple(found)
        dateline = dateline or place
        if not sentences:
            return "no sentences in the text"
        if not has_letters(headline):
            headline = sentences[0][:MAX_HEADLINE]
        return CleanArticle(
            source=raw.source, location=raw.location, url=raw.url,
            headline=headline, sentences=sentences, language=language,
            content_hash=digest, outlet=outlet or fallback_outlet,
            byline=byline, dateline=dateline, published=plausible_date(raw.published),
            truncated=truncated,
        )

    def _is_masthead(self, first: str, second: str) -> bool:
        if first in self.printed or first in self.outlets:
            return True
        return len(first.split()) <= 3 and not _END_PUNCT.search(first) \
            and 4 <= len(second.split()) <= 25 and not second.endswith(".")


def _is_meta_line(line: str) -> bool:
    return len(line.split()) <= 6 and not _END_PUNCT.search(line) and "،" not in line


def _split_dateline(line: str) -> tuple[str | None, str]:
    first, _, rest = line.partition(" ")
    two = " ".join(line.split()[:2])
    if two in CITIES or two in {"رام الله", "الدار البيضاء", "إسلام آباد", "أبو ظبي"}:
        return two, " ".join(line.split()[2:])
    if first in CITIES:
        return first, rest.strip(" :-–—")
    return None, line


def _read_source(src: SourceConfig, cfg: Config, store: Store, problems: Problems
                 ) -> Iterator[RawArticle]:
    if src.type == "folder":
        yield from read_folder(src.name, cfg.resolve(src.path or "."), problems)
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
            log.error("%s (will retry next run)", why)
            store.record_fetch(src.name, why, added, problems.lines)
            report.failed_sources.append(why)
        else:
            store.record_fetch(src.name, None, added, problems.lines)
        report.merge_problems(problems)
        log.info("source %s: %d new article(s), %d skipped", src.name, added,
                 len(problems.lines))
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
    samples: dict[int, tuple[str, frozenset[str]]] = {}
    for i, raw in enumerate(raws):
        if raw.url and store.has_url(raw.url):
            continue  # stored: its sample is in the store already
        text = cleaner.normalized[raw] = normalize(raw.text)
        samples[i] = (raw.outlet or fallback, sample([ln for ln in text.split("\n") if ln.strip()]))
    by_outlet: dict[str, list[frozenset[str]]] = {}
    for outlet, keys in samples.values():
        by_outlet.setdefault(outlet, []).append(keys)
    learner.learn(by_outlet)
    ids: list[int] = []
    duplicates = 0
    remembered: list[tuple[int, str, frozenset[str]]] = []
    for i, raw in enumerate(raws):
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
    return ids, duplicates


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
    except sqlite3.Error:
        raise  # the store itself is broken: stop, nothing more can be saved
    except Exception as exc:  # one article never stops the others
        problems.add(raw.location, f"skipped: {describe(exc)}")
        return None
    return -1 if article_id is None else article_id
