"""Cleaning one article: headline, metadata, body sentences, boilerplate out.

A plain-text article's first non-empty line is the headline (a short masthead line
above it naming the outlet is recognised); short lines right under it are
dateline/byline metadata; built-in boilerplate lines (outlet codes, comment forms,
"related articles", "back to top"...) are dropped, then what is boilerplate in any
outlet and what was learned to be the outlet's own (``boilerplate.py``), and the body
is split into sentences. A titled article with too little text for a body (a brief, a
page that kept only photo captions) is its headline alone (``ingest.headline_only``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import outlets as outlets_mod
from .boilerplate import Learner, Remover
from .config import Config
from .dates import plausible_date
from .errors import ConfigError
from .models import CleanArticle, RawArticle
from .text import content_hash, has_letters, latin_ratio, normalize, split_sentences

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
BRIEF_WORDS = 4  # least words of a headline kept without a body (ingest.headline_only)


@dataclass(frozen=True)
class _Page:
    headline: str
    body: list[str]
    outlet: str | None
    byline: str | None
    dateline: str | None
    truncated: bool


class Cleaner:
    """Cleans raw articles; ``learner`` (when given) holds each outlet's learned boilerplate."""

    def __init__(self, cfg: Config, learner: Learner | None = None) -> None:
        self.outlets = outlets_mod.registry(cfg.ingest.outlets)
        # without a learner: only what is boilerplate anywhere, and known outlets' datelines
        self.learner = learner or Learner(None, cfg.ingest, self.outlets)
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
        # names as printed -> the name stored (the English one of those the config names)
        self.printed = {**outlets_mod.PRINTED, **{
            k: v if isinstance(v, str) else self.outlets.english(k)
            for k, v in cfg.ingest.outlets.items()}}

    def is_boilerplate(self, line: str) -> bool:
        return self.boilerplate.fullmatch(line.strip(" .:-–—|*")) is not None

    def remover(self, outlet: str | None) -> Remover:
        return self.learner.remover(outlet)

    def clean(self, raw: RawArticle, fallback_outlet: str | None) -> CleanArticle | str:
        """A clean article, or the reason it is skipped."""
        text = self.normalized.pop(raw, None)
        if text is None:
            text = normalize(raw.text)
        page = self._layout(raw, text)
        if isinstance(page, str):
            return page
        if not page.body:
            return self._headline_only(raw, page, fallback_outlet, text)
        remover = self.remover(raw.outlet or fallback_outlet)
        body_text = "\n".join(remover.learned_lines(remover.general_lines(page.body)))
        if self._empty(body_text):
            if self._brief(raw, page.headline):
                return self._headline_only(raw, page, fallback_outlet, text)
            return (f"empty article ({len(body_text)} characters of text after cleaning, "
                    f"minimum {self.cfg.min_chars})")
        language = "en" if latin_ratio(body_text) > self.cfg.latin_ratio else "ar"
        found, place = remover.sentences(split_sentences(body_text, language), page.byline)
        sentences = tuple(found)
        if not sentences:
            return "no sentences in the text"
        headline = page.headline if has_letters(page.headline) else sentences[0][:MAX_HEADLINE]
        return CleanArticle(
            source=raw.source, location=raw.location, url=raw.url,
            headline=headline, sentences=sentences, language=language,
            content_hash=self._digest(raw, text, page), outlet=page.outlet or fallback_outlet,
            byline=page.byline, dateline=page.dateline or place,
            published=plausible_date(raw.published), truncated=page.truncated,
        )

    def _empty(self, body_text: str) -> bool:
        return len(body_text) < self.cfg.min_chars or not has_letters(body_text)

    def _brief(self, raw: RawArticle, headline: str) -> bool:
        """The article is a headline that tells the news on its own: it has a title (not a
        first line taken as one) of ``BRIEF_WORDS`` words or more, and the config keeps such."""
        return self.cfg.headline_only and bool(raw.title) and has_letters(headline) \
            and len(headline.split()) >= BRIEF_WORDS

    def _headline_only(self, raw: RawArticle, page: _Page, fallback_outlet: str | None,
                       text: str) -> CleanArticle:
        """The article as its headline alone: no body sentences (what text it has is too
        short to be one: a photo caption, a name), known again by its headline and text."""
        language = "en" if latin_ratio(page.headline) > self.cfg.latin_ratio else "ar"
        return CleanArticle(
            source=raw.source, location=raw.location, url=raw.url, headline=page.headline,
            sentences=(), language=language,
            content_hash=content_hash(f"{page.headline}\n{text}"),
            outlet=page.outlet or fallback_outlet, byline=page.byline, dateline=page.dateline,
            published=plausible_date(raw.published))

    def _digest(self, raw: RawArticle, text: str, page: _Page) -> str:
        """The hash of the text as earlier versions cleaned it (before learned or general
        boilerplate was removed, with every tatweel dropped), so that a file read again
        after an upgrade is still known."""
        if "\u0640" in raw.text:
            old = normalize(raw.text.replace("\u0640", ""))
            if old != text:
                legacy = self._layout(raw, old)
                if not isinstance(legacy, str):
                    return content_hash("\n".join(legacy.body))
        return content_hash("\n".join(page.body))

    def _layout(self, raw: RawArticle, text: str) -> _Page | str:
        """Headline, metadata and body lines (built-in boilerplate dropped, capped at
        max_chars), or the reason the article is empty."""
        lines = [ln for ln in text.split("\n") if ln.strip()]
        body: list[str] = []
        for line in lines:
            if self.tail.fullmatch(line.strip(" .:-–—|*")):
                break
            if not self.is_boilerplate(line):
                body.append(line)
        outlet = self.printed.get(raw.outlet, raw.outlet) if raw.outlet else None
        headline = normalize(raw.title or "")
        byline = normalize(raw.author or "") or None
        dateline = None
        if not headline and body:
            if len(body) > 2 and self._is_masthead(body[0], body[1]):
                outlet = outlet or self.printed.get(body[0], body[0])
                body = body[1:]
            headline, body = body[0], body[1:]
            if not body:
                # one line and nothing else: the article itself (a brief, or one that lost
                # its line breaks), not a headline without a body; the headline comes from
                # its first sentence below, and a line too short for an article says so
                headline, body = "", [headline]
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
        if self._empty(body_text) and self._brief(raw, headline):
            return _Page(headline, [], outlet, byline, dateline, False)
        if not has_letters(body_text):
            return "empty article (no letters in the text after cleaning)"
        if len(body_text) < self.cfg.min_chars:
            return (f"empty article ({len(body_text)} characters of text after cleaning, "
                    f"minimum {self.cfg.min_chars})")
        truncated = len(body_text) > self.cfg.max_chars
        body_text = cut_at_line(body_text, self.cfg.max_chars)
        return _Page(headline, body_text.split("\n"), outlet, byline, dateline, truncated)

    def _is_masthead(self, first: str, second: str) -> bool:
        if first in self.printed:
            return True
        return len(first.split()) <= 3 and not _END_PUNCT.search(first) \
            and 4 <= len(second.split()) <= 25 and not second.endswith(".")


def cut_at_line(text: str, limit: int) -> str:
    """The text, or when it is longer than ``limit`` characters its start cut at the last
    line break before ``limit`` (at ``limit`` when there is none)."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit)
    return text[: cut if cut > 0 else limit]


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
