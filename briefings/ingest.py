"""Ingest stage: read sources, clean articles, store each once.

Cleaning a plain-text article: the first non-empty line is the headline (a
short masthead line above it naming the outlet is recognised), short lines
right under it are dateline/byline metadata, boilerplate lines (outlet codes,
comment forms, "related articles", "back to top"...) are dropped, and the body
is split into sentences. Dedup is by URL and by a hash of the folded text.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

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
# Outlets named in mastheads or datelines (Arabic -> display name); config adds more.
OUTLETS = {
    "الزمان": "Azzaman", "أخبار العرب": "Akhbar Al Arab", "الشرق الأوسط": "Asharq Al-Awsat",
    "الحياة": "Al Hayat", "عكاظ": "Okaz", "سبق": "Sabq", "الجزيرة": "Al Jazeera",
    "العربية": "Al Arabiya", "الأهرام": "Al-Ahram", "القدس العربي": "Al-Quds Al-Arabi",
    "رويترز": "Reuters", "فرانس برس": "AFP", "أ ف ب": "AFP", "الأناضول": "Anadolu",
    "سكاي نيوز عربية": "Sky News Arabia", "بي بي سي": "BBC Arabic", "واس": "SPA",
    "البيان": "Al Bayan", "النهار": "An-Nahar", "الوسط": "Al Wasat", "اليوم السابع": "Youm7",
}
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
    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg.ingest
        for i, pattern in enumerate(cfg.ingest.boilerplate):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ConfigError(f"ingest.boilerplate[{i}]", f"invalid regex: {exc}") from None
        self.boilerplate = re.compile(
            "|".join(f"(?:{p})" for p in BOILERPLATE + list(cfg.ingest.boilerplate)), re.I)
        self.tail = re.compile("|".join(f"(?:{p})" for p in TAIL_MARKERS), re.I)
        self.outlets = {**OUTLETS, **cfg.ingest.outlets}

    def is_boilerplate(self, line: str) -> bool:
        return self.boilerplate.fullmatch(line.strip(" .:-–—|*")) is not None

    def clean(self, raw: RawArticle, fallback_outlet: str | None) -> CleanArticle | str:
        """A clean article, or the reason it is skipped."""
        text = normalize(raw.text)
        lines = [ln for ln in text.split("\n") if ln.strip()]
        body: list[str] = []
        for line in lines:
            if self.tail.fullmatch(line.strip(" .:-–—|*")):
                break
            if not self.is_boilerplate(line):
                body.append(line)
        outlet = _outlet_name(raw.outlet, self.outlets) if raw.outlet else None
        headline = normalize(raw.title or "")
        byline = normalize(raw.author or "") or None
        dateline = None
        if not headline and body:
            if len(body) > 2 and self._is_masthead(body[0], body[1]):
                outlet = outlet or self.outlets.get(body[0], body[0])
                body = body[1:]
            headline, body = body[0], body[1:]
        # short unpunctuated lines under the headline: dateline / byline
        while body and _is_meta_line(body[0]) and len(body) > 1:
            city, rest = _split_dateline(body.pop(0))
            if city and not dateline:
                dateline = city
            if rest:
                if rest in self.outlets and not outlet:
                    outlet = self.outlets[rest]
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
        sentences = tuple(split_sentences(body_text, language))
        if not sentences:
            return "no sentences in the text"
        if not has_letters(headline):
            headline = sentences[0][:MAX_HEADLINE]
        return CleanArticle(
            source=raw.source, location=raw.location, url=raw.url,
            headline=headline, sentences=sentences, language=language,
            content_hash=content_hash(body_text), outlet=outlet or fallback_outlet,
            byline=byline, dateline=dateline, published=plausible_date(raw.published),
            truncated=truncated,
        )

    def _is_masthead(self, first: str, second: str) -> bool:
        if first in self.outlets:
            return True
        return len(first.split()) <= 3 and not _END_PUNCT.search(first) \
            and 4 <= len(second.split()) <= 25 and not second.endswith(".")


def _outlet_name(name: str, outlets: dict[str, str]) -> str:
    return outlets.get(name, name)


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


def ingest(cfg: Config, store: Store, sources: Iterable[SourceConfig] | None = None
           ) -> IngestReport:
    """Read every enabled source. Each item (file, JSON element, feed entry, page) is cleaned
    and stored on its own: a bad one is reported with its reason and skipped, a failing source
    is recorded in its health, and the rest go on. Only a store fault stops the run."""
    report = IngestReport()
    cleaner = Cleaner(cfg)
    for src in sources if sources is not None else cfg.sources:
        if not src.enabled:
            continue
        location = src.path or src.url or ""
        source_id = store.source_id(src.name, src.type, location)
        problems = Problems()
        added = 0
        try:
            for raw in _read_source(src, cfg, store, problems):
                article_id = _ingest_one(store, cleaner, source_id, src, raw, problems)
                if article_id is None:
                    continue
                if article_id < 0:
                    report.duplicates += 1
                else:
                    added += 1
                    report.added.append(article_id)
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
