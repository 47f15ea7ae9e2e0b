"""Frozen dataclasses passed between the stages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RawArticle:
    """One article as a source yields it, before cleaning."""

    source: str
    location: str  # file path or URL: where a reader can find the original
    text: str  # body text, possibly with headline/bylines/boilerplate lines
    url: str | None = None
    title: str | None = None  # headline when the format carries it (JSON, RSS, HTML)
    outlet: str | None = None
    author: str | None = None
    published: datetime | None = None


@dataclass(frozen=True)
class CleanArticle:
    """An article after cleaning: headline, metadata and body sentences."""

    source: str
    location: str
    url: str | None
    headline: str
    sentences: tuple[str, ...]
    language: str  # "ar" or "en"
    content_hash: str
    outlet: str | None = None
    byline: str | None = None
    dateline: str | None = None
    published: datetime | None = None
    truncated: bool = False


@dataclass(frozen=True)
class Sentence:
    """One stored sentence; position 0 is the headline."""

    id: int
    article_id: int
    position: int
    text_src: str
    text_en: str | None
    status: str  # pending | translated | original (already English)


@dataclass(frozen=True)
class Article:
    id: int
    source: str
    location: str
    url: str | None
    outlet: str | None
    headline: str
    language: str
    ingested_at: datetime
    byline: str | None = None
    dateline: str | None = None
    published: datetime | None = None


@dataclass(frozen=True)
class Citation:
    """Where a summary sentence comes from."""

    number: int  # [n] in the story's source list
    article_id: int
    outlet: str
    headline: str
    link: str  # URL, or the file path for folder sources
    position: int  # sentence position in the article (1 = first body sentence)
    original: str  # the Arabic (source-language) sentence
    date: datetime | None = None  # the article's: published, else ingested


@dataclass(frozen=True)
class Bullet:
    sentence_id: int
    text: str  # English, or the original when not translated yet
    translated: bool
    citation: Citation


@dataclass(frozen=True)
class StorySummary:
    story_id: int
    headline: str
    headline_translated: bool
    bullets: tuple[Bullet, ...]
    sources: tuple[Citation, ...]  # one per article: the cited ones first, numbered from 1
    headline_original: str = ""  # the title article's own (Arabic) headline
    earlier: int = 0  # of a story the reader was sent before (an update, told by its new
    # articles only): its articles left out


@dataclass(frozen=True)
class Briefing:
    title: str
    created: datetime
    stories: tuple[StorySummary, ...]
    filtered_out: int = 0  # stories the keyword filters left out
    timezone: str = "UTC"  # the reader's zone: the header shows its local time
    repeats: int = 0  # stories an earlier digest told whose new articles said nothing new
